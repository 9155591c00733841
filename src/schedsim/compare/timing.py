"""Timing statistics: per-event error and makespan, in model time.

Each trace's ``t`` counts from its own start; dividing by the header's
``time_scale`` turns a real run made with shrunken sleeps back into model
time.  With ``align="first"`` both traces are also shifted so that their
first matched line is at 0 (useful when start-up differs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..trace import Trace
from .align import Match

ALIGNS = ("start", "first")


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
    """Turns one trace's raw ns into model ns: ``t / scale - offset``."""

    scale: float
    offset: float = 0.0

    def model(self, t: int) -> float:
        """Model time of raw trace time ``t``."""
        return t / self.scale - self.offset


def clocks(expected: Trace, actual: Trace, matches: list[Match], how: str) -> tuple[Clock, Clock]:
    """The two traces' clocks for alignment ``how`` (``start`` or ``first``)."""
    if how not in ALIGNS:
        raise ValueError(f"align must be one of {ALIGNS}, not {how!r}")
    ce, ca = Clock(expected.header.time_scale), Clock(actual.header.time_scale)
    if how == "first" and matches:
        first_e = matches[0].expected.t
        first_a = min(m.actual.t for m in matches)
        ce, ca = Clock(ce.scale, first_e / ce.scale), Clock(ca.scale, first_a / ca.scale)
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


def makespan(expected: Trace, actual: Trace, ce: Clock, ca: Clock) -> Makespan:
    """Makespans from each trace's (aligned) zero to its last event, model ns."""
    return Makespan(max(0.0, ce.model(expected.duration)), max(0.0, ca.model(actual.duration)))
