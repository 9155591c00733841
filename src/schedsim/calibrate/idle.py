"""Calibration probes of what idling costs: the idle wake-up and the cold start.

After a CPU has idled a while, two things are slower than in a hot
ping-pong (on the project's VM, FIELD-NOTES: a halted vCPU):

* **idle wake-up**: a thread woken by another one takes longer to run; the
  probe puts into a ``queue.Queue`` after everything slept ``idle`` and
  times how long the blocked consumer takes to see it, minus the same hand-off
  measured hot in the same run;
* **cold start**: the first work after a wake-up runs slower; the probe times
  a small reference workload (three generator sends and six prints into a
  pipe another process drains, as a traced program's stdout is, and buffered
  as its stdout will be: :mod:`.sinks`; ~9 µs warm)
  right after ``time.sleep(idle)`` and again at once, and keeps the
  difference.  Into ``/dev/null`` the extra after 10 ms was 40-47 µs, into
  the pipe 55-61 µs: each line also wakes the sleeping reader.

Each returns a :class:`~schedsim.calibrate.stats.Stat` of extra ns.
"""

from __future__ import annotations

import queue
import threading
import time

from .sinks import drained_pipe
from .stats import Stat, summarize

clock = time.perf_counter_ns


def _eater(out):
    while True:
        item = yield
        print(f"[eater] ate {item}", file=out)


def _reference_work(gen, out) -> int:
    """ns the reference workload takes now."""
    t0 = clock()
    for i in range(3):
        gen.send(i)
        print(f"[maker] made {i}", file=out)
    return clock() - t0


def cold_start(idle_ns: int, reps: int) -> Stat:
    """Extra ns of the reference workload right after ``idle_ns`` of sleep."""
    with drained_pipe() as out:
        gen = _eater(out)
        next(gen)
        _reference_work(gen, out)
        extra = []
        for _ in range(reps):
            time.sleep(idle_ns / 1e9)
            cold = _reference_work(gen, out)
            extra.append(cold - _reference_work(gen, out))
    return summarize(extra)


def _consumer(inbox: queue.Queue, seen: queue.Queue) -> None:
    while (sent := inbox.get()) is not None:
        seen.put(clock() - sent)


def _handoffs(inbox: queue.Queue, seen: queue.Queue, idle_ns: int, reps: int) -> list[int]:
    out = []
    for _ in range(reps):
        if idle_ns:
            time.sleep(idle_ns / 1e9)
        inbox.put(clock())
        out.append(seen.get())
    return out


def idle_wakeup(idle_ns: int, reps: int, hot_reps: int = 50) -> Stat:
    """Extra ns a ``queue.Queue`` hand-off takes after ``idle_ns`` of idling,
    against the median of ``hot_reps`` back-to-back hand-offs."""
    inbox, seen = queue.Queue(), queue.Queue()
    worker = threading.Thread(target=_consumer, args=(inbox, seen), daemon=True)
    worker.start()
    try:
        hot = sorted(_handoffs(inbox, seen, 0, hot_reps))[hot_reps // 2]
        return summarize([x - hot for x in _handoffs(inbox, seen, idle_ns, reps)])
    finally:
        inbox.put(None)
        worker.join()
