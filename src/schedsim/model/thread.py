"""A simulated thread: a SimPy process that runs its program on a CPU.

All CPU time a thread uses — its own work and every switch cost — passes
through :meth:`Thread.spend`, the one place where quanta expire, preemption
lands and the GIL is handed over.  Leaving the CPU goes through
:meth:`Thread.block` (wait for an event) or :meth:`Thread.preempt` (back to
the ready queue).
"""

from __future__ import annotations

import simpy

from .machine import ModelInvariantError
from .policies import nice_weight


class Thread:
    """The runtime state of one thread."""

    def __init__(self, sim, process, spec, unit: int) -> None:
        self.sim = sim
        self.env = sim.env
        self.process = process
        self.spec = spec
        self.name = f"{process.name}/{spec.name}"
        self.unit = unit
        self.cpu: int | None = None
        self.last_cpu: int | None = None
        self.stack: list[int] = []          # coroutine units running on this thread, outermost first
        self.spending = False               # inside spend()'s timeout (interruptible)
        self.preempt_pending = False
        self.slice_left: int | None = None
        self.gil_held = False
        self.gil_drop = False               # another thread waited a switch interval for the GIL
        self.weight = nice_weight(spec.nice)
        self.vruntime = 0
        self.abs_deadline: int | None = None
        self.done = False
        self.exit_index: int | None = None
        self.joiners: list = []
        self.dispatch_ev = None
        self.proc = None
        self.loop = None                     # the asyncio event loop, when the thread runs one
        self.coros: dict = {}                # name -> Coro (generators and tasks)
        self.requests: dict = {}             # async io requests by name
        self.pending: list = []              # async io requests with a callback, not yet run
        self.due: list = []                  # completed requests whose callback must run
        self.started = False
        self.killed = False
        self.kill_cause: int | None = None
        self.on_start = None                 # waiter of the thread that started this one
        self.last_run: int | None = None     # index of this thread's latest run event

    # -- recording ----------------------------------------------------------------
    @property
    def current_unit(self) -> int:
        """The innermost running unit: a coroutine on this thread, else the thread."""
        return self.stack[-1] if self.stack else self.unit

    def record(self, kind: str, unit: int | None = None, **fields) -> int:
        """Record an event now, for ``unit`` (default: this thread)."""
        return self.sim.rec(self.env.now, self.unit if unit is None else unit, kind, **fields)

    # -- getting and leaving a CPU ------------------------------------------------
    def get_cpu(self):
        """Wait until the scheduler gives this thread a CPU, then switch in."""
        index = self.sim.sched.runnable(self)
        if index is None:
            self.dispatch_ev = self.env.event()
            index = yield self.dispatch_ev
            self.dispatch_ev = None
        yield from self._switch_in(index)
        if self.process.gil is not None and not self.gil_held:
            yield from self.process.gil.acquire(self)

    def dispatched(self, index: int) -> None:
        """Called by the scheduler: this queued thread now owns CPU ``index``."""
        self.dispatch_ev.succeed(index)

    def _switch_in(self, index: int):
        prev = self.sim.sched.cpus[index].last
        cost, level, migrate = self.sim.switch_cost(prev, self, index)
        if level is not None:
            self.record("switch", peer=prev.unit if prev is not None else None, level=level,
                        cost=cost, cpu=index,
                        reason="migrate" if migrate else None)
            if cost:
                yield self.env.timeout(cost)
        self.last_run = self.record("run", cpu=index)
        for unit in self.stack:
            self.record("run", unit=unit, cpu=index)
        self.slice_left = self.sim.sched.policy.slice(self)

    def _leave(self, reason: str) -> None:
        for unit in reversed(self.stack):
            self.record("stop", unit=unit, reason=reason)
        self.preempt_pending = False
        self.sim.sched.release(self)

    def preempt(self):
        """Give the CPU to the next ready thread and queue up again."""
        self.record("stop", reason="preempt", cpu=self.cpu)
        self._leave("preempt")
        yield from self.get_cpu()

    def request_preempt(self) -> None:
        """Called by the scheduler: a better thread became runnable."""
        self.preempt_pending = True
        if self.spending:
            self.proc.interrupt("preempt")

    def request_gil_drop(self) -> None:
        """Called by the GIL: a waiter has waited a whole switch interval."""
        self.gil_drop = True
        if self.spending:
            self.proc.interrupt("gil")

    def block(self, event, reason: str, obj: str | None = None, value=None,
              keep_gil: bool = False):
        """Leave the CPU until ``event`` fires; returns the event's payload.

        The event's value is ``(cause, payload)``: ``cause`` is the index of
        the event that woke this thread (recorded on ``wake``).
        """
        self.record("block", reason=reason, obj=obj, value=value)
        if self.gil_held and not keep_gil:
            self.process.gil.release(self)
        self._leave("block")
        cause, payload, cost = yield event
        self.record("wake", cause=cause, cost=cost)
        yield from self.get_cpu()
        return payload

    # -- using the CPU ---------------------------------------------------------------
    def spend(self, ns: int):
        """Run on the CPU for ``ns`` of CPU time, however it is sliced."""
        env, policy = self.env, self.sim.sched.policy
        while True:
            if self.preempt_pending or self.gil_drop:
                yield from self._yield_if_asked()
                continue
            if ns <= 0:
                return
            step = ns if self.slice_left is None else min(ns, self.slice_left)
            start = env.now
            self.spending = True
            try:
                yield env.timeout(step)
            except simpy.Interrupt as exc:
                if exc.cause == "kill":
                    raise
            self.spending = False
            ran = env.now - start
            ns -= ran
            policy.charge(self, ran)
            if self.slice_left is not None:
                self.slice_left -= ran
                if self.slice_left <= 0:
                    if self.sim.sched.waiting():
                        yield from self.preempt()
                    else:
                        self.slice_left = policy.slice(self)

    def _yield_if_asked(self):
        if self.gil_drop:
            self.gil_drop = False
            yield from self.process.gil.forced_drop(self)
        if self.preempt_pending:
            if self.sim.sched.waiting():
                yield from self.preempt()
            else:
                self.preempt_pending = False

    def check_on_cpu(self) -> None:
        """Raise when this thread acts without holding a CPU (a model bug)."""
        if self.cpu is None:
            raise ModelInvariantError(f"{self.name} acted while off CPU at t={self.env.now}")
