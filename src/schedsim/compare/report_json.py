"""The machine-readable view of a :class:`~schedsim.compare.result.Comparison`."""

from __future__ import annotations

import math


def _num(x: float):
    return None if isinstance(x, float) and (math.isnan(x) or math.isinf(x)) else x


def _emit(e, names: list[str], clock) -> dict:
    return {"index": e.index, "unit": names[e.unit], "label": e.label, "t": e.t,
            "t_model": clock.model(e.t)}


def comparison_json(c) -> dict:
    """Everything in the comparison as JSON-ready data (times in model ns)."""
    ue, ua = c.expected.units, c.actual.units
    se, sa = c.clocks
    return {
        "verdict": c.verdict, "ok": c.ok, "failures": list(c.failures),
        "expected": {k: v for k, v in c.expected.__dict__.items()},
        "actual": {k: v for k, v in c.actual.__dict__.items()},
        "align": c.align, "timebase": c.timebase,
        "startup": {"expected": _num(c.startup[0]), "actual": _num(c.startup[1])},
        "clocks": {"expected": c.clocks[0].basis, "actual": c.clocks[1].basis},
        "tolerances": c.tolerances.to_json(),
        "units": [p._asdict() for p in c.units],
        "unmapped": {"expected": c.unmapped_expected, "actual": c.unmapped_actual},
        "counts": {"matched": len(c.matches), "missing": len(c.missing), "extra": len(c.extra),
                   "misattributed": len(c.alignment.misattributed)},
        "missing": [_emit(e, ue, se) for e in c.missing],
        "extra": [_emit(e, ua, sa) for e in c.extra],
        "order": c.order.to_json(),
        "timing": {"model": c.timing.to_json(), "actual_time": c.real_timing().to_json()},
        "unit_metrics": [u.to_json() for u in c.unit_metrics],
        "makespan": {k: _num(v) for k, v in c.makespan.to_json().items()},
        "matches": [{"label": m.expected.label, "expected_unit": ue[m.expected.unit],
                     "actual_unit": ua[m.actual.unit], "expected_t": m.expected.t,
                     "actual_t": m.actual.t, "error": _num(err), "actual_time_error": _num(raw),
                     "same_unit": m.same_unit}
                    for m, err, raw in zip(c.matches, c.errors, c.raw_errors)],
        **c.extras,
    }
