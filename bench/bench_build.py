"""Post-run benchmark: from the traced program's exit to the trace file written.

After a traced program ends, ``schedsim trace`` reads the raw per-process
files (``read``), turns them into a trace (``build``) and writes it as JSON
Lines (``save``).  This script traces each program of ``bench/programs/``
with :func:`schedsim.real.runner.trace_program`, times those three phases
inside it (the runner's ``read_raw``, ``build_trace`` and ``save`` are
wrapped with timers), and prints the best of ``--runs`` and the cost per
trace event.  Two variants run in the same process, interleaved:

* ``compiled``  the trace's column work in C (``schedsim.trace._columns``);
* ``python``    the same with its pure-Python twin (the baseline of the ratio).

Times are CPU time of this process (``time.process_time``), which a busy
machine disturbs less than wall time.

    .venv/bin/python bench/bench_build.py [--runs 5] [--only gen_sends]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

from schedsim.real import runner
from schedsim.trace import columns

HERE = Path(__file__).resolve().parent
PROGRAMS = ("gen_sends", "thread_queue", "asyncio_queue", "mp_queue")
PHASES = {"read": "read_raw", "build": "build_trace", "save": "save"}


@contextlib.contextmanager
def timed_phases(spent: dict[str, float]):
    """Wrap the runner's phase functions so each call adds its CPU time to ``spent``."""
    saved = {name: getattr(runner, attr) for name, attr in PHASES.items()}

    def timer(name, fn):
        def wrapped(*args, **kw):
            t0 = time.process_time()
            try:
                return fn(*args, **kw)
            finally:
                spent[name] += time.process_time() - t0
        return wrapped

    for name, attr in PHASES.items():
        setattr(runner, attr, timer(name, saved[name]))
    try:
        yield
    finally:
        for name, attr in PHASES.items():
            setattr(runner, attr, saved[name])


@contextlib.contextmanager
def variant(name: str):
    """``compiled`` as installed, or ``python`` with the compiled column helper hidden."""
    saved = columns.compiled
    if name == "python":
        columns.compiled = None
    try:
        yield
    finally:
        columns.compiled = saved


@contextlib.contextmanager
def quiet():
    """Send what the traced programs print (inherited stdout/stderr) to /dev/null."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def measure(program: Path, name: str, out: Path) -> tuple[dict[str, float], int]:
    """One traced run of ``program``: CPU seconds per phase, and the number of events."""
    spent = dict.fromkeys(PHASES, 0.0)
    with variant(name), timed_phases(spent), quiet():
        run = runner.trace_program(program, out=out)
    return spent, len(run.trace)


def main(argv=None) -> None:
    """Run the benchmark and print one row per program and variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", choices=PROGRAMS)
    args = parser.parse_args(argv)
    if not all(hasattr(runner, attr) for attr in PHASES.values()):
        sys.exit("bench_build: schedsim.real.runner no longer calls read_raw/build_trace/save")
    variants = ("compiled", "python") if columns.compiled is not None else ("python",)
    print(f"{'program':14} {'variant':9} {'events':>8} {'read':>7} {'build':>7} {'save':>7} "
          f"{'total ms':>9} {'us/ev':>6} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for prog in args.only or PROGRAMS:
            best: dict[str, dict[str, float]] = {v: {} for v in variants}
            events = 0
            for _ in range(args.runs):
                for v in variants:
                    spent, events = measure(HERE / "programs" / f"{prog}.py", v,
                                            Path(tmp) / "out.jsonl")
                    for phase, sec in spent.items():
                        best[v][phase] = min(best[v].get(phase, sec), sec)
            base = sum(best[variants[-1]].values())
            for v in variants:
                b = best[v]
                total = sum(b.values())
                print(f"{prog:14} {v:9} {events:8d} {1e3 * b['read']:7.1f} "
                      f"{1e3 * b['build']:7.1f} {1e3 * b['save']:7.1f} {1e3 * total:9.1f} "
                      f"{1e6 * total / max(events, 1):6.2f} {total / base:5.2f}x")


if __name__ == "__main__":
    main()
