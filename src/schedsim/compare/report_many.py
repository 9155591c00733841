"""Reports of a :class:`~schedsim.compare.many.ManyComparison` (terminal and JSON)."""

from __future__ import annotations

import math
import statistics

from .tables import Table
from .textfmt import duration, percent, table


def _ms(x: float) -> str:
    return "n/a" if math.isnan(x) else duration(x)


def noise_table(m) -> Table:
    """Model error (median over runs) beside the real-vs-real noise floor."""
    rows = [[f, _ms(m.model_error[f]), _ms(m.noise_floor[f]),
             _ms(m.limit(f)) if m.noise else "n/a"]
            for f in m.model_error]
    return Table(f"Model vs real (median of {len(m.runs)} runs) against real vs real "
                 f"(worst of {len(m.noise)} pairs), model time",
                 ["figure", "model error", "noise floor", "limit"], rows, frozenset({1, 2, 3}))


def runs_table(m) -> Table:
    """One row per real run: its verdict and headline figures."""
    rows = [[str(i), c.verdict, str(len(c.matches)), str(len(c.missing)), str(len(c.extra)),
             "ok" if c.order.divergence is None else "DIFFERS", duration(c.timing.p95),
             duration(c.timing.max), percent(c.makespan.relative)]
            for i, c in enumerate(m.runs, 1)]
    return Table("Runs (model vs each real run)",
                 ["run", "verdict", "matched", "missing", "extra", "order", "p95", "max",
                  "makespan"], rows, frozenset({2, 3, 4, 6, 7, 8}))


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return " / ".join(duration(v) for v in (min(values), statistics.median(values), max(values)))


def unit_spread_table(m) -> Table:
    """Per expected unit: the model's figure and the real runs' min / median / max."""
    rows = []
    names = [uc.expected_name for uc in m.runs[0].unit_metrics]
    for name in names:
        per_run = [uc for c in m.runs for uc in c.unit_metrics if uc.expected_name == name]
        model = per_run[0].expected
        for k, (label, get) in enumerate((("CPU time", lambda x: x.cpu),
                                          ("blocked", lambda x: x.blocked),
                                          ("OS run_ns", lambda x: x.os.get("run_ns")))):
            real = [v for v in (get(uc.actual) for uc in per_run) if v is not None]
            mv = get(model)
            if mv is None and not real:
                continue
            rows.append([name if k == 0 else "", label, "-" if mv is None else duration(mv),
                         _spread(real)])
    return Table("Per unit across runs", ["unit", "metric", "model", "real min / median / max"],
                 rows, frozenset({2, 3}))


def format_many(m) -> str:
    """The whole multi-run report as one string."""
    first = m.runs[0]
    head = (f"{m.verdict}  {first.expected.describe()}  vs  {len(m.runs)} run(s) of "
            f"{first.actual.describe()}")
    parts = [head]
    if m.failures:
        parts.append("Failures (most important first):\n" + "\n".join(
            f"  {i}. {f}" for i, f in enumerate(m.failures, 1)))
    if not m.noise:
        parts.append("(one real run: no real-vs-real noise floor; give several runs)")
    split = [c for c in m.noise if not c.ok]
    if split:
        parts.append(f"Note: the real runs disagree with each other in {len(split)} of "
                     f"{len(m.noise)} pairs (first: {split[0].failures[0]})")
    for t in (noise_table(m), runs_table(m), unit_spread_table(m)):
        if t.rows:
            parts.append(f"{t.title}:\n" + table(t.headers, t.rows, set(t.right)))
    return "\n\n".join(parts) + "\n"


def _num(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def many_json(m) -> dict:
    """JSON-ready data of the multi-run comparison."""
    return {"verdict": m.verdict, "ok": m.ok, "within_noise": m.within_noise,
            "failures": m.failures, "noise_factor": m.tolerances.noise_factor,
            "floor": m.floor,
            "model_error": {k: _num(v) for k, v in m.model_error.items()},
            "noise_floor": {k: _num(v) for k, v in m.noise_floor.items()},
            "runs": [c.to_json() for c in m.runs],
            "noise": [{"verdict": c.verdict, "failures": c.failures,
                       "timing": c.timing.to_json(), "makespan": c.makespan.to_json()}
                      for c in m.noise]}
