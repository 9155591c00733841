"""The ``multiprocessing.Queue`` feeder thread.

``Queue.put`` in CPython does not write to the pipe: it appends the object
to a buffer and notifies a per-queue, per-process *feeder thread* (started
by the first put), which pickles each object and writes it to the pipe.
So a put returns at once, and every message takes one more thread hop, on
a CPU that may have idled, before the other process can read it.

The model gives each process one feeder per IPC channel its programs put to
(found by reading the programs: :func:`feeder_channels`), laid out as a
thread unit ``QueueFeederThread (NAME)`` and started by the first put.
The putter records the ``send`` (the cause the getter's ``recv`` names);
the feeder spends the IPC cost and delivers.  When every other thread of
its process has ended the feeder flushes its buffer and ends (the
``atexit`` join of ``multiprocessing``), so the process ends after it.
"""

from __future__ import annotations

import copy
from collections import deque

from .interp import Ctx
from .spec import Op, ThreadSpec
from .sync import deliver, first_use_cow, thread_waiter
from .template import TemplateError, render


class Feeder:
    """One process's feeder for one IPC channel: its buffer and its thread."""

    def __init__(self, queue, thread) -> None:
        self.queue = queue
        self.thread = thread
        # invariant: every entry is (value, send index, KiB) of a put not yet delivered
        self.buffer: deque = deque()
        self.waiter = None        # set while the feeder thread waits for a put
        self.closing = False      # no other thread of the process is left
        self.starting = False     # a put is starting the thread (once)

    def put(self, ctx: Ctx, value, size: int):
        """``Queue.put`` on the putter: start the feeder if needed, buffer, notify."""
        th, sim = ctx.thread, ctx.sim
        if not self.starting:
            self.starting = True
            cost = sim.costs["feeder_start"] + first_use_cow(th.process, "thread start")
            yield from th.spend(cost)
            sim.start_thread(self.thread, ctx.unit, cost)
        th.check_on_cpu()
        cause = th.record("send", unit=ctx.unit, obj=self.queue.name, value=value)
        self.buffer.append((copy.deepcopy(value), cause, size))
        if self.waiter is not None:
            wake, self.waiter = self.waiter, None
            wake(cause, None)
            yield from th.spend(sim.costs["queue_handoff"])

    def close(self, cause: int | None) -> None:
        """The rest of the process has ended: flush, then end."""
        self.closing = True
        if self.waiter is not None:
            wake, self.waiter = self.waiter, None
            wake(cause, None)


def feeder_loop(th):
    """The feeder thread's body: pickle and write each buffered object."""
    f, costs = th.feeder, th.sim.costs
    while True:
        if not f.buffer:
            if f.closing:                          # multiprocessing's exit handler joins it
                yield from th.spend(costs["feeder_exit"])
                return
            ev, f.waiter = thread_waiter(th)
            yield from th.block(ev, "wait", obj=f"{f.queue.name} buffer")
            continue
        value, cause, size = f.buffer.popleft()
        yield from th.spend(costs["ipc_per_message"] + costs["ipc_per_kib"] * size
                            + first_use_cow(th.process, "send"))
        while f.queue.full():                      # the pipe is full: the write blocks
            ev, wake = thread_waiter(th)
            f.queue.putters.append(wake)
            yield from th.block(ev, "send", obj=f.queue.name)
        th.check_on_cpu()
        deliver(f.queue, value, cause)


def _ops(program):
    for op in program:
        yield op
        if op.name == "await":      # (tasks may only await asyncio queues)
            continue
        for part in (op.arg, *op.opts.values()):
            yield from _nested(part)


def _nested(part):
    if isinstance(part, Op):
        yield from _ops([part])
    elif isinstance(part, list) and part and all(isinstance(x, Op) for x in part):
        yield from _ops(part)
    elif isinstance(part, dict):
        for value in part.values():
            yield from _nested(value)


def feeder_channels(process_spec, channels: dict) -> list[str]:
    """IPC channels the process's programs put to, in first-seen order.

    Queue names are rendered with ``self``, ``thread`` and ``process``; a name
    that needs another variable (a loop counter) is not found here, and a put
    to it writes directly (the feeder hop is then not modelled).
    """
    found: list[str] = []
    for tspec in process_spec.threads.values():
        programs = [(tspec.name, tspec.program)]
        programs += [(c.name, c.program) for c in tspec.coroutines.values()]
        for me, program in programs:
            env = {"self": me, "thread": tspec.name, "process": process_spec.name}
            for op in _ops(program):
                if op.name != "put" or not isinstance(op.arg, dict):
                    continue
                try:
                    name = str(render(op.arg["queue"], env))
                except TemplateError:
                    continue
                q = channels.get(name)
                if q is not None and q.kind == "ipc" and name not in process_spec.queues \
                        and name not in found:
                    found.append(name)
    return found


def feeder_spec(channel: str) -> ThreadSpec:
    """The thread spec of the feeder of ``channel`` (started by the first put)."""
    return ThreadSpec(name=f"QueueFeederThread ({channel})", program=[], autostart=False)
