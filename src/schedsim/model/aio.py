"""asyncio-like event loops and periodic (deadline) threads.

An event loop runs on one thread: a FIFO ready queue of tasks; each step
runs a task until it ``await``s something not ready (the task records
``stop`` reason ``yield``) or ends.  With nothing ready the thread blocks
(reason ``wait``) until a timer, a queue or an event makes a task ready.
A blocking call inside a task (``sleep``, ``io``, a thread ``get``) blocks
the whole thread and so every task on it.
"""

from __future__ import annotations

from collections import deque

from .coro import DONE, Await, drive
from .interp import Ctx, finish_coroutine, handler, run, value_of
from .cold import cold_extra, run_cold
from .sync import find_queue, put_item, take_item, thread_waiter


class Loop:
    """The event loop of one thread."""

    def __init__(self, th) -> None:
        self.th = th
        self.ready: deque = deque()
        self.wakeup = None      # the waker of the blocked loop, while it is blocked
        self.last = th.unit     # the unit that ran last on this loop

    def ready_task(self, task, payload=None, cause=None) -> None:
        """Make ``task`` runnable on this loop (from a timer, a queue, another task...)."""
        self.ready.append((task, payload, cause))
        if self.wakeup is not None:
            wake, self.wakeup = self.wakeup, None
            wake(cause, None)

    def create_task(self, ctx, op, task):
        """``asyncio.create_task``: costs ``spawn_task``; the task runs when the loop gets to it."""
        th = self.th
        if task.started:
            raise op.loc.error(f"task {task.name!r} was already created")
        cost = th.sim.costs["spawn_task"]
        yield from th.spend(cost)
        cause = th.record("spawn", unit=task.unit, peer=ctx.unit, cost=cost)
        task.started = True
        task.gen = run(Ctx(th, task.unit, task.name, task), task.spec.program)
        self.ready_task(task, None, cause)

    def run_until(self, main):
        """Run tasks until ``main`` is done (``asyncio.run``)."""
        th = self.th
        while not main.done:
            if not self.ready:
                ev, wake = thread_waiter(th)
                self.wakeup = wake
                yield from th.block(ev, "wait", obj="event loop")
                continue
            task, payload, cause = self.ready.popleft()
            yield from self.step(task, payload, cause)

    def step(self, task, payload, cause):
        """Run ``task`` until its next await that is not ready, or its end."""
        th, costs = self.th, self.th.sim.costs
        cost = (costs["task_switch"] + cold_extra(th, "task")          # (tracer's: 0 unless
                + costs["trace_step"] + cold_extra(th, "trace_step"))  # a model as_traced)
        th.record("switch", unit=task.unit, peer=self.last, level="coroutine", cost=cost,
                  cpu=th.cpu)
        th.stack.append(task.unit)
        yield from th.spend(cost)
        th.record("run", unit=task.unit, cause=cause, cpu=th.cpu)
        self.last = task.unit
        task.running = True
        result = yield from drive(task.gen, payload)
        task.running = False
        th.stack.pop()
        if result is DONE:
            finish_coroutine(th, task)
            for wake in task.waiters:
                wake(task.exit_index, None)
            task.waiters = []
        elif isinstance(result, Await):
            th.record("stop", unit=task.unit, reason="yield")
            result.target(lambda c, p: self.ready_task(task, p, c))
        else:
            raise task.spec.loc.error(f"task {task.name!r} used recv (x = yield); "
                                      f"asyncio tasks use await")


@handler("__asyncio__")
def asyncio_main(th):
    """``asyncio.run(main())`` on ``th``: the coroutine named ``main`` is the main task."""
    th.loop = Loop(th)
    main = th.coros["main"]
    yield from th.loop.create_task(Ctx(th, th.unit, th.spec.name), main.spec, main)
    yield from th.loop.run_until(main)


def _timer(th, ns: int, overshoot: bool = True):
    """A registration that readies the task after ``ns`` (plus the asyncio timer
    overshoot the profile gives, as the loop sleeps in its selector); 0 readies it
    at once."""
    def register(wake) -> None:
        if ns == 0:
            wake(None, None)
            return
        extra = th.sim.profile.asyncio_overshoot(ns) if overshoot else 0
        th.env.timeout(ns + extra).callbacks.append(lambda _e: wake(None, None))
    return register


@handler("await")
def op_await(ctx, op):
    """Suspend the task (not the thread) until the awaited thing is ready."""
    th, inner = ctx.thread, op.arg
    if th.loop is None or ctx.coro is None:
        raise op.loc.error("await only works inside an asyncio task "
                           "(a thread with asyncio: true)")
    what = inner.name
    if what == "sleep":
        yield Await("sleep", _timer(th, inner.arg))
    elif what == "io":
        ns = inner.arg if isinstance(inner.arg, int) else inner.arg["time"]
        cause = th.record("send", unit=ctx.unit, obj="io", value=ns)
        yield Await("io", _timer(th, ns, overshoot=False))
        th.record("recv", unit=ctx.unit, obj="io", cause=cause)
    elif what == "get":
        yield from _await_get(ctx, op, inner)
    elif what == "put":
        q = find_queue(ctx, op, inner.arg["queue"])
        value = value_of(ctx, inner, inner.arg["value"])
        yield from run_cold(th, "asyncio")
        while q.full():
            yield Await("put", q.putters.append)
        put_item(ctx, q, value)
    elif what == "wait":
        event = th.process.events[inner.arg]
        yield from run_cold(th, "asyncio")
        if not event.flag:
            yield Await("wait", event.waiters.append)
    elif what == "join":
        for name in inner.arg:
            task = th.coros[name]
            if not task.done:
                yield Await("join", task.waiters.append)


def _await_get(ctx, op, inner):
    arg = inner.arg
    q = find_queue(ctx, op, arg if isinstance(arg, str) else arg["queue"])
    target = "value" if isinstance(arg, str) else arg["as"]
    yield from run_cold(ctx.thread, "asyncio")
    if q.items:
        value, cause = take_item(ctx, q)
    else:
        value, cause = yield Await("get", q.getters.append)
    ctx.thread.record("recv", unit=ctx.unit, obj=q.name, value=value, cause=cause)
    ctx.vars[target] = value


@handler("__periodic__")
def periodic(th):
    """A periodic real-time thread: one job (its program) per period, each with
    an absolute deadline; a job that ends late records a ``mark`` "deadline miss"."""
    spec, env = th.spec, th.env
    t0 = th.t0                       # releases count from the thread's start
    deadline = spec.deadline or spec.period
    ctx = Ctx(th, th.unit, spec.name)
    for job in range(spec.jobs or 1):
        release = t0 + job * spec.period
        th.abs_deadline = release + deadline
        if env.now < release:
            ev = env.timeout(release - env.now, value=(None, None, None))
            yield from th.block(ev, "sleep", obj="period", value=release - env.now)
        ctx.vars["job"] = job + 1
        yield from run(ctx, spec.program)
        if env.now > th.abs_deadline:
            th.record("mark", label="deadline miss", value=env.now - th.abs_deadline)
