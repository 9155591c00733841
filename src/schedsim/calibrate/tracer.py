"""What the tracer adds to the program it runs: its tap on printed lines, its
wrapper around each asyncio task step.

A traced program's ``sys.stdout`` is a :class:`~schedsim.real.taps.LineTap`
that forwards each write and records each completed line (two Python calls
per ``print``, an event into the raw log, a flush of what hooks buffered).
The model of a traced run (``verify``, ``schedsim run --as-traced``) charges
that as ``tap_line`` per line and ``cold_tap`` when the process has not
printed for a while; both are measured here as the same print with and
without a real tap, into the same drained pipe.  At 12:14 on the project's
VM a cold line took 100-105 µs through the tap against 68 µs without.

Each step of an asyncio task runs inside the tracer's ``Handle._run``
wrapper, which records the step and reads what the task awaits.  That is
measured on a whole program (:mod:`.tracee`) run twice, plainly and under
the real tracer: ``trace_step`` per step, traced beyond plain;
``cold_trace_step`` for a step after an idle, inside the traced run with the
wrapper in and out in turn.  At 12:50 a step took 1.7-1.9 µs plain and 5.2-5.3 traced;
a new task's step after 10 ms idle 48-50 µs more than at once plain, and
68-81 traced.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Iterator

from ..errors import TracerError
from ..real.mapfile import memory_dir
from ..real.rawlog import RawLog
from ..real.taps import LineTap
from .cold import first_minus_second_each
from .inproc import LINE, print_lines
from .sinks import drained_pipe
from .stats import Stat, summarize

#: the program :func:`task_steps` runs twice (a file: the tracer runs programs by path)
TRACEE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tracee.py")


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
        return print_lines(tap, n, reps)


def cold_lines(samples: int) -> dict[str, Stat]:
    """A line printed after a 10 ms idle, minus again at once, without and with the
    tap (``cold_line``, ``cold_line_tapped``), their samples taken in turn."""
    with drained_pipe() as out, tapped(out) as tap:
        return first_minus_second_each(
            {"cold_line": lambda: print(LINE.format(3), file=out),
             "cold_line_tapped": lambda: print(LINE.format(3), file=tap)}, samples)


def task_steps(steps: int, reps: int, cold: int) -> dict[str, Stat]:
    """:mod:`.tracee`'s figures run plainly (``task_step_plain``,
    ``cold_task_step_plain``) and traced (``..._traced``, with
    ``cold_task_step_unwrapped_traced``: the step wrapper taken out in turn)."""
    from ..real.runner import trace_program   # here: the fork probes run before this one
    args = [str(steps), str(reps), str(cold)]
    out: dict[str, Stat] = {}
    with tempfile.TemporaryDirectory(prefix="schedsim-tracee-") as tmp:
        plain, traced = (os.path.join(tmp, f"{how}.json") for how in ("plain", "traced"))
        subprocess.run([sys.executable, TRACEE, plain, *args], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            run = trace_program(TRACEE, [traced, *args])
        except TracerError as exc:     # as a refused probe: skipped, with the reason
            raise RuntimeError(f"the tracer could not run its probe program: {exc}") from exc
        if run.status != 0 or not os.path.exists(traced):
            raise RuntimeError(f"the traced probe program ended with status {run.status}")
        for how, path in (("plain", plain), ("traced", traced)):
            with open(path, encoding="utf-8") as fh:
                out.update({f"{figure}_{how}": summarize(values)
                            for figure, values in json.load(fh).items()})
    return out
