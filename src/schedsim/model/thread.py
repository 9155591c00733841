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

    __slots__ = ("sim", "env", "process", "spec", "name", "unit", "cpu", "last_cpu", "stack",
                 "spending", "preempt_pending", "slice_left", "gil_held", "gil_drop",
                 "weight", "vruntime", "abs_deadline", "done", "exit_index", "joiners",
                 "dispatch_ev", "proc", "loop", "coros", "requests", "pending", "due",
                 "started", "killed", "kill_cause", "t0", "on_start", "last_run",
                 "woken_by", "feeder", "blocked_for")

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
        self.t0 = 0                          # when the thread was started
        self.on_start = None                 # waiter of the thread that started this one
        self.last_run: int | None = None     # index of this thread's latest run event
        self.woken_by = "start"              # its last wake-up: "unit", "timer", "device" or "start"
        self.feeder = None                   # the Feeder whose thread this is, if any
        self.blocked_for = 0                 # ns blocked before the latest wake-up; 0 once
                                             # the switch that follows it has been charged

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
            ev = self.dispatch_ev = self.env.event()
            index = yield ev                  # switched in by the scheduler: see dispatched()
            self.dispatch_ev = None
            self._running(index)
            if self.preempt_pending or (self.process.gil is not None and not self.gil_held):
                yield from self._settle()
        else:
            yield from self._switch_self(index)

    def _switch_self(self, index: int):
        """Switch onto the idle CPU ``index`` this thread was just given."""
        cost = self._record_switch(index)
        if cost:
            self.spending = True          # a preemption may cut the switch short
            try:
                yield self.env.timeout(cost)
            except simpy.Interrupt as exc:
                if exc.cause == "kill":
                    raise
            self.spending = False
        self._running(index)
        if self.preempt_pending or (self.process.gil is not None and not self.gil_held):
            yield from self._settle()

    def _settle(self):
        """Just switched in: yield to a better thread that came meanwhile, take the GIL."""
        if self.preempt_pending:
            yield from self._yield_if_asked()
        if self.process.gil is not None and not self.gil_held:
            yield from self.process.gil.acquire(self)

    def dispatched(self, index: int) -> None:
        """Called by the scheduler: this queued thread now owns CPU ``index``.

        The switch is recorded now; the thread resumes once its cost has passed
        (one SimPy wake-up instead of two: the hot path of every time slice).
        """
        cost = self._record_switch(index)
        ev = self.dispatch_ev
        if cost:
            def switched(_timer) -> None:
                if not ev.triggered:       # not cut short by a preemption
                    ev.succeed(index)
            self.env.timeout(cost).callbacks.append(switched)
        else:
            ev.succeed(index)

    def _record_switch(self, index: int) -> int:
        """Record the switch onto CPU ``index`` (if any); returns its cost."""
        prev = self.sim.sched.cpus[index].last
        cost, level, migrate = self.sim.switch_cost(prev, self, index)
        self.blocked_for = 0
        if level is not None:
            self.sim.rec(self.env.now, self.unit, "switch",
                         peer=prev.unit if prev is not None else None, level=level, cost=cost,
                         cpu=index, reason="migrate" if migrate else None)
        return cost

    def _running(self, index: int) -> None:
        now, rec = self.env.now, self.sim.rec
        self.last_run = rec(now, self.unit, "run", cpu=index)
        for unit in self.stack:
            rec(now, unit, "run", cpu=index)
        self.slice_left = self.sim.sched.policy.slice(self)

    def _leave(self, reason: str) -> None:
        for unit in reversed(self.stack):
            self.record("stop", unit=unit, reason=reason)
        self.preempt_pending = False
        self.sim.sched.release(self)

    def preempt(self):
        """Give the CPU to the next ready thread and queue up again."""
        self._stop_preempted()
        yield from self.get_cpu()

    def _stop_preempted(self) -> None:
        self.sim.rec(self.env.now, self.unit, "stop", reason="preempt", cpu=self.cpu)
        if self.stack:
            self._leave("preempt")
        else:
            self.preempt_pending = False
            self.sim.sched.release(self)

    def request_preempt(self) -> None:
        """Called by the scheduler: a better thread became runnable."""
        self.preempt_pending = True
        if self.spending:
            self.spending = False               # one interrupt is enough
            self.proc.interrupt("preempt")
        elif self.dispatch_ev is not None and not self.dispatch_ev.triggered:
            self.dispatch_ev.succeed(self.cpu)   # switching in: cut the switch short

    def request_gil_drop(self) -> None:
        """Called by the GIL: a waiter has waited a whole switch interval."""
        self.gil_drop = True
        if self.spending:
            self.spending = False
            self.proc.interrupt("gil")

    def block(self, event, reason: str, obj: str | None = None, value=None):
        """Leave the CPU (releasing the GIL) until ``event`` fires; returns its payload.

        The event's value is ``(cause, payload, cost)``: ``cause`` is the index
        of the event that woke this thread and ``cost`` any extra delay (a
        sleep's overshoot), both recorded on ``wake``.
        """
        if self.gil_held:
            self.process.gil.release(self)
        self.record("block", reason=reason, obj=obj, value=value)
        self._leave("block")
        since = self.env.now
        cause, payload, cost = yield event
        self.blocked_for = self.env.now - since
        self.woken_by = ("device" if reason == "io" else "timer" if reason == "sleep" or cause is None
                         else "unit")   # (an I/O completion names its request as cause)
        self.record("wake", cause=cause, cost=cost)
        yield from self.get_cpu()
        return payload

    # -- using the CPU ---------------------------------------------------------------
    def spend(self, ns: int):
        """Run on the CPU for ``ns`` of CPU time, however it is sliced.

        An expired quantum is dealt with when more CPU time is wanted, so work
        that ends exactly with its quantum does not cost an extra dispatch.
        """
        env, policy = self.env, self.sim.sched.policy
        charge = policy.charge if policy.charges else None
        while True:
            if self.preempt_pending or self.gil_drop:
                yield from self._yield_if_asked()
                continue
            if ns <= 0:
                return
            left = self.slice_left
            if left is not None and left <= 0:
                if not len(policy):
                    left = self.slice_left = policy.slice(self)
                else:
                    # the quantum ran out and others wait: back to the ready queue
                    # (get_cpu inlined: this is the hot path of every time slice)
                    self._stop_preempted()
                    index = self.sim.sched.runnable(self)
                    if index is None:
                        ev = self.dispatch_ev = env.event()
                        index = yield ev
                        self.dispatch_ev = None
                        self._running(index)
                        if self.preempt_pending or (self.process.gil is not None
                                                    and not self.gil_held):
                            yield from self._settle()
                    else:                       # rare: a CPU was idle after all
                        yield from self._switch_self(index)
                    continue
            step = ns if left is None or ns < left else left
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
            if charge is not None:
                charge(self, ran)
            if left is not None:
                self.slice_left = left - ran

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
        """Raise when this thread acts without holding a CPU (a model bug, not bad input)."""
        if self.cpu is None:
            raise ModelInvariantError(f"{self.name} acted while off CPU at t={self.env.now}")
