"""The tracer's parent side: run a program in a traced child, build its trace.

:func:`trace_program` starts ``python -m schedsim.real.bootstrap`` in its
own process group with the program's stdin/stdout/stderr inherited (the
output reaches the user unchanged, never through the tracer), waits for it
(ending the whole group on timeout or Ctrl-C), then reads the raw files the
traced processes wrote and merges them into one trace.
"""

from __future__ import annotations

import datetime as _dt
import glob
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import TracerError
from ..trace import Header, Trace, save
from .build import build_trace
from .child import ENV_DIR, ENV_SCALE
from .rawlog import read_raw

#: seconds between SIGTERM and SIGKILL when ending a process group
GRACE = 2.0

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass
class RealRun:
    """The result of tracing one program run.

    ``status`` is the exit status as :mod:`subprocess` reports it (the exit
    code, or ``-N`` when killed by signal N); ``timed_out`` says whether the
    tracer ended the run at its timeout; ``path`` is where the trace was
    saved (None when no ``out`` was given).
    """

    trace: Trace
    status: int
    timed_out: bool = False
    path: Path | None = None


def trace_program(program: str | os.PathLike, args=(), *, time_scale: float = 1.0,
                  timeout: float | None = None, out: str | os.PathLike | None = None,
                  cwd: str | os.PathLike | None = None, env: dict | None = None) -> RealRun:
    """Run ``program`` (a Python file) with ``args`` under the tracer.

    Every ``time.sleep(d)`` in it sleeps ``d * time_scale``.  ``timeout``
    (seconds) ends the program's whole process group.  The trace is
    returned and, when ``out`` is given, saved there atomically.
    Raises :class:`~schedsim.errors.TracerError` when the program cannot be
    run (missing file, bad option).
    """
    script = _check(program, cwd, time_scale, timeout)
    raw_dir = tempfile.mkdtemp(prefix="schedsim-raw-")
    try:
        start_wall = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
        cmd = [sys.executable, "-m", "schedsim.real.bootstrap", os.fspath(program),
               *map(str, args)]
        status, timed_out = _run(cmd, cwd, _child_env(env, raw_dir, time_scale), timeout)
        header = _header(script, cmd[4:], time_scale, start_wall, status, timed_out)
        trace = build_trace(header, _read_all(raw_dir), status)
    finally:
        shutil.rmtree(raw_dir, ignore_errors=True)
    path = None
    if out is not None:
        path = Path(out)
        save(trace, path)
    return RealRun(trace, status, timed_out, path)


def _check(program, cwd, time_scale, timeout) -> Path:
    script = Path(cwd or ".") / Path(program)
    if not script.is_file():
        raise TracerError(f"{program}: no such program file"
                          + (f" (looked in {cwd})" if cwd else ""))
    if not (isinstance(time_scale, (int, float)) and time_scale > 0):
        raise TracerError(f"time_scale must be a positive number, not {time_scale!r}")
    if timeout is not None and not timeout > 0:
        raise TracerError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return script.resolve()


def _child_env(env: dict | None, raw_dir: str, time_scale: float) -> dict:
    out = dict(os.environ if env is None else env)
    out[ENV_DIR] = raw_dir
    out[ENV_SCALE] = repr(float(time_scale))
    paths = [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p]
    out["PYTHONPATH"] = os.pathsep.join([_PACKAGE_ROOT, *paths])
    return out


def _run(cmd: list[str], cwd, env: dict, timeout: float | None) -> tuple[int, bool]:
    """Run the child in its own process group; returns (status, timed_out)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, process_group=0)
    timed_out = False
    try:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _end_group(proc, signal.SIGTERM)
        except KeyboardInterrupt:
            _end_group(proc, signal.SIGINT)
    finally:
        if proc.poll() is None:
            _end_group(proc, signal.SIGKILL)
        _signal_group(proc.pid, signal.SIGKILL)  # no child outlives the tracer
    return proc.returncode, timed_out


def _end_group(proc: subprocess.Popen, signum: int) -> None:
    _signal_group(proc.pid, signum)
    try:
        proc.wait(GRACE)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _read_all(raw_dir: str) -> list[tuple[dict, list[tuple]]]:
    return [read_raw(p) for p in sorted(glob.glob(os.path.join(raw_dir, "raw-*.bin")))]


def _header(script: Path, argv: list[str], time_scale: float, start_wall: str,
            status: int, timed_out: bool) -> Header:
    return Header(
        source="real",
        producer={"tool": "schedsim.real", "program": str(script), "argv": argv},
        machine={"cpus": os.cpu_count(), "python": platform.python_version(),
                 "platform": platform.platform()},
        time_scale=float(time_scale), start_wall=start_wall, version=__version__,
        meta={"status": status, "timed_out": timed_out})
