"""Calibration probes inside one process: generators, asyncio, threads, sleep, GIL.

Each probe returns a :class:`~schedsim.calibrate.stats.Stat` in ns.  Hand-off
probes are ping-pongs: a round trip is two one-way hand-offs, so the figure
is elapsed / (2 * round trips).
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
import time
from typing import Callable

from .affinity import pin_self, pinned
from .sinks import drained_pipe
from .stats import Stat, each, per_op, summarize
from .tracee import sleep0_pingpong

clock = time.perf_counter_ns
#: the line the print probes print (a baozi consumer's)
LINE = "[c1] 正在吃包子 {}"


def _idle_gen():
    while True:
        yield


def _send_batch(n: int) -> int:
    """ns for n generator sends minus an empty loop of n (two switches each)."""
    it = _idle_gen()
    next(it)
    send, r = it.send, range(n)
    t0 = clock()
    for _ in r:
        send(None)
    t1 = clock()
    for _ in r:
        pass
    return max(0, (t1 - t0) - (clock() - t1))


def generator_switch(n: int, reps: int) -> Stat:
    """One-way generator switch (half a ``send`` round trip, loop overhead removed)."""
    return per_op(_send_batch, n, reps, ops_per_iter=2)


def _create_batch(n: int) -> int:
    t0 = clock()
    for _ in range(n):
        next(_idle_gen())
    return clock() - t0


def generator_create(n: int, reps: int) -> Stat:
    """Create a generator and prime it with ``next``."""
    return per_op(_create_batch, n, reps)


async def _queue_pingpong(n: int) -> int:
    a, b = asyncio.Queue(), asyncio.Queue()

    async def echo():
        for _ in range(n):
            b.put_nowait(await a.get())
    task = asyncio.ensure_future(echo())
    t0 = clock()
    for i in range(n):
        a.put_nowait(i)
        await b.get()
    elapsed = clock() - t0
    await task
    return elapsed


async def _create_task_batch(n: int) -> int:
    async def noop():
        return None
    t0 = clock()
    for _ in range(n):
        await asyncio.ensure_future(noop())
    return clock() - t0


def _in_loop(coro_fn: Callable[[int], object]) -> Callable[[int], int]:
    return lambda n: asyncio.run(coro_fn(n))


def task_switch(n: int, reps: int) -> Stat:
    """asyncio: two tasks alternating through ``await asyncio.sleep(0)``; per switch."""
    return per_op(_in_loop(sleep0_pingpong), n, reps, ops_per_iter=2)


def task_queue_handoff(n: int, reps: int) -> Stat:
    """asyncio: one-way hand-off through a pair of ``asyncio.Queue``."""
    return per_op(_in_loop(_queue_pingpong), n, reps, ops_per_iter=2)


def task_create(n: int, reps: int) -> Stat:
    """asyncio: ``create_task`` + await until the task has run."""
    return per_op(_in_loop(_create_task_batch), n, reps)


def _lock_pair():
    a, b = threading.Lock(), threading.Lock()
    a.acquire()
    b.acquire()
    return (a.release, b.acquire), (a.acquire, b.release)


def _queue_pair():
    a, b = queue.Queue(), queue.Queue()
    return (lambda: a.put(1), b.get), (a.get, lambda: b.put(1))


def _thread_pingpong(make_pair, n: int, cpus: tuple[int | None, int | None]) -> int:
    """Elapsed ns for n round trips between this thread and a partner thread."""
    (give, take), (wait, answer) = make_pair()

    def partner():
        pin_self(cpus[1])
        for _ in range(n):
            wait()
            answer()
    t = threading.Thread(target=partner, name="calib-partner")
    t.start()
    t0 = clock()
    for _ in range(n):
        give()
        take()
    elapsed = clock() - t0
    t.join()
    return elapsed


def thread_handoff(kind: str, cpus: tuple[int, int], n: int, reps: int) -> Stat:
    """One-way thread hand-off through a Lock pair or queue.Queue pair (``kind``).

    ``cpus`` = (this thread's CPU, partner's CPU): equal for one CPU.
    """
    make = {"lock": _lock_pair, "queue": _queue_pair}[kind]
    with pinned(cpus[0]):
        return per_op(lambda k: _thread_pingpong(make, k, cpus), n, reps, ops_per_iter=2)


def _start_join() -> None:
    t = threading.Thread(target=int)
    t.start()
    t.join()


def thread_start(reps: int) -> Stat:
    """``threading.Thread(...).start()`` + ``join()`` of a thread that does nothing."""
    return each(_start_join, reps, warmup=3)


def _exit_once() -> int:
    returned: list[int] = []
    t = threading.Thread(target=lambda: returned.append(clock()))
    t.start()
    t.join()
    return clock() - returned[0]


def thread_exit(cpu: int, reps: int) -> Stat:
    """From a thread's function returning to ``join()`` returning, on one CPU."""
    with pinned(cpu):
        for _ in range(3):
            _exit_once()
        return summarize([_exit_once() for _ in range(reps)])


