"""Timing: each trace's clock in model time, per-event error, makespan.

Each trace's ``t`` counts from its own start.  A real run made with
``--time-scale s`` slept ``s`` times as long as the program asked and did
everything else at full speed, so turning its clock back into model time
has two readings (``timebase``):

* ``"sleeps"`` (the default): stretch only the time the run spent in scaled
  sleeps, by ``1/s``: the union, over all ``block`` {reason: sleep} events, of
  ``[block, block + min(value, wake - block))`` (``value`` is the duration
  the run asked the OS for; without it the whole block→wake interval).  Work,
  tracer overhead and timer overshoot keep their real length, which is what
  the same run without scaling would have shown.  Sleeps overlapping in
  several threads stretch once.
* ``"scale"``: divide every time by ``s`` (simple; it also inflates work and
  overshoot ``1/s`` times).  Also used when a scaled trace records no sleep:
  then the scale is all there is to go by.

A trace with time scale 1 (every simulation) is its own model time.
``align="first"`` also shifts both traces so that their first matched line
is at 0 (useful when start-up differs).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from ..trace import Trace
from .align import Match

ALIGNS = ("start", "first")
TIMEBASES = ("sleeps", "scale")


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` with linear interpolation (numpy's default)."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class Clock:
    """A piecewise-linear map from a trace's raw ns to model ns, minus ``offset``.

    Segment ``k`` starts at raw time ``raw[k]`` (model time ``model_at[k]``)
    and runs at ``slope[k]`` model ns per raw ns.  ``unit`` is the model
    length of one raw ns outside stretched sleeps (``1/s`` for the ``scale``
    timebase, else 1): what an allowance given in real ns is worth.
    """

    raw: tuple[float, ...] = (0.0,)
    model_at: tuple[float, ...] = (0.0,)
    slope: tuple[float, ...] = (1.0,)
    offset: float = 0.0
    unit: float = 1.0
    basis: str = "model"  # "model" (scale 1), "sleeps" or "scale"

    def model(self, t: float) -> float:
        """Model time of raw time ``t``."""
        k = max(0, bisect_right(self.raw, t) - 1)
        return self.model_at[k] + (t - self.raw[k]) * self.slope[k] - self.offset

    def rate(self, t: float) -> float:
        """Model ns per raw ns at raw time ``t`` (the lower of the two sides at a
        knot: an event at the edge of a sleep is outside it)."""
        k = max(0, bisect_right(self.raw, t) - 1)
        if k > 0 and self.raw[k] == t:
            return min(self.slope[k], self.slope[k - 1])
        return self.slope[k]

    def to_raw(self, m: float) -> float:
        """Raw time whose model time is ``m`` (the inverse of :meth:`model`)."""
        m += self.offset
        k = max(0, bisect_right(self.model_at, m) - 1)
        return self.raw[k] + (m - self.model_at[k]) / self.slope[k]

    def shifted(self, offset: float) -> "Clock":
        """The same clock with ``offset`` subtracted."""
        return Clock(self.raw, self.model_at, self.slope, offset, self.unit, self.basis)


def sleep_portions(trace: Trace) -> list[tuple[int, int]]:
    """The raw intervals a trace spent in (scaled) sleeps, merged and sorted."""
    open_at: dict[int, tuple[int, object]] = {}
    spans = []
    for ev in trace:
        if ev.kind == "block" and ev.reason == "sleep":
            open_at[ev.unit] = (ev.t, ev.value)
        elif ev.kind in ("wake", "exit", "run") and ev.unit in open_at:
            start, asked = open_at.pop(ev.unit)
            end = ev.t
            if isinstance(asked, (int, float)) and not isinstance(asked, bool) and asked >= 0:
                end = min(end, start + asked)
            if end > start:
                spans.append((start, end))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def trace_clock(trace: Trace, timebase: str) -> Clock:
    """The clock of ``trace`` in ``timebase`` (see the module doc)."""
    s = trace.header.time_scale
    if s == 1:
        return Clock()
    portions = sleep_portions(trace) if timebase == "sleeps" else []
    if not portions:
        return Clock(slope=(1 / s,), unit=1 / s, basis="scale")
    raw, model_at, slope = [0.0], [0.0], [1.0]
    for a, b in portions:
        for t, rate in ((a, 1 / s), (b, 1.0)):
            model_at.append(model_at[-1] + (t - raw[-1]) * slope[-1])
            raw.append(float(t))
            slope.append(rate)
    return Clock(tuple(raw), tuple(model_at), tuple(slope), basis="sleeps")


def clocks(expected: Trace, actual: Trace, matches: list[Match], how: str,
           timebase: str = "sleeps") -> tuple[Clock, Clock]:
    """The two traces' clocks for alignment ``how`` and ``timebase``."""
    if how not in ALIGNS:
        raise ValueError(f"align must be one of {ALIGNS}, not {how!r}")
    if timebase not in TIMEBASES:
        raise ValueError(f"timebase must be one of {TIMEBASES}, not {timebase!r}")
    ce, ca = trace_clock(expected, timebase), trace_clock(actual, timebase)
    if how == "first" and matches:
        ce = ce.shifted(ce.model(matches[0].expected.t))
        ca = ca.shifted(ca.model(min(m.actual.t for m in matches)))
    return ce, ca


