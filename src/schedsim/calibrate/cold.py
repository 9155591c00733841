"""What each kind of operation costs the first time after the machine idled 10 ms.

Each sample sleeps :data:`IDLE_S`, runs the operation twice and keeps the
first run minus the second: the extra of code and data the caches no longer
hold.  A bare call measured the same way (``nothing``) is the part every
wake-up pays whatever it runs; a kind's profile cost (``cold_*``, see
:mod:`schedsim.model.cold`) is its median beyond that.  The asyncio kinds
idle in ``asyncio.sleep`` inside one running loop and have their own bare
step.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import threading
import time
from typing import Callable

from .stats import Stat, summarize

clock = time.perf_counter_ns
#: the idle before each sample (the profile's cold costs are "at 10 ms")
IDLE_S = 0.010


def first_minus_second(op: Callable[[], object], samples: int) -> Stat:
    """``op`` right after an idle sleep minus ``op`` again at once (ns)."""
    return first_minus_second_each({"op": op}, samples)["op"]


def first_minus_second_each(ops: dict[str, Callable[[], object]],
                            samples: int) -> dict[str, Stat]:
    """:func:`first_minus_second` of each of ``ops``, by name, their samples taken
    in turn (each after its own idle sleep): the kinds are compared with one
    another, so a drift of the machine's state moves them all alike."""
    for op in ops.values():
        op()
        op()
    out: dict[str, list[int]] = {name: [] for name in ops}
    for _ in range(samples):
        for name, op in ops.items():
            time.sleep(IDLE_S)
            t0 = clock()
            op()
            t1 = clock()
            op()
            out[name].append((t1 - t0) - (clock() - t1))
    return {name: summarize(values) for name, values in out.items()}


def nothing() -> Callable[[], None]:
    """A bare call."""
    return lambda: None


def queue_ops() -> Callable[[], None]:
    """``queue.Queue`` put + get + task_done."""
    q = queue.Queue()

    def op():
        q.put(1)
        q.get()
        q.task_done()
    return op


def event_ops() -> Callable[[], None]:
    """``threading.Event`` set + wait + clear."""
    ev = threading.Event()

    def op():
        ev.set()
        ev.wait()
        ev.clear()
    return op


def ipc_ops(q) -> Callable[[], None]:
    """``multiprocessing.Queue`` put + get on ``q`` (its feeder starts at the warm-up)."""
    def op():
        q.put(1)
        q.get()
    return op


def thread_kinds(samples: int) -> dict[str, Stat]:
    """Figure name -> first-minus-second Stat of each thread-side kind."""
    q = multiprocessing.get_context("fork").Queue()
    try:
        return first_minus_second_each({"cold_nothing": nothing(), "cold_queue": queue_ops(),
                                        "cold_event": event_ops(), "cold_ipc": ipc_ops(q)},
                                       samples)
    finally:
        q.close()
        q.join_thread()


async def _asyncio_kinds(samples: int) -> dict[str, Stat]:
    aq = asyncio.Queue()

    async def queue_op():
        aq.put_nowait(1)
        await aq.get()

    async def task_op():
        await asyncio.ensure_future(asyncio.sleep(0))

    async def bare():
        return None

    out = {}
    for name, op in (("cold_asyncio_nothing", bare), ("cold_asyncio", queue_op),
                     ("cold_task", task_op)):
        await op()
        samples_ns = []
        for _ in range(samples):
            await asyncio.sleep(IDLE_S)
            t0 = clock()
            await op()
            t1 = clock()
            await op()
            samples_ns.append((t1 - t0) - (clock() - t1))
        out[name] = summarize(samples_ns)
    return out


def asyncio_kinds(samples: int) -> dict[str, Stat]:
    """Figure name -> first-minus-second Stat of each asyncio kind, in one loop."""
    return asyncio.run(_asyncio_kinds(samples))


#: profile cost -> (its figure, the bare figure it is measured beyond)
COSTS = {"cold_queue": ("cold_queue", "cold_nothing"),
         "cold_event": ("cold_event", "cold_nothing"),
         "cold_ipc": ("cold_ipc", "cold_nothing"),
         "cold_asyncio": ("cold_asyncio", "cold_asyncio_nothing"),
         "cold_task": ("cold_task", "cold_asyncio_nothing"),
         "cold_tap": ("cold_line_tapped", "cold_line")}
