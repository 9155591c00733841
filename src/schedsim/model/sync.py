"""Synchronisation objects and the operations on them: locks, events,
queues (in-process, IPC and asyncio), join, spawn, kill and device I/O.

A waiter is a callable ``wake(cause, payload)``: a thread's waiter succeeds
a SimPy event the thread blocks on; an asyncio task's waiter puts the task
back on its loop's ready queue.  ``cause`` is the index of the event that
woke it (a ``send``, an ``exit``...), recorded on the waiter's ``wake``.
"""

from __future__ import annotations

import copy
from collections import deque

import simpy

from .cold import run_cold, sync_kind
from .interp import Ctx, handler, run, value_of


class Queue:
    """A FIFO of (value, cause) with waiting getters and putters."""

    def __init__(self, spec) -> None:
        self.name = spec.name
        self.kind = spec.kind
        self.maxsize = spec.maxsize
        self.items: deque = deque()
        self.getters: deque = deque()
        self.putters: deque = deque()

    def full(self) -> bool:
        """True when a bounded queue holds ``maxsize`` items."""
        return 0 < self.maxsize <= len(self.items)


class Lock:
    """A non-reentrant lock owned by a thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.owner = None
        self.waiters: deque = deque()


class Event:
    """A flag with waiters (threading.Event / asyncio.Event)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.flag = False
        self.waiters: list = []


class Request:
    """An asynchronous I/O request: done or not, its waiters, its callback."""

    def __init__(self, cause: int, callback) -> None:
        self.cause = cause
        self.done = False
        self.waiters: list = []
        self.callback = callback


def make_sync_objects(sim, spec, queues=None):
    """(queues, locks, events) for a process spec, or for IPC channels."""
    qs = {name: Queue(q) for name, q in (queues if queues is not None else spec.queues).items()}
    if spec is None:
        return qs, {}, {}
    return qs, {n: Lock(n) for n in spec.locks}, {n: Event(n) for n in spec.events}


def thread_waiter(th):
    """(event, waiter) for a thread about to block."""
    ev = th.env.event()
    return ev, lambda cause, payload: ev.succeed((cause, payload, None))


# -- queues ------------------------------------------------------------------------

def find_queue(ctx: Ctx, op, name: str) -> Queue:
    """The queue ``name`` visible to ``ctx``: its process's, or an IPC channel."""
    q = ctx.thread.process.queues.get(name) or ctx.sim.channels.get(name)
    if q is None:
        raise op.loc.error(f"no queue {name!r} here")
    return q


def put_item(ctx: Ctx, q: Queue, value) -> int:
    """Append (or hand to a waiting getter); returns the ``send`` event index."""
    ctx.thread.check_on_cpu()
    cause = ctx.thread.record("send", unit=ctx.unit, obj=q.name, value=value)
    deliver(q, value, cause)
    return cause


def deliver(q: Queue, value, cause: int) -> None:
    """Hand ``(value, cause)`` to a waiting getter, else queue it."""
    if q.getters:
        q.getters.popleft()(cause, (value, cause))
    else:
        q.items.append((value, cause))


def take_item(ctx: Ctx, q: Queue):
    """Pop the oldest item and let one waiting putter retry; returns (value, cause)."""
    value, cause = q.items.popleft()
    if q.putters:
        q.putters.popleft()(cause, None)
    return value, cause


@handler("open")
def op_open(ctx, op):
    """``multiprocessing.Queue()``: create IPC channels where the program does, each a
    pipe, a lock and a semaphore (``ipc_create``); the model's channel exists anyway."""
    yield from ctx.thread.spend(ctx.sim.costs["ipc_create"] * len(op.arg))


#: queue kind -> the kind of code its operations run (see :mod:`.cold`)
_QUEUE_CODE = {"thread": "queue", "ipc": "ipc", "asyncio": "asyncio"}


@handler("put")
def op_put(ctx, op):
    """Put a value on a queue; IPC copies it and costs per message and per KiB."""
    th = ctx.thread
    q = find_queue(ctx, op, op.arg["queue"])
    value = value_of(ctx, op, op.arg["value"])
    yield from run_cold(th, _QUEUE_CODE[q.kind])
    feeder = th.process.feeders.get(q.name) if q.kind == "ipc" else None
    if feeder is not None:                  # multiprocessing.Queue: its feeder thread writes
        yield from feeder.put(ctx, value, op.arg["size"])
        return
    if q.kind == "ipc":
        costs = ctx.sim.costs
        yield from th.spend(costs["ipc_per_message"] + costs["ipc_per_kib"] * op.arg["size"])
        value = copy.deepcopy(value)
    while q.full():
        ev, wake = thread_waiter(th)
        q.putters.append(wake)
        yield from th.block(ev, "send", obj=q.name)
    handoff = bool(q.getters) and q.kind == "thread"
    put_item(ctx, q, value)
    if handoff:
        yield from th.spend(ctx.sim.costs["queue_handoff"])


