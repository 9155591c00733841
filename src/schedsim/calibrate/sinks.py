"""Where the probes print: a pipe another process drains, as a traced program's
stdout is (its reader sleeps between lines, and each line wakes it)."""

from __future__ import annotations

import contextlib
import io
import subprocess
from typing import Iterator


@contextlib.contextmanager
def drained_pipe() -> Iterator[io.TextIOWrapper]:
    """A UTF-8 text stream into a pipe that ``cat`` reads and discards."""
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    out = io.TextIOWrapper(reader.stdin, encoding="utf-8")
    try:
        yield out
    finally:
        out.close()
        reader.wait()
