"""Several real runs: the noise floor, and the model judged against it.

``compare_many(expected, actuals)`` compares the model with every real run,
and every real run with every other (the real-vs-real spread: how much the
program disagrees with itself).  The *noise floor* of a figure is its worst
real-vs-real value; the model's error is its median over the runs.  The
model is *within the noise* when each of its errors is at most
``noise_factor`` times the floor plus ``noise_min_ns`` (real time).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from itertools import combinations

from ..trace import Trace
from .core import compare
from .report_many import format_many, many_json
from .result import Comparison
from .textfmt import duration
from .tolerances import Tolerances

#: figure name -> how to read it from a Comparison (model ns)
FIGURES = {
    "p95 timing error": lambda c: c.timing.p95,
    "max timing error": lambda c: c.timing.max,
    "makespan error": lambda c: abs(c.makespan.error),
}


@dataclass
class ManyComparison:
    """The model against several real runs, and the runs against each other.

    ``runs[i]`` compares the model with ``actuals[i]``; ``noise`` holds the
    real-vs-real comparisons (every pair).  ``ok`` needs every run within
    tolerances, and, when ``tolerances.require_noise`` is set, the model
    within the noise.
    """

    runs: list[Comparison]
    noise: list[Comparison]
    tolerances: Tolerances
    floor: float                      # noise_min_ns in model ns
    model_error: dict[str, float] = field(default_factory=dict)
    noise_floor: dict[str, float] = field(default_factory=dict)

    @property
    def within_noise(self) -> bool | None:
        """Whether every model error is within the noise (None with a single run)."""
        if not self.noise:
            return None
        return all(self.model_error[f] <= self.limit(f) for f in FIGURES)

    @property
    def failures(self) -> list[str]:
        """Why not ok: each failing run's first failure, then the noise verdict."""
        out = [f"run {i + 1}: {c.failures[0]}" + (f" (+{len(c.failures) - 1} more)"
                                                   if len(c.failures) > 1 else "")
               for i, c in enumerate(self.runs) if not c.ok]
        if self.tolerances.require_noise and self.within_noise is False:
            out.append("the model's error is beyond the real-vs-real noise: " + "; ".join(
                f"{f} {duration(self.model_error[f])} vs noise {duration(self.noise_floor[f])}"
                f" (limit {duration(self.limit(f))})"
                for f in FIGURES if self.model_error[f] > self.limit(f)))
        return out

    def limit(self, figure: str) -> float:
        """The most the model's ``figure`` error may be and still be within the noise
        (model ns): ``noise_factor`` × its noise floor + the floor."""
        return self.tolerances.noise_factor * self.noise_floor[figure] + self.floor

    @property
    def ok(self) -> bool:
        """True when every run passes (and the noise check, if required)."""
        return not self.failures

    @property
    def verdict(self) -> str:
        """``PASS, within the noise``, ``PASS, beyond the noise``, ``PASS`` or ``FAIL``."""
        if not self.ok:
            return "FAIL"
        noise = self.within_noise
        return "PASS" if noise is None else f"PASS, {'within' if noise else 'beyond'} the noise"

    def format_text(self) -> str:
        """A terminal report: verdict, failures, the noise table, each run's summary."""
        return format_many(self)

    def to_json(self) -> dict:
        """A JSON-ready dict: verdict, noise figures, and every comparison."""
        return many_json(self)


def compare_many(expected: Trace, actuals: list[Trace], *,
                 tolerances: Tolerances | None = None, align: str = "first",
                 order: str = "causal", timebase: str = "sleeps") -> ManyComparison:
    """Compare ``expected`` with each of ``actuals`` and the actuals with each other."""
    if not actuals:
        raise ValueError("compare_many needs at least one actual trace")
    tol = tolerances or Tolerances()
    opts = {"tolerances": tol, "align": align, "order": order, "timebase": timebase}
    runs = [compare(expected, a, **opts) for a in actuals]
    noise = [compare(a, b, **opts) for a, b in combinations(actuals, 2)]
    floor = max(tol.noise_min_ns * c.clocks[1].unit for c in runs)
    result = ManyComparison(runs, noise, tol, floor)
    for name, get in FIGURES.items():
        result.model_error[name] = statistics.median(get(c) for c in runs)
        result.noise_floor[name] = max((get(c) for c in noise), default=math.nan)
    return result
