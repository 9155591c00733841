"""Judging a comparison against its tolerances: the list of failures."""

from __future__ import annotations

import math

from .align import Alignment
from .emits import Emit
from .order import OrderResult
from .textfmt import duration, percent
from .timing import Clock, Makespan, Stats
from .tolerances import Tolerances


def _where(e: Emit, names: list[str], clock: Clock) -> str:
    return f"{e.label!r} ({names[e.unit]}, at {duration(clock.model(e.t))})"


def count_failures(al: Alignment, tol: Tolerances, exp_names: list[str], act_names: list[str],
                   clocks: tuple[Clock, Clock]) -> list[str]:
    """Failures about which lines exist: missing and extra."""
    out = []
    if len(al.missing) > tol.max_missing:
        out.append(f"{len(al.missing)} expected line(s) missing from the actual trace "
                   f"(allowed {tol.max_missing}); first: "
                   f"{_where(al.missing[0], exp_names, clocks[0])}")
    if len(al.extra) > tol.max_extra:
        out.append(f"{len(al.extra)} extra line(s) in the actual trace (allowed {tol.max_extra}); "
                   f"first: {_where(al.extra[0], act_names, clocks[1])}")
    return out


def attribution_failures(al: Alignment, tol: Tolerances, exp_names: list[str],
                         act_names: list[str]) -> list[str]:
    """Failures about who printed the matched lines."""
    out = []
    wrong = al.misattributed
    if len(wrong) > tol.max_misattributed:
        m = wrong[0]
        out.append(f"{len(wrong)} line(s) printed by a different unit than expected "
                   f"(allowed {tol.max_misattributed}); first: {m.expected.label!r} expected "
                   f"from {exp_names[m.expected.unit]}, printed by {act_names[m.actual.unit]}")
    return out


def order_failures(order: OrderResult, tol: Tolerances) -> list[str]:
    """Failures about the order of matched lines."""
    div = order.divergence
    if div is None or order.displaced <= tol.max_out_of_order:
        return []
    text = (f"order differs ({order.mode}) {div.describe()}; {order.displaced} line(s) out of "
            f"place (allowed {tol.max_out_of_order}); expected …{' | '.join(div.expected_context)}…"
            f", actual …{' | '.join(div.actual_context)}…")
    if div.chain:
        text += "; the model orders them by: " + " → ".join(div.chain)
    return [text]


def _limit(rel: float, base: float, floor_ns: int, unit: float) -> float:
    return max(rel * base, floor_ns * unit)


def timing_failures(timing: Stats, span: Makespan, tol: Tolerances, unit: float,
                    worst: str) -> list[str]:
    """Failures about time: p95 and max per-event error, makespan (``unit``: model
    ns per real ns of the actual clock, to convert ``floor_ns``)."""
    out = []
    if timing.n:
        limit = _limit(tol.timing_p95, span.expected, tol.floor_ns, unit)
        if timing.p95 > limit:
            out.append(f"p95 timing error {duration(timing.p95)} exceeds {duration(limit)} "
                       f"({tol.timing_p95 * 100:g} % of the expected makespan); worst: {worst}")
        if tol.timing_max is not None:
            limit = _limit(tol.timing_max, span.expected, tol.floor_ns, unit)
            if timing.max > limit:
                out.append(f"max timing error {duration(timing.max)} exceeds {duration(limit)} "
                           f"({tol.timing_max * 100:g} % of the expected makespan); worst: {worst}")
    limit = _limit(tol.makespan, span.expected, tol.floor_ns, unit)
    if abs(span.error) > limit and not math.isnan(span.error):
        out.append(f"makespan error {duration(span.error, signed=True)} "
                   f"({percent(span.relative)}) exceeds ±{duration(limit)} "
                   f"({tol.makespan * 100:g} %): expected {duration(span.expected)}, "
                   f"actual {duration(span.actual)}")
    return out
