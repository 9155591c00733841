"""Where the probes print: a pipe another process drains, as a traced program's
stdout is (its reader sleeps between lines, and each write wakes it).

The probes' stream buffers as the traced program's ``sys.stdout`` will
(:func:`program_stdout`): CPython sets that up from the program's
environment and from what its fd 1 is.  With ``PYTHONUNBUFFERED`` (or
``-u``) every ``write`` is a system call, two per ``print`` (the text, then
the newline); on a terminal one per line; into a pipe or a file one per
8 KiB.  A probe that flushed each line itself measured one write per line
whatever the program would do.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from typing import Iterator, Mapping

#: how a stdout buffers: each write a system call, one per line, one per block
STDOUT_MODES = ("unbuffered", "line", "block")
#: set by :func:`schedsim.calibrate.calibrate` for the measuring interpreter, whose own
#: fd 1 is a pipe to its caller, not what the programs will print into
ENV_STDOUT = "SCHEDSIM_PROGRAM_STDOUT"


def program_stdout(env: Mapping[str, str] | None = None, fd: int = 1) -> str:
    """How a Python program started now with ``env`` (default: this process's)
    and this process's ``fd`` as its stdout buffers that stream."""
    env = os.environ if env is None else env
    if env.get("PYTHONUNBUFFERED"):
        return "unbuffered"
    return "line" if os.isatty(fd) else "block"


def probe_stdout() -> str:
    """The mode the probes print in: the one their caller named, else this process's."""
    mode = os.environ.get(ENV_STDOUT, "")
    return mode if mode in STDOUT_MODES else program_stdout()


@contextlib.contextmanager
def drained_pipe(mode: str | None = None) -> Iterator[io.TextIOWrapper]:
    """A UTF-8 text stream into a pipe that ``cat`` reads and discards, buffered as
    ``mode`` says (one of :data:`STDOUT_MODES`; default :func:`probe_stdout`)."""
    mode = probe_stdout() if mode is None else mode
    if mode not in STDOUT_MODES:
        raise ValueError(f"stdout mode {mode!r}; expected one of {STDOUT_MODES}")
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              bufsize=0)
    raw = reader.stdin                      # a FileIO: bufsize=0
    if mode == "unbuffered":                # as CPython builds sys.stdout under -u
        out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    else:
        out = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8",
                               line_buffering=mode == "line")
    try:
        yield out
    finally:
        out.close()
        reader.wait()