@dataclass(frozen=True)
class Stats:
    """Distribution of absolute errors (model ns) plus the mean signed error."""

    n: int
    median: float
    p95: float
    max: float
    mean_signed: float

    @classmethod
    def of(cls, signed: list[float]) -> "Stats":
        """Summarise signed errors (actual minus expected)."""
        absolute = [abs(x) for x in signed]
        mean = sum(signed) / len(signed) if signed else math.nan
        return cls(len(signed), quantile(absolute, 0.5), quantile(absolute, 0.95),
                   max(absolute, default=math.nan), mean)

    def scaled(self, factor: float) -> "Stats":
        """The same figures multiplied by ``factor`` (e.g. into real time)."""
        return Stats(self.n, self.median * factor, self.p95 * factor, self.max * factor,
                     self.mean_signed * factor)

    def to_json(self) -> dict:
        """A plain-dict view (NaN as null)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in self.__dict__.items()}


def event_errors(matches: list[Match], ce: Clock, ca: Clock) -> list[float]:
    """Signed timing error of each match in model ns (actual minus expected)."""
    return [ca.model(m.actual.t) - ce.model(m.expected.t) for m in matches]


def raw_errors(matches: list[Match], errors: list[float], ca: Clock) -> list[float]:
    """The model-time ``errors`` in the actual trace's own ns, at the rate of the
    actual clock where each actual line is (1 outside sleeps; ``s`` when scaling)."""
    return [err / ca.rate(m.actual.t) for m, err in zip(matches, errors)]


@dataclass(frozen=True)
class Makespan:
    """Both traces' makespans in model ns, and the error."""

    expected: float
    actual: float

    @property
    def error(self) -> float:
        """Actual minus expected, model ns."""
        return self.actual - self.expected

    @property
    def relative(self) -> float:
        """Error as a fraction of the expected makespan (inf when it is 0)."""
        if self.expected == 0:
            return 0.0 if self.actual == 0 else math.inf
        return self.error / self.expected

    def to_json(self) -> dict:
        """A plain-dict view."""
        rel = self.relative
        return {"expected": self.expected, "actual": self.actual, "error": self.error,
                "relative": None if math.isinf(rel) else rel}


def startup(expected: Trace, actual: Trace, matches: list[Match],
            timebase: str = "sleeps") -> tuple[float, float]:
    """Each trace's model time from its own zero to its first matched line.

    Reported beside the comparison, not judged: in a real run it is mostly
    the interpreter importing what the program imports (``asyncio`` takes
    tens of ms), which no scenario describes.
    """
    if not matches:
        return (math.nan, math.nan)
    first_e = matches[0].expected.t
    first_a = min(m.actual.t for m in matches)
    return (trace_clock(expected, timebase).model(first_e),
            trace_clock(actual, timebase).model(first_a))


#: what still counts as work in a runtime's shutdown (after an event loop's last task, or
#: a daemon thread after its process's main thread ended)
_SHUTDOWN_WORK = frozenset({"emit", "send", "recv", "spawn", "mem"})


def _is_task(unit) -> bool:
    """An asyncio task's unit (``kind: task`` in a model, ``task: true`` in a real run)."""
    return unit.kind == "coroutine" and bool(unit.attrs.get("task")
                                             or unit.attrs.get("kind") == "task")


def _main_thread_exits(trace: Trace) -> dict[int, int]:
    """Process unit -> when its main thread (its first thread) exited."""
    main = {}
    for u in trace.units:
        if u.kind == "thread" and u.parent is not None and u.parent not in main:
            main[u.parent] = u.id
    ends = {}
    for proc, unit in main.items():
        exits = trace.select("exit", unit)
        if exits:
            ends[proc] = exits[0].t
    return ends


def work_end(trace: Trace) -> int:
    """When the program's work ended: the last event of a thread or coroutine.

    A process outlives its last thread by its interpreter's teardown (a few
    hundred µs of atexit handlers and finalisation in a real run, nothing in
    the model), which no scenario describes; without any thread or coroutine
    the trace's last event counts.  Two more kinds of shutdown are left out
    the same way, unless what happens in them is work (an emit, a send, a
    receive, a spawn, a memory access):

    * what a thread that ran asyncio tasks, and its loop's lane, do after the
      loop's last task: ``asyncio.run`` cancelling what is left and closing
      async generators, the executor and the loop (100–700 µs in a real run);
    * what a daemon thread does after its process's main thread ended: the
      interpreter's shutdown, e.g. ``multiprocessing`` joining its queues'
      feeder threads from ``atexit`` (1–1.5 ms in a real run).
    """
    units = trace.units
    hosts = {u.parent for u in units if _is_task(u)}   # threads that ran an event loop
    main_ends = _main_thread_exits(trace)
    last_task: dict[int, int] = {}
    after: dict[int, list[tuple[int, str]]] = {}
    end = None
    for ev in trace:
        unit = units[ev.unit]
        if unit.kind == "process":
            continue
        if _is_task(unit):
            last_task[unit.parent] = ev.t
        elif unit.id in hosts or unit.parent in hosts:
            after.setdefault(unit.id if unit.id in hosts else unit.parent, []).append(
                (ev.t, ev.kind))
        elif (unit.attrs.get("daemon") and unit.parent in main_ends
              and ev.t > main_ends[unit.parent] and ev.kind not in _SHUTDOWN_WORK):
            continue
        else:
            end = ev.t if end is None else max(end, ev.t)
    for host, events in after.items():
        done = last_task.get(host)
        for t, kind in events:
            if done is None or t <= done or kind in _SHUTDOWN_WORK:
                end = t if end is None else max(end, t)
    for t in last_task.values():
        end = t if end is None else max(end, t)
    return trace.duration if end is None else end


def makespan(expected: Trace, actual: Trace, ce: Clock, ca: Clock) -> Makespan:
    """Makespans from each trace's (aligned) zero to the end of its work
    (:func:`work_end`), model ns."""
    return Makespan(max(0.0, ce.model(work_end(expected))), max(0.0, ca.model(work_end(actual))))