def sleep_overshoot(duration_ns: int, reps: int) -> Stat:
    """How much longer than asked ``time.sleep(duration)`` takes, in ns."""
    seconds = duration_ns / 1e9
    samples = []
    for _ in range(reps):
        t0 = clock()
        time.sleep(seconds)
        samples.append(clock() - t0 - duration_ns)
    return summarize(samples)


def print_line(n: int, reps: int) -> Stat:
    """``print`` of a short formatted line into a pipe that another process drains
    (what a traced program's stdout is), buffered as the program's will be
    (:func:`~.sinks.probe_stdout`)."""
    with drained_pipe() as out:
        return print_lines(out, n, reps)


def print_lines(stream, n: int, reps: int) -> Stat:
    """``print`` of :data:`LINE` into ``stream``, per line: ``reps`` batches of ``n``."""
    def batch(k: int) -> int:
        t0 = clock()
        for i in range(k):
            print(LINE.format(i), file=stream)
        return clock() - t0
    return per_op(batch, n, reps)


async def _async_sleeps(seconds: float, reps: int) -> list[int]:
    samples = []
    for _ in range(reps):
        t0 = clock()
        await asyncio.sleep(seconds)
        samples.append(clock() - t0)
    return samples


def asyncio_sleep_overshoot(duration_ns: int, reps: int) -> Stat:
    """How much longer than asked ``await asyncio.sleep(duration)`` takes, in ns."""
    taken = asyncio.run(_async_sleeps(duration_ns / 1e9, reps))
    return summarize([t - duration_ns for t in taken])


def _spin(me: int, deadline: int, counts: list, gap_ns: int, out: list) -> None:
    """Busy-loop until ``deadline``; record how long each stretch on the GIL lasted.

    A stretch ends where this thread's own clock readings jump by more than
    ``gap_ns`` *and* the other thread's counter moved meanwhile (it held the
    GIL).  A jump without that is the OS preempting this thread while it
    kept the GIL: the stretch goes on.  Only this thread's own readings are
    compared, so where in the loop the switch falls does not matter.
    """
    other, runs = 1 - me, []
    start = last = clock()
    seen = counts[other]
    while last < deadline:
        counts[me] += 1
        t = clock()
        if t - last > gap_ns and counts[other] != seen:
            runs.append(last - start)
            start, seen = t, counts[other]
        last = t
    out.extend(runs[1:])  # the first stretch began before the other thread competed


def gil_handoff_period(seconds: float, gap_ns: int = 50_000) -> Stat:
    """How long a CPU-bound thread keeps the GIL while another one waits for it.

    Two spinning threads (unpinned); see :func:`_spin`.  The median stretch
    is the actual hand-off period, to be read beside ``sys.getswitchinterval()``.
    """
    deadline = clock() + int(seconds * 1e9)
    counts, out = [0, 0], []
    threads = [threading.Thread(target=_spin, args=(i, deadline, counts, gap_ns, out))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not out:
        raise RuntimeError("no GIL hand-off seen: the threads never alternated")
    return summarize(out)


def switch_interval_ns() -> int:
    """``sys.getswitchinterval()`` in ns."""
    return round(sys.getswitchinterval() * 1e9)
