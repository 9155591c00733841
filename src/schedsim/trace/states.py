"""What each unit was doing when: state intervals derived from events.

Renderers, the Perfetto export and the comparator's metrics all read a
trace through these intervals, so they agree on what "running" means.

    spawn ─► runnable ─run─► running ─stop(preempt)─► runnable
                               │  └─stop(yield)──► suspended (coroutine) / runnable
                               └─stop(block) / block ─► blocked ─wake─► runnable
    switch(cost) paints [t, t+cost) as "switching" on the incoming unit;
    block(reason=gil) is "gil_wait" rather than "blocked".
"""

from __future__ import annotations

from typing import NamedTuple

from .store import Trace

#: the fixed set of drawable states, in legend order
STATES = ("running", "runnable", "blocked", "gil_wait", "switching", "suspended")


class Interval(NamedTuple):
    """``unit`` was in ``state`` during [start, end); ``reason`` says why, if known."""

    unit: int
    state: str
    start: int
    end: int
    reason: str | None = None
    cpu: int | None = None


def _after_stop(kind: str, reason: str | None) -> str | None:
    if reason == "preempt":
        return "runnable"
    if reason == "yield":
        return "suspended" if kind == "coroutine" else "runnable"
    if reason == "block":
        return "blocked"
    return None


def unit_states(trace: Trace, end: int | None = None) -> list[Interval]:
    """Every unit's state intervals, ordered by start time.

    Open intervals are closed at ``end`` (default: the trace's last event).
    Zero-length intervals are dropped.
    """
    end = trace.duration if end is None else end
    current: dict[int, tuple[str, int, str | None, int | None]] = {}
    out: list[Interval] = []

    def enter(unit: int, state: str | None, t: int, reason=None, cpu=None) -> None:
        prev = current.pop(unit, None)
        if prev is not None and t > prev[1]:
            out.append(Interval(unit, prev[0], prev[1], t, prev[2], prev[3]))
        if state is not None:
            current[unit] = (state, t, reason, cpu)

    kinds = [u.kind for u in trace.units]
    for ev in trace:
        k, u = ev.kind, ev.unit
        if k == "spawn":
            enter(u, None if kinds[u] == "coroutine" else "runnable", ev.t)
        elif k == "run":
            enter(u, "running", ev.t, None, ev.cpu)
        elif k == "stop":
            enter(u, _after_stop(kinds[u], ev.reason), ev.t, ev.reason)
        elif k == "block":
            enter(u, "gil_wait" if ev.reason == "gil" else "blocked", ev.t, ev.reason or ev.obj)
        elif k == "wake":
            enter(u, "runnable", ev.t)
        elif k == "switch" and ev.cost:
            enter(u, "switching", ev.t, ev.level, ev.cpu)
        elif k == "exit":
            enter(u, None, ev.t)
    for unit, (state, start, reason, cpu) in current.items():
        if end > start:
            out.append(Interval(unit, state, start, end, reason, cpu))
    out.sort(key=lambda iv: (iv.start, iv.unit))
    return out


def cpu_states(trace: Trace) -> dict[int, list[Interval]]:
    """Per CPU, the running and switching intervals of the units on it."""
    per_cpu: dict[int, list[Interval]] = {}
    for iv in unit_states(trace):
        if iv.cpu is not None and iv.state in ("running", "switching"):
            per_cpu.setdefault(iv.cpu, []).append(iv)
    return per_cpu


class Link(NamedTuple):
    """A cause→effect pair of event indices (send→recv, release→wake, ...)."""

    src: int
    dst: int


def links(trace: Trace) -> list[Link]:
    """Every event that names a ``cause``, as a link from cause to effect."""
    causes = trace.causes()
    return [Link(c, i) for i, c in enumerate(causes) if c >= 0]