@handler("get")
def op_get(ctx, op):
    """Take a value from a queue, blocking the thread while it is empty."""
    th = ctx.thread
    name = op.arg if isinstance(op.arg, str) else op.arg["queue"]
    target = "value" if isinstance(op.arg, str) else op.arg["as"]
    q = find_queue(ctx, op, name)
    yield from run_cold(th, _QUEUE_CODE[q.kind])
    if q.items:
        value, cause = take_item(ctx, q)
    else:
        ev, wake = thread_waiter(th)
        q.getters.append(wake)
        value, cause = yield from th.block(ev, "recv", obj=q.name)
    th.record("recv", unit=ctx.unit, obj=q.name, value=value, cause=cause)
    ctx.vars[target] = value


# -- locks and events ---------------------------------------------------------------

@handler("lock")
def op_lock(ctx, op):
    """Acquire a lock; wait (off CPU, GIL released) while another thread holds it."""
    th = ctx.thread
    lock = th.process.locks[op.arg]
    if lock.owner is th:
        raise op.loc.error(f"thread {th.spec.name!r} already holds lock {lock.name!r}: "
                           f"a second acquire would deadlock")
    if lock.owner is None:
        lock.owner = th
        return
    ev, wake = thread_waiter(th)
    lock.waiters.append((th, wake))
    yield from th.block(ev, "lock", obj=lock.name)


@handler("unlock")
def op_unlock(ctx, op):
    """Release a lock; the first waiter gets it."""
    th = ctx.thread
    lock = th.process.locks[op.arg]
    if lock.owner is not th:
        raise op.loc.error(f"thread {th.spec.name!r} releases lock {lock.name!r} it does not "
                           f"hold (RuntimeError: release unlocked lock)")
    lock.owner = None
    if lock.waiters:
        nxt, wake = lock.waiters.popleft()
        lock.owner = nxt
        wake(th.record("send", unit=ctx.unit, peer=nxt.unit, obj=lock.name), None)
    return
    yield


@handler("set")
def op_set(ctx, op):
    """Set an event and wake all its waiters."""
    ev = ctx.thread.process.events[op.arg]
    yield from run_cold(ctx.thread, sync_kind(ctx, "event"))
    ev.flag = True
    if ev.waiters:
        cause = ctx.thread.record("send", unit=ctx.unit, obj=ev.name)
        waiters, ev.waiters = ev.waiters, []
        for wake in waiters:
            wake(cause, None)


@handler("clear")
def op_clear(ctx, op):
    """Clear an event."""
    ctx.thread.process.events[op.arg].flag = False
    return
    yield


@handler("wait")
def op_wait(ctx, op):
    """Wait for an event to be set, or for an asynchronous I/O request to finish."""
    th = ctx.thread
    req = th.requests.get(op.arg)
    if req is not None:
        if not req.done:
            ev, wake = thread_waiter(th)
            req.waiters.append(wake)
            yield from th.block(ev, "io", obj=op.arg)
        th.record("recv", unit=ctx.unit, obj="io", cause=req.cause)
        return
    event = th.process.events[op.arg]
    yield from run_cold(th, sync_kind(ctx, "event"))
    if not event.flag:
        ev, wake = thread_waiter(th)
        event.waiters.append(wake)
        yield from th.block(ev, "event", obj=event.name)


# -- I/O -------------------------------------------------------------------------------

@handler("io")
def op_io(ctx, op):
    """Device I/O in one of three modes: blocking, poll (non-blocking) or async."""
    th = ctx.thread
    spec = op.arg if isinstance(op.arg, dict) else {"time": op.arg, "mode": "blocking"}
    ns, mode = spec["time"], spec["mode"]
    cause = th.record("send", unit=ctx.unit, obj="io", value=ns)
    if mode == "blocking":
        ev = th.env.timeout(ns, value=(cause, None, None))
        yield from th.block(ev, "io", obj="io", value=ns)
    elif mode == "poll":
        ready_at = th.env.now + ns
        while th.env.now < ready_at:           # each poll finds it not ready; work, retry
            th.record("mark", unit=ctx.unit, label="poll: not ready", obj="io")
            yield from th.spend(spec["every"])
    else:
        start_async(ctx, spec, cause)
        return
    th.record("recv", unit=ctx.unit, obj="io", cause=cause)


def start_async(ctx, spec: dict, cause: int) -> None:
    """Issue an asynchronous request; its completion wakes waiters and queues the callback."""
    th = ctx.thread
    req = Request(cause, spec.get("callback"))
    if spec.get("as"):
        th.requests[spec["as"]] = req
    if req.callback:
        th.pending.append(req)

    def complete(_event) -> None:
        req.done = True
        for wake in req.waiters:
            wake(cause, None)
        req.waiters = []
        if req.callback:
            th.due.append(req)

    th.env.timeout(spec["time"]).callbacks.append(complete)


