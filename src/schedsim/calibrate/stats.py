"""Statistics for calibration: medians with spread, and straight-line fits.

Every calibration figure is a :class:`Stat` (median and the 10th/90th
percentiles of its samples, in ns).  Costs that grow with a size (fork per
MiB of parent memory, IPC per KiB of payload) are a :class:`Line` fitted by
least squares through the medians measured at several sizes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


@dataclass(frozen=True)
class Stat:
    """A measured cost in ns: median and spread (p10, p90) over ``n`` samples.

    ``samples`` keeps the samples themselves where :func:`summarize` made the
    Stat (empty elsewhere), so that :func:`pool` can merge measurements taken
    in slices; they are not saved with a profile.
    """

    median: float
    p10: float
    p90: float
    n: int
    samples: tuple[float, ...] = field(default=(), repr=False, compare=False)

    @property
    def spread(self) -> float:
        """p90 - p10, in ns."""
        return self.p90 - self.p10

    def as_dict(self) -> dict:
        """Plain dict with values rounded to whole ns (for YAML)."""
        return {"median": round(self.median), "p10": round(self.p10),
                "p90": round(self.p90), "n": self.n}

    def minus(self, other: "Stat") -> "Stat":
        """The difference of two costs (medians subtracted, spread of ``self`` shifted)."""
        d = self.median - other.median
        return Stat(d, self.p10 - other.median, self.p90 - other.median, self.n)


@dataclass(frozen=True)
class Line:
    """``y = intercept + slope * x`` fitted through ``points`` ((x, Stat) pairs)."""

    intercept: float
    slope: float
    points: tuple[tuple[float, Stat], ...]

    def as_dict(self) -> dict:
        """Plain dict (for YAML)."""
        return {"intercept": round(self.intercept), "slope": round(self.slope, 3),
                "points": [[x, s.as_dict()] for x, s in self.points]}


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, linearly interpolated."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(samples: Sequence[float]) -> Stat:
    """Median, p10 and p90 of ``samples`` (ns), which the Stat keeps."""
    s = sorted(samples)
    return Stat(percentile(s, 0.5), percentile(s, 0.1), percentile(s, 0.9), len(s), tuple(s))


def pool(parts: Sequence[Any]) -> Any:
    """One measurement from several of the same shape, each Stat's samples pooled.

    A part is a :class:`Stat`, a dict of them, or a list of ``(x, Stat)``
    points (a curve), as the calibration's steps return them; a key or an x
    missing from some parts pools the parts that have it.  Raises ValueError
    for a Stat that kept no samples (it was not made by :func:`summarize`).
    """
    first = parts[0]
    if isinstance(first, Stat):
        if any(len(p.samples) != p.n for p in parts):
            raise ValueError("pool() needs Stats that kept their samples")
        return summarize([x for p in parts for x in p.samples])
    if isinstance(first, dict):
        keys = dict.fromkeys(k for p in parts for k in p)
        return {k: pool([p[k] for p in parts if k in p]) for k in keys}
    if isinstance(first, list):
        xs = dict.fromkeys(x for p in parts for x, _ in p)
        return [(x, pool([s for p in parts for px, s in p if px == x])) for x in xs]
    raise TypeError(f"pool() cannot merge a {type(first).__name__}")


def fit_line(points: Sequence[tuple[float, Stat]]) -> Line:
    """Least-squares line through the medians of ``points``; needs two distinct x."""
    xs = [float(x) for x, _ in points]
    ys = [s.median for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("fit_line needs at least two different x values")
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return Line(my - slope * mx, slope, tuple((x, s) for x, s in points))


def per_op(batch: Callable[[int], int], n: int, reps: int, ops_per_iter: int = 1) -> Stat:
    """Run ``batch(n)`` (returns elapsed ns for n iterations) ``reps`` times.

    One sample per batch: elapsed / (n * ops_per_iter).  A first, unrecorded
    batch warms caches and lazily created state.
    """
    batch(max(1, n // 10))
    return summarize([batch(n) / (n * ops_per_iter) for _ in range(reps)])


def each(op: Callable[[], object], reps: int, warmup: int = 1) -> Stat:
    """Time ``op()`` ``reps`` times, one sample per call, after ``warmup`` calls."""
    for _ in range(warmup):
        op()
    clock = time.perf_counter_ns
    samples = []
    for _ in range(reps):
        t0 = clock()
        op()
        samples.append(clock() - t0)
    return summarize(samples)
