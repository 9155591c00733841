"""The global interpreter lock of a process (CPython's "new GIL").

One thread of the process holds it while running Python code.  A thread
that wants it and finds it taken waits (``block`` reason ``gil``, off CPU);
if it has waited a whole switch interval, the holder is asked to drop it at
its next check and hands it to the first waiter, then queues for it again.
Blocking calls release it.  Hand-offs are recorded as ``send`` events with
``obj: "GIL"`` so each wake-up names its cause.
"""

from __future__ import annotations

from collections import deque


class GIL:
    """The GIL of one process."""

    def __init__(self, sim, process) -> None:
        self.sim = sim
        self.env = sim.env
        self.process = process
        self.holder = None
        self.waiters: deque = deque()
        self.interval = sim.costs["gil_switch_interval"]
        self._epoch = 0

    def acquire(self, th):
        """Take the GIL, waiting (off CPU) while another thread holds it."""
        if self.holder is None:
            self._grant(th)
            return
        ev = self.env.event()
        self.waiters.append((th, ev))
        if len(self.waiters) == 1:
            self._arm()
        yield from th.block(ev, "gil", obj="GIL")

    def _grant(self, th) -> None:
        self.holder = th
        th.gil_held = True
        self._epoch += 1

    def _arm(self) -> None:
        """Start the switch-interval timer for the current holder."""
        epoch, holder = self._epoch, self.holder

        def expire(_event) -> None:
            if self._epoch == epoch and self.holder is holder and self.waiters:
                holder.request_gil_drop()

        self.env.timeout(self.interval).callbacks.append(expire)

    def release(self, th) -> None:
        """``th`` lets go; the first waiter (if any) gets the GIL."""
        if self.holder is not th:
            return
        th.gil_held = False
        th.gil_drop = False
        self.holder = None
        if not self.waiters:
            return
        nxt, ev = self.waiters.popleft()
        cause = th.record("send", unit=th.current_unit, peer=nxt.unit, obj="GIL")
        self._grant(nxt)
        ev.succeed((cause, None, None))
        if self.waiters:
            self._arm()

    def abandon(self, th) -> None:
        """``th`` dies with its process: the GIL goes to nobody (its waiters die too)."""
        if self.holder is th:
            self.holder = None
            self._epoch += 1
        th.gil_held = False

    def forced_drop(self, th):
        """The switch interval expired with waiters: hand over, then wait again."""
        if self.holder is th and self.waiters:
            self.release(th)
            yield from self.acquire(th)