@handler("__callbacks__")
def run_callbacks(th):
    """Run the callbacks of completed async requests on ``th`` (between two operations)."""
    while th.due:
        req = th.due.pop(0)
        th.pending.remove(req)
        ctx = Ctx(th, th.unit, th.spec.name)
        th.record("recv", obj="io", cause=req.cause, label="callback")
        yield from run(ctx, req.callback)


@handler("__drain__")
def drain(th):
    """Before a thread ends: wait for its outstanding async requests and run their callbacks."""
    while th.pending or th.due:
        if th.due:
            yield from run_callbacks(th)
            continue
        req = th.pending[0]
        ev, wake = thread_waiter(th)
        req.waiters.append(wake)
        yield from th.block(ev, "io", obj="io")


# -- threads and processes ----------------------------------------------------------------

@handler("spawn")
def op_spawn(ctx, op):
    """Start declared threads of this process, child processes, or asyncio tasks."""
    th, sim = ctx.thread, ctx.sim
    for name in op.arg:
        if th.loop is not None and name in th.coros:
            yield from th.loop.create_task(ctx, op, th.coros[name])
        elif name in th.process.threads:
            target = th.process.threads[name]
            if target.started:
                raise op.loc.error(f"thread {name!r} was already started "
                                   f"(RuntimeError: threads can only be started once)")
            cost = sim.costs["spawn_thread"] + first_use_cow(th.process, "thread start")
            yield from th.spend(cost)
            # Thread.start() waits until the new thread runs (its "started" event)
            ev, target.on_start = thread_waiter(th)
            sim.start_thread(target, ctx.unit, cost)
            yield from th.block(ev, "wait", obj=f"start {name}")
        else:
            yield from spawn_process(ctx, op, sim.processes[name])


#: what code run for the first time after a fork costs in the copy-on-write faults of
#: the pages it writes: use -> its profile cost, charged once per process per fork
COW_FIRST_USE = {"thread start": "cow_thread_start", "send": "cow_first_send"}


def first_use_cow(proc, use: str) -> int:
    """The copy-on-write extra of ``use`` in ``proc``: its cost the first time after a
    fork ``proc`` took part in, else 0."""
    if use not in proc.cow_pending:
        return 0
    proc.cow_pending.discard(use)
    return proc.sim.costs[COW_FIRST_USE[use]]


def spawn_process(ctx, op, child):
    """Create a child process by fork (copying memory), spawn or forkserver."""
    th, sim = ctx.thread, ctx.sim
    if child.started:
        raise op.loc.error(f"process {child.name!r} was already started")
    how, costs = child.spec.start, sim.costs
    if how == "fork":
        # the parent copies its page tables: fork + per MiB of touched memory, on its CPU
        cost = costs["fork"] + costs["fork_per_mib"] * th.process.spec.memory
        memory = {**copy.deepcopy(child.spec.vars), **copy.deepcopy(th.process.memory)}
        yield from th.spend(cost)
        # the child's first writes to the pages it shares with the parent fault and copy
        child.startup = round(costs["cow_per_mib"] * child.spec.writes)
        th.process.cow_pending = set(COW_FIRST_USE)
        child.cow_pending = set(COW_FIRST_USE)
        child.last_run = dict(th.process.last_run)      # the caches hold what the parent ran
        sim.start_process(child, ctx.unit, cost, how, memory)
    else:
        # a fresh interpreter starts up in the child, on the child's CPU
        cost = costs["spawn_process" if how == "spawn" else "forkserver_process"]
        sim.start_process(child, ctx.unit, cost, how, copy.deepcopy(child.spec.vars))


@handler("join")
def op_join(ctx, op):
    """Wait for threads of this process or child processes to finish."""
    th = ctx.thread
    for name in op.arg:
        target = th.process.threads.get(name) or ctx.sim.processes[name]
        if not target.done:
            ev, wake = thread_waiter(th)
            target.joiners.append(ev)
            yield from th.block(ev, "join", obj=name)


@handler("kill")
def op_kill(ctx, op):
    """Terminate child processes: every thread of theirs stops where it is."""
    th = ctx.thread
    for name in op.arg:
        child = ctx.sim.processes[name]
        cause = th.record("send", unit=ctx.unit, obj="SIGTERM", peer=child.unit)
        for victim in child.threads.values():
            if victim.started and not victim.done and victim.proc is not None:
                victim.kill_cause = cause
                victim.proc.interrupt("kill")
    return
    yield


def is_kill(exc: BaseException) -> bool:
    """True for the interrupt :func:`op_kill` sends."""
    return isinstance(exc, simpy.Interrupt) and exc.cause == "kill"
