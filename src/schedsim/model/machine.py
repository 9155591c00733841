"""The machine: N CPUs and the OS scheduler that hands them to threads.

Invariants (checked, raising :class:`ModelInvariantError` when broken):
a CPU runs at most one thread; a thread is on at most one CPU; a thread in
the ready queue is on no CPU.
"""

from __future__ import annotations

from .policies import POLICIES


class ModelInvariantError(AssertionError):
    """The simulator broke one of its own invariants (a bug, not bad input)."""


class CPU:
    """One CPU: the thread on it now, the one that ran on it last, and how long
    it had been idle when its current thread got it."""

    __slots__ = ("index", "current", "last", "idle_since", "idled", "from_idle")

    def __init__(self, index: int) -> None:
        self.index = index
        self.current = None
        self.last = None
        # invariant: idle_since is None exactly while current is not None
        self.idle_since: int | None = 0
        self.idled = 0   # ns idle before ``current`` was assigned (0: handed over busy)
        self.from_idle = False  # ``current`` got this CPU while it idled (not handed over)


class Scheduler:
    """Ready queue (owned by the policy) plus CPU assignment."""

    def __init__(self, machine, clock=lambda: 0) -> None:
        self.machine = machine
        self.clock = clock  # () -> now, ns: when a CPU went idle
        self.cpus = [CPU(i) for i in range(machine.cpus)]
        self.policy = POLICIES[machine.policy](machine)
        self._idle = list(range(machine.cpus))  # idle CPU indices, kept sorted

    def runnable(self, th) -> int | None:
        """``th`` wants a CPU: returns the CPU it got at once, or None (queued)."""
        if th.cpu is not None:
            raise ModelInvariantError(f"{th.name} asked for a CPU while on CPU {th.cpu}")
        if self._idle:
            index = self._place(th)
            self._idle.remove(index)
            self._assign(th, index)
            return index
        self.policy.push(th)
        if self.policy.preemptive:
            self._maybe_preempt(th)
        return None

    def _place(self, th) -> int:
        """The idle CPU a runnable ``th`` takes: its last CPU, else the lowest.

        A thread woken by another unit does not take a CPU freed this very
        instant while another CPU was already idle: that CPU is its waker's,
        which in a real run was still running when it woke ``th`` (the waker
        blocks a few µs later), so the OS puts ``th`` on an idle CPU, its own
        previous one if it can.  ``perf sched`` on a ``multiprocessing.Queue``
        ping-pong shows every wake-up going to the other CPU.
        """
        idle = self._idle
        if th.woken_by == "unit":
            now = self.clock()
            settled = [i for i in idle if self.cpus[i].idle_since < now]
            if settled:
                return th.last_cpu if th.last_cpu in settled else settled[0]
        return th.last_cpu if th.last_cpu in idle else idle[0]

    def _maybe_preempt(self, th) -> None:
        """Preempt the worst running thread that ``th`` beats (among equals, one that
        is running now rather than still switching in)."""
        beats, victim = self.policy.beats, None
        for cpu in self.cpus:
            cur = cpu.current
            if cur is None or cur.preempt_pending or not beats(th, cur):
                continue
            if victim is None or beats(victim, cur) or (
                    cur.spending and not victim.spending and not beats(cur, victim)):
                victim = cur
        if victim is not None:
            victim.request_preempt()

    def _assign(self, th, index: int) -> None:
        cpu = self.cpus[index]
        if cpu.current is not None:
            raise ModelInvariantError(f"CPU {index} given to {th.name} while running "
                                      f"{cpu.current.name}")
        cpu.current = th
        cpu.idled = self.clock() - cpu.idle_since
        cpu.from_idle = True
        cpu.idle_since = None
        th.cpu = index

    def release(self, th) -> None:
        """``th`` leaves its CPU (blocks, exits or is preempted); the next runs."""
        index = th.cpu
        cpu = self.cpus[index]
        if cpu.current is not th:
            raise ModelInvariantError(f"{th.name} released CPU {index} it was not on")
        cpu.current = None
        th.cpu = None
        cpu.last = th
        th.last_cpu = index
        nxt = self.policy.pop()
        while nxt is not None and nxt.killed:
            nxt = self.policy.pop()
        if nxt is None:
            cpu.idle_since = self.clock()
            self._idle.append(index)
            self._idle.sort()
            return
        cpu.current = nxt
        cpu.idled = 0
        cpu.from_idle = False
        nxt.cpu = index
        nxt.dispatched(index)

    def waiting(self) -> int:
        """How many threads wait for a CPU."""
        return len(self.policy)
