"""The outcome of comparing two traces: :class:`Comparison`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..trace import Trace
from .align import Alignment, Match
from .emits import Emit
from .order import OrderResult
from .report_json import comparison_json
from .report_text import format_comparison
from .timing import Clock, Makespan, Stats
from .tolerances import Tolerances


@dataclass(frozen=True)
class TraceInfo:
    """What a report says about one of the two traces."""

    source: str
    what: str
    time_scale: float
    units: list[str]
    events: int
    emits: int

    @classmethod
    def of(cls, trace: Trace, n_emits: int) -> "TraceInfo":
        """Summarise ``trace``."""
        p = trace.header.producer
        what = str(p.get("scenario") or p.get("program") or p.get("name") or trace.header.source)
        return cls(trace.header.source, what, trace.header.time_scale,
                   [u.name for u in trace.units], len(trace), n_emits)

    def describe(self) -> str:
        """``real trace of coroutines.py (time scale 0.01)``."""
        scale = f" (time scale {self.time_scale:g})" if self.time_scale != 1 else ""
        return f"{self.source} trace of {self.what}{scale}"


@dataclass
class Comparison:
    """Everything :func:`~schedsim.compare.compare` found.

    Times (``errors``, ``timing``, ``makespan``) are model ns; ``raw_errors``
    and :meth:`real_timing` give the per-line errors in the actual trace's own
    ns; ``clocks`` map each trace's raw ns to model ns.  ``failures`` lists why the comparison is not ok,
    most important first; empty means PASS.
    """

    expected: TraceInfo
    actual: TraceInfo
    units: list  # list[UnitPair]
    unmapped_expected: list[str]
    unmapped_actual: list[str]
    alignment: Alignment
    order: OrderResult
    errors: list[float]
    timing: Stats
    makespan: Makespan
    tolerances: Tolerances
    align: str = "first"
    timebase: str = "sleeps"
    clocks: tuple = (Clock(), Clock())  # (expected, actual): raw ns -> model ns
    raw_errors: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unit_metrics: list = field(default_factory=list)  # list[UnitComparison]
    extras: dict[str, Any] = field(default_factory=dict)
    startup: tuple = (math.nan, math.nan)  # (expected, actual): model ns to the first matched line

    @property
    def ok(self) -> bool:
        """True when every tolerance holds."""
        return not self.failures

    @property
    def verdict(self) -> str:
        """``PASS`` or ``FAIL``."""
        return "PASS" if self.ok else "FAIL"

    @property
    def matches(self) -> list[Match]:
        """Matched lines in expected order."""
        return self.alignment.matches

    @property
    def missing(self) -> list[Emit]:
        """Expected lines the actual trace lacks."""
        return self.alignment.missing

    @property
    def extra(self) -> list[Emit]:
        """Actual lines the expected trace lacks."""
        return self.alignment.extra

    def real_timing(self) -> Stats:
        """The timing statistics in the actual trace's own time units."""
        return Stats.of(self.raw_errors)

    def worst(self, n: int = 5) -> list[tuple[Match, float]]:
        """The ``n`` matched lines with the largest absolute timing error."""
        pairs = sorted(zip(self.matches, self.errors), key=lambda p: (-abs(p[1]), p[0].expected.index))
        return pairs[:n]

    def format_text(self) -> str:
        """A terminal report: verdict, worst divergences, then tables."""
        return format_comparison(self)

    def to_json(self) -> dict:
        """A JSON-ready dict of the whole comparison."""
        return comparison_json(self)
