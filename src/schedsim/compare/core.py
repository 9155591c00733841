"""``compare(expected, actual)``: align two traces and judge the actual one."""

from __future__ import annotations

import os

from ..errors import CompareError
from ..trace import Trace
from .align import align as align_emits
from .emits import emits
from .causal import check_causal
from .metrics import compare_units
from .order import check_exact
from .result import Comparison, TraceInfo
from .textfmt import duration
from .timing import Stats, clocks, event_errors, makespan, raw_errors, startup
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


def program_of(trace: Trace) -> str | None:
    """The program a trace ran (real) or models (sim, when its header says so), by file name."""
    h = trace.header
    name = (h.producer.get("program") if h.source == "real"
            else h.producer.get("real_program") or h.meta.get("real_program"))
    return os.path.basename(str(name)) if name else None


def check_same_program(expected: Trace, actual: Trace) -> None:
    """Raise :class:`CompareError` when both traces name their program and the names differ.

    Two simulations are never refused: comparing two models (the coroutine and the
    thread version of a lesson) is a question of its own.
    """
    if expected.header.source == actual.header.source == "sim":
        return
    pe, pa = program_of(expected), program_of(actual)
    if pe and pa and pe != pa:
        raise CompareError(f"the traces come from different programs: expected {pe!r} "
                           f"({expected.header.source}), actual {pa!r} ({actual.header.source})")


def compare(expected: Trace, actual: Trace, *, tolerances: Tolerances | None = None,
            align: str = "first", order: str = "causal",
            timebase: str = "sleeps") -> Comparison:
    """Compare ``actual`` against ``expected`` (usually a simulation against a real run).

    Emits are paired by label, units mapped by what they print, and the
    actual trace is judged for missing/extra lines, order, per-event timing
    error and makespan error against ``tolerances`` (defaults:
    :class:`Tolerances`).  ``order="causal"`` (the default) accepts any actual
    order of the matched lines that is a linear extension of the expected
    trace's happens-before order; ``order="exact"`` wants the same sequence.
    ``align`` is ``"first"`` (the default: both traces from their first
    matched line, so a real run's start-up, mostly imports, is reported as
    ``startup`` but not judged) or ``"start"`` (both from their own t=0).  ``timebase``
    says how a real run's scaled time becomes model time: ``"sleeps"``
    stretches only its sleeps, ``"scale"`` divides all of it by the time scale
    (see :mod:`schedsim.compare.timing`).  Raises
    :class:`~schedsim.errors.CompareError` when the traces share no emit, or
    name different programs (a real trace's ``producer.program``; a sim
    trace's ``producer.real_program`` or ``meta.real_program``, where set).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    check_same_program(expected, actual)
    exp_emits, act_emits = emits(expected), emits(actual)
    units = map_units(expected, actual, exp_emits, act_emits)
    al = align_emits(exp_emits, act_emits, units)
    if not al.matches:
        raise _no_common(expected, actual, len(exp_emits), len(act_emits))
    ce, ca = clocks(expected, actual, al.matches, align, timebase)
    errors = event_errors(al.matches, ce, ca)
    taken = {p.actual for p in units.values()}
    result = Comparison(
        TraceInfo.of(expected, len(exp_emits)), TraceInfo.of(actual, len(act_emits)),
        list(units.values()), [u.name for u in expected.units if u.id not in units],
        [u.name for u in actual.units if u.id not in taken],
        al, _check_order(expected, al.matches, order), errors, Stats.of(errors),
        makespan(expected, actual, ce, ca), tolerances or Tolerances(), align, timebase,
        (ce, ca), raw_errors(al.matches, errors, ca))
    result.startup = startup(expected, actual, al.matches, timebase)
    result.unit_metrics = compare_units(expected, actual, result.units, (ce, ca))
    result.failures = _failures(result, expected, actual)
    return result


def _check_order(expected: Trace, matches, order: str):
    return check_causal(expected, matches) if order == "causal" else check_exact(matches)


def _failures(c: Comparison, expected: Trace, actual: Trace) -> list[str]:
    names_e = [u.name for u in expected.units]
    names_a = [u.name for u in actual.units]
    worst = ""
    if c.matches:
        m, err = c.worst(1)[0]
        worst = (f"{m.expected.label!r} ({names_e[m.expected.unit]}) off by "
                 f"{duration(err, signed=True)}")
    return (count_failures(c.alignment, c.tolerances, names_e, names_a, c.clocks)
            + order_failures(c.order, c.tolerances)
            + attribution_failures(c.alignment, c.tolerances, names_e, names_a)
            + timing_failures(c.timing, c.makespan, c.tolerances, c.clocks[1].unit, worst))
