"""Study: what code costs the first time it runs after the machine idled 10 ms.

The model charges one cold start per wake-up, calibrated on a small reference
workload (three generator sends and six printed lines).  The baozi traces
show more: after each 1 s sleep (10 ms at the examples' time scale) every
piece of code a round runs for the first time is slow, a consumer's first
``print`` 50-80 µs where the next one takes 7-28.  This measures that extra
for each kind of operation the baozi programs use, so that a model can charge
it per kind: each sample sleeps, runs the operation twice and keeps the first
minus the second.  The ``nothing`` row (a bare function call) is the cold
start every wake-up pays whatever it runs; ``beyond it`` is what the kind
adds.  Not a test: it prints figures.

    .venv/bin/python bench/bench_cold.py             # 40 samples a kind, ~5 s
    .venv/bin/python bench/bench_cold.py --quick     # 10 samples
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import queue
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from schedsim.calibrate.sinks import drained_pipe  # noqa: E402

clock = time.perf_counter_ns
IDLE_S = 0.010


def cold_and_warm(op: Callable[[], object], samples: int) -> tuple[float, float]:
    """Median ns of ``op`` right after an idle sleep, and of the same ``op`` again."""
    op()
    op()
    cold, warm = [], []
    for _ in range(samples):
        time.sleep(IDLE_S)
        t0 = clock()
        op()
        t1 = clock()
        op()
        t2 = clock()
        cold.append(t1 - t0)
        warm.append(t2 - t1)
    return statistics.median(cold), statistics.median(warm)


def _generator_sends() -> Callable[[], None]:
    def idle():
        while True:
            yield
    it = idle()
    next(it)
    return lambda: (it.send(None), it.send(None), it.send(None))


def _thread_queue() -> Callable[[], None]:
    q = queue.Queue()

    def op():
        q.put(1)
        q.get()
        q.task_done()
    return op


def _event() -> Callable[[], None]:
    ev = threading.Event()
    return lambda: (ev.set(), ev.wait(), ev.clear())


def _thread_start_join() -> Callable[[], None]:
    def op():
        t = threading.Thread(target=int)
        t.start()
        t.join()
    return op


def _mp_queue() -> Callable[[], None]:
    q = multiprocessing.get_context("fork").Queue()

    def op():
        q.put(1)
        q.get()
    return op


def _asyncio_rows(samples: int) -> list[tuple[str, float, float]]:
    """asyncio kinds, measured inside one running loop (its own idle: ``asyncio.sleep``)."""
    async def study():
        aq = asyncio.Queue()

        async def queue_op():
            aq.put_nowait(1)
            await aq.get()

        async def task_op():
            await asyncio.ensure_future(asyncio.sleep(0))

        rows = []
        for name, op in (("asyncio: nothing", None), ("asyncio.Queue put + get", queue_op),
                         ("asyncio: a task step (sleep(0) in a new task)", task_op)):
            cold, warm = [], []
            for _ in range(samples + 1):
                await asyncio.sleep(IDLE_S)
                t0 = clock()
                if op is not None:
                    await op()
                t1 = clock()
                if op is not None:
                    await op()
                t2 = clock()
                cold.append(t1 - t0)
                warm.append(t2 - t1)
            rows.append((name, statistics.median(cold[1:]), statistics.median(warm[1:])))
        return rows
    return asyncio.run(study())


def main(argv: list[str] | None = None) -> int:
    """Print each kind's cold and warm medians and the cold extra beyond a bare call."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 samples a kind")
    args = parser.parse_args(argv)
    samples = 10 if args.quick else 40
    with drained_pipe() as pipe:
        kinds = (("nothing (a bare call)", lambda: int),
                 ("print a line into a drained pipe", lambda: print("[c1] 正在吃包子 3",
                                                                     file=pipe, flush=True)),
                 ("three generator sends", _generator_sends()),
                 ("queue.Queue put + get + task_done", _thread_queue()),
                 ("threading.Event set + wait + clear", _event()),
                 ("thread start + join", _thread_start_join()),
                 ("multiprocessing.Queue put + get", _mp_queue()))
        rows = [(name, *cold_and_warm(op, samples)) for name, op in kinds]
    rows += _asyncio_rows(samples)
    base = {False: rows[0][1] - rows[0][2]}
    base[True] = next(c - w for n, c, w in rows if n == "asyncio: nothing")
    print(f"after {IDLE_S * 1e3:g} ms idle, {samples} samples, median µs")
    print(f"{'operation':48} {'cold':>8} {'warm':>8} {'extra':>8} {'beyond it':>10}")
    for name, cold, warm in rows:
        extra = cold - warm
        beyond = extra - base[name.startswith("asyncio")]
        print(f"{name:48} {cold / 1e3:8.1f} {warm / 1e3:8.1f} {extra / 1e3:8.1f} "
              f"{beyond / 1e3:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
