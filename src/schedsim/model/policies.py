"""Scheduling policies: each one owns its ready queue (deque or heap).

SimPy's ``PriorityResource`` re-sorts on every request and collapses with
thousands of waiters, so the model keeps its own queues.  A policy answers
four questions: who runs next (:meth:`pop`), how long a slice is
(:meth:`slice`), whether a newly runnable thread should preempt a running one
(:meth:`beats`), and what running for a while costs the thread
(:meth:`charge`, the virtual runtime of ``fair``).  Ties are broken by an
insertion counter, so the order is deterministic.
"""

from __future__ import annotations

import heapq
from collections import deque
from itertools import count


class Policy:
    """Base: FIFO order, no slices, no preemption."""

    name = "fifo"
    preemptive = False
    charges = False     # True when charge() does something (saves a call per slice)

    def __init__(self, machine) -> None:
        self.machine = machine
        self._queue: deque = deque()

    def push(self, th) -> None:
        """``th`` became runnable and waits for a CPU."""
        self._queue.append(th)

    def pop(self):
        """The next thread to run, or None."""
        return self._queue.popleft() if self._queue else None

    def __len__(self) -> int:
        return len(self._queue)

    def slice(self, th) -> int | None:
        """The time ``th`` may run before the policy reconsiders (None: until it blocks)."""
        return None

    def charge(self, th, ns: int) -> None:
        """``th`` ran for ``ns``."""

    def beats(self, a, b) -> bool:
        """Should runnable ``a`` preempt running ``b``?"""
        return False


class FIFO(Policy):
    """Run until block (SCHED_FIFO without priorities)."""


class RoundRobin(Policy):
    """FIFO order with a fixed quantum; an expired thread goes to the back."""

    name = "rr"

    def slice(self, th) -> int | None:
        return self.machine.quantum


class _HeapPolicy(Policy):
    """A policy whose ready queue is a heap keyed by :meth:`key`."""

    preemptive = True

    def __init__(self, machine) -> None:
        super().__init__(machine)
        self._heap: list = []
        self._seq = count()

    def key(self, th):
        """Smaller runs first."""
        raise NotImplementedError

    def push(self, th) -> None:
        heapq.heappush(self._heap, (self.key(th), next(self._seq), th))

    def pop(self):
        return heapq.heappop(self._heap)[2] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def beats(self, a, b) -> bool:
        return self.key(a) < self.key(b)


class Priority(_HeapPolicy):
    """Static priorities, preemptive: a larger ``priority`` always runs first;
    equal priorities run in FIFO order."""

    name = "priority"

    def key(self, th):
        return -th.spec.priority


def nice_weight(nice: int) -> int:
    """Linux's CFS weight for a nice value (1024 at nice 0, ×1.25 per step)."""
    return max(1, round(1024 / (1.25 ** nice)))


class Fair(_HeapPolicy):
    """CFS-like: the runnable thread with the least virtual runtime runs; a
    slice is the latency shared by weight, at least the minimum granularity;
    virtual runtime grows by ``ran × 1024 / weight``."""

    name = "fair"
    charges = True

    def __init__(self, machine) -> None:
        super().__init__(machine)
        self.min_vruntime = 0
        self._weights = 0

    def key(self, th):
        return th.vruntime

    def push(self, th) -> None:
        # a thread that slept does not bank credit: place it near the pack
        th.vruntime = max(th.vruntime, self.min_vruntime - self.machine.latency // 2)
        self._weights += th.weight
        super().push(th)

    def pop(self):
        th = super().pop()
        if th is not None:
            self._weights -= th.weight
            self.min_vruntime = max(self.min_vruntime, th.vruntime)
        return th

    def slice(self, th) -> int | None:
        total = self._weights + th.weight
        return max(self.machine.min_granularity, self.machine.latency * th.weight // total)

    def charge(self, th, ns: int) -> None:
        th.vruntime += ns * 1024 // th.weight

    def beats(self, a, b) -> bool:
        return a.vruntime + self.machine.min_granularity < b.vruntime


class EDF(_HeapPolicy):
    """Earliest deadline first (like SCHED_DEADLINE): the job whose absolute
    deadline is nearest runs; threads without a deadline run after all
    deadline jobs."""

    name = "edf"

    def key(self, th):
        return th.abs_deadline if th.abs_deadline is not None else float("inf")


POLICIES = {cls.name: cls for cls in (FIFO, RoundRobin, Priority, Fair, EDF)}
