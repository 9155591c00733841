"""``compare(expected, actual)``: align two traces and judge the actual one."""

from __future__ import annotations

from ..errors import CompareError
from ..trace import Trace
from .align import align as align_emits
from .emits import emits
from .causal import check_causal
from .order import check_exact
from .result import Comparison, TraceInfo
from .textfmt import duration
from .timing import Stats, clocks, event_errors, makespan
from .tolerances import Tolerances
from .units import map_units
from .verdict import attribution_failures, count_failures, order_failures, timing_failures

ORDERS = ("causal", "exact")


def _no_common(expected: Trace, actual: Trace, n_exp: int, n_act: int) -> CompareError:
    if not n_exp or not n_act:
        which = "expected" if not n_exp else "actual"
        return CompareError(f"the {which} trace has no emit events (printed lines) to compare on")
    return CompareError(f"the two traces share no printed line: {n_exp} expected and {n_act} "
                        f"actual emits, no label in common (different programs?)")


def compare(expected: Trace, actual: Trace, *, tolerances: Tolerances | None = None,
            align: str = "start", order: str = "causal") -> Comparison:
    """Compare ``actual`` against ``expected`` (usually a simulation against a real run).

    Emits are paired by label, units mapped by what they print, and the
    actual trace is judged for missing/extra lines, order, per-event timing
    error and makespan error against ``tolerances`` (defaults:
    :class:`Tolerances`).  ``order="causal"`` (the default) accepts any actual
    order of the matched lines that is a linear extension of the expected
    trace's happens-before order; ``order="exact"`` wants the same sequence.
    ``align`` is ``"start"`` (both traces from their
    own t=0) or ``"first"`` (from their first matched line).  Raises
    :class:`~schedsim.errors.CompareError` when the traces share no emit.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    tol = tolerances or Tolerances()
    exp_emits, act_emits = emits(expected), emits(actual)
    units = map_units(expected, actual, exp_emits, act_emits)
    al = align_emits(exp_emits, act_emits, units)
    if not al.matches:
        raise _no_common(expected, actual, len(exp_emits), len(act_emits))
    ce, ca = clocks(expected, actual, al.matches, align)
    errors = event_errors(al.matches, ce, ca)
    timing, span = Stats.of(errors), makespan(expected, actual, ce, ca)
    order_result = (check_causal(expected, al.matches) if order == "causal"
                    else check_exact(al.matches))
    result = Comparison(
        TraceInfo.of(expected, len(exp_emits)), TraceInfo.of(actual, len(act_emits)),
        list(units.values()),
        [u.name for u in expected.units if u.id not in units],
        [u.name for u in actual.units if u.id not in {p.actual for p in units.values()}],
        al, order_result, errors, timing, span, tol, align)
    result.failures = _failures(result, expected, actual)
    return result


def _failures(c: Comparison, expected: Trace, actual: Trace) -> list[str]:
    names_e = [u.name for u in expected.units]
    names_a = [u.name for u in actual.units]
    scales = (expected.header.time_scale, actual.header.time_scale)
    worst = ""
    if c.matches:
        m, err = c.worst(1)[0]
        worst = (f"{m.expected.label!r} ({names_e[m.expected.unit]}) off by "
                 f"{duration(err, signed=True)}")
    return (count_failures(c.alignment, c.tolerances, names_e, names_a, scales)
            + order_failures(c.order, c.tolerances)
            + attribution_failures(c.alignment, c.tolerances, names_e, names_a)
            + timing_failures(c.timing, c.makespan, c.tolerances, scales[1], worst))
