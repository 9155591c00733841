"""The terminal report of a :class:`~schedsim.compare.result.Comparison`.

Verdict first, then the failures, the worst divergences, and tables of
units, timing, makespan and per-unit metrics.  Plain text, no colour.
"""

from __future__ import annotations

from .tables import SHOW, Table, metrics_table, timing_table, units_table, worst_table
from .textfmt import duration, percent, short, table


def render(t: Table) -> str:
    """A :class:`Table` as aligned text under its title."""
    return f"{t.title}:\n" + table(t.headers, t.rows, set(t.right))


def headline(c) -> str:
    """``PASS  sim trace of X  vs  real trace of Y`` and a one-line summary."""
    order = "order agrees" if c.order.divergence is None else "ORDER DIFFERS"
    p95 = c.timing.p95
    real_p95 = duration(c.real_timing().p95)
    real = f" ({real_p95} in actual time)" if real_p95 != duration(p95) else ""
    return (f"{c.verdict}  {c.expected.describe()}  vs  {c.actual.describe()}\n"
            f"      {len(c.matches)} lines matched, {len(c.missing)} missing, {len(c.extra)} extra;"
            f" {order} ({c.order.mode}); p95 timing error {duration(p95)}{real};"
            f" makespan {percent(c.makespan.relative)}")


def failures(c) -> list[str]:
    """The numbered failure list (empty when PASS)."""
    if not c.failures:
        return []
    return ["Failures (most important first):"] + [f"  {i}. {f}" for i, f in
                                                  enumerate(c.failures, 1)]


def leftovers(c) -> list[str]:
    """Missing and extra lines, and the first order divergence, one per line."""
    out = []
    for name, emits, units, clock in (("missing", c.missing, c.expected.units, c.clocks[0]),
                                      ("extra", c.extra, c.actual.units, c.clocks[1])):
        for e in emits[:SHOW]:
            out.append(f"{name}: {short(e.label)!r} ({units[e.unit]}, "
                       f"at {duration(clock.model(e.t))})")
        if len(emits) > SHOW:
            out.append(f"… and {len(emits) - SHOW} more {name}")
    div = c.order.divergence
    if div is not None:
        out.append(f"order {div.describe()}")
        out.append(f"  expected: {' | '.join(div.expected_context)}")
        out.append(f"  actual:   {' | '.join(div.actual_context)}")
        if div.chain:
            out.append("  because:  " + " → ".join(div.chain))
    return out


def units_extra(c) -> list[str]:
    """Units without a counterpart."""
    out = []
    if c.unmapped_expected:
        out.append("  no counterpart (expected): " + ", ".join(c.unmapped_expected))
    if c.unmapped_actual:
        out.append("  no counterpart (actual): " + ", ".join(c.unmapped_actual))
    return out


def makespan_line(c) -> str:
    """``Makespan: expected …, actual …, error …``."""
    span = c.makespan
    return (f"Makespan: expected {duration(span.expected)}, actual {duration(span.actual)}, "
            f"error {duration(span.error, signed=True)} ({percent(span.relative)})")


def startup_line(c) -> str:
    """``Start-up (zero to the first matched line): expected …, actual …`` and whether judged."""
    e, a = c.startup
    judged = "judged" if c.align == "start" else "not judged: aligned at the first line"
    return (f"Start-up (zero to the first matched line): expected {duration(e)}, "
            f"actual {duration(a)} ({judged})")


def format_comparison(c) -> str:
    """The whole report as one string."""
    left = leftovers(c)
    parts = [[headline(c)], failures(c), ["Divergences:"] + ["  " + x for x in left] if left else [],
             [render(worst_table(c))],
             [render(units_table(c))] + units_extra(c),
             [render(timing_table(c)), makespan_line(c), startup_line(c)]]
    if c.unit_metrics:
        parts.append([render(metrics_table(c))])
    return "\n\n".join("\n".join(p) for p in parts if p) + "\n"
