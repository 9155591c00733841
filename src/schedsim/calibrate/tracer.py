"""What the tracer adds to the program it runs: the tap on its printed lines.

A traced program's ``sys.stdout`` is a :class:`~schedsim.real.taps.LineTap`
that forwards each write and records each completed line (two Python calls
per ``print``, an event into the raw log, a flush of what hooks buffered).
The model of a traced run (``verify``, ``simulate --as-traced``) charges
that as ``tap_line`` per line and ``cold_tap`` when the process has not
printed for a while; both are measured here as the same print with and
without a real tap, into the same drained pipe.  At 12:14 on the project's
VM a cold line took 100-105 µs through the tap against 68 µs without.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from typing import Iterator

from ..real.mapfile import memory_dir
from ..real.rawlog import RawLog
from ..real.taps import LineTap
from .cold import first_minus_second_each
from .sinks import drained_pipe
from .stats import Stat, per_op

clock = time.perf_counter_ns
LINE = "[c1] 正在吃包子 {}"


@contextlib.contextmanager
def tapped(stream) -> Iterator[LineTap]:
    """``stream`` behind the tracer's tap, recording into a scratch raw log."""
    where = tempfile.mkdtemp(prefix="schedsim-tap-", dir=memory_dir())
    log = RawLog(where, {"pid": os.getpid(), "probe": "tap"})
    try:
        yield LineTap(stream, "stdout", log)
    finally:
        log.close()
        shutil.rmtree(where, ignore_errors=True)


def print_line_tapped(n: int, reps: int) -> Stat:
    """:func:`~.inproc.print_line`, through the tap."""
    with drained_pipe() as out, tapped(out) as tap:
        def batch(k: int) -> int:
            t0 = clock()
            for i in range(k):
                print(LINE.format(i), file=tap)
            return clock() - t0
        return per_op(batch, n, reps)


def cold_lines(samples: int) -> dict[str, Stat]:
    """A line printed after a 10 ms idle, minus again at once, without and with the
    tap (``cold_line``, ``cold_line_tapped``), their samples taken in turn."""
    with drained_pipe() as out, tapped(out) as tap:
        return first_minus_second_each(
            {"cold_line": lambda: print(LINE.format(3), file=out),
             "cold_line_tapped": lambda: print(LINE.format(3), file=tap)}, samples)
