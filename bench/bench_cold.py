"""Study: what code costs the first time it runs after the machine idled 10 ms.

The model charges one cold start per wake-up, calibrated on a small reference
workload (three generator sends and six printed lines).  The baozi traces
show more: after each 1 s sleep (10 ms at the examples' time scale) every
piece of code a round runs for the first time is slow, a consumer's first
``print`` 50-80 µs where the next one takes 7-28.  This measures that extra
for each kind of operation the baozi programs use, the way ``schedsim
calibrate`` measures the kinds the model charges (``schedsim.calibrate.cold``):
each sample sleeps, runs the operation twice and keeps the first minus the
second.  The ``nothing`` row (a bare function call) is the cold
start every wake-up pays whatever it runs; ``beyond a bare call`` is what the kind
adds.  Not a test: it prints figures.

    .venv/bin/python bench/bench_cold.py             # 40 samples a kind, ~5 s
    .venv/bin/python bench/bench_cold.py --quick     # 10 samples
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from schedsim.calibrate import cold  # noqa: E402
from schedsim.calibrate.sinks import drained_pipe  # noqa: E402


def _generator_sends() -> Callable[[], None]:
    def idle():
        while True:
            yield
    it = idle()
    next(it)
    return lambda: (it.send(None), it.send(None), it.send(None))


def _thread_start_join() -> Callable[[], None]:
    def op():
        t = threading.Thread(target=int)
        t.start()
        t.join()
    return op


def main(argv: list[str] | None = None) -> int:
    """Print each kind's cold extra and what it adds beyond a bare call's."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 samples a kind")
    args = parser.parse_args(argv)
    samples = 10 if args.quick else 40
    ipc = multiprocessing.get_context("fork").Queue()
    with drained_pipe() as pipe:
        kinds = (("nothing (a bare call)", cold.nothing()),
                 ("print a line into a drained pipe", lambda: print("[c1] 正在吃包子 3",
                                                                     file=pipe)),
                 ("three generator sends", _generator_sends()),
                 ("queue.Queue put + get + task_done", cold.queue_ops()),
                 ("threading.Event set + wait + clear", cold.event_ops()),
                 ("thread start + join", _thread_start_join()),
                 ("multiprocessing.Queue put + get", cold.ipc_ops(ipc)))
        rows = [(name, cold.first_minus_second(op, samples).median) for name, op in kinds]
    ipc.close()
    ipc.join_thread()
    names = {"cold_asyncio_nothing": "asyncio: nothing (a bare coroutine)",
             "cold_asyncio": "asyncio.Queue put + get",
             "cold_task": "asyncio: a new task's step (sleep(0))"}
    rows += [(names[k], v.median) for k, v in cold.asyncio_kinds(samples).items()]
    base = {False: rows[0][1], True: rows[-3][1]}
    print(f"after {cold.IDLE_S * 1e3:g} ms idle, {samples} samples, median µs")
    print(f"{'operation':48} {'cold extra':>11} {'beyond a bare call':>19}")
    for name, extra in rows:
        beyond = extra - base[name.startswith("asyncio")]
        print(f"{name:48} {extra / 1e3:11.1f} {beyond / 1e3:19.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
