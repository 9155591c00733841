"""The terminal report of a :class:`~schedsim.compare.result.Comparison`.

Verdict first, then the failures, the worst divergences, and tables of
units, timing and makespan.  Plain text, no colour.
"""

from __future__ import annotations

from .textfmt import duration, percent, short, table

#: how many worst-timed lines and missing/extra lines to show
SHOW = 5


def headline(c) -> str:
    """``PASS  sim trace of X  vs  real trace of Y`` and a one-line summary."""
    order = "order agrees" if c.order.divergence is None else "ORDER DIFFERS"
    p95 = c.timing.p95
    real = (f" ({duration(p95 * c.actual.time_scale)} real)" if c.actual.time_scale != 1 else "")
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


def worst(c) -> list[str]:
    """The lines furthest off in time, then missing and extra lines."""
    ue, ua = c.expected.units, c.actual.units
    rows = [[short(m.expected.label), f"{ue[m.expected.unit]} → {ua[m.actual.unit]}",
             duration(m.expected.t / c.expected.time_scale),
             duration(m.actual.t / c.actual.time_scale), duration(err, signed=True)]
            for m, err in c.worst(SHOW)]
    out = ["Worst divergences (model time):",
           table(["line", "unit", "expected t", "actual t", "error"], rows, right={2, 3, 4})]
    for name, emits, units, scale in (("missing", c.missing, ue, c.expected.time_scale),
                                      ("extra", c.extra, ua, c.actual.time_scale)):
        for e in emits[:SHOW]:
            out.append(f"  {name}: {short(e.label)!r} ({units[e.unit]}, at {duration(e.t / scale)})")
        if len(emits) > SHOW:
            out.append(f"  … and {len(emits) - SHOW} more {name}")
    div = c.order.divergence
    if div is not None:
        out.append(f"  order {div.describe()}")
        out.append(f"    expected: {' | '.join(div.expected_context)}")
        out.append(f"    actual:   {' | '.join(div.actual_context)}")
        if div.chain:
            out.append("    because:  " + " → ".join(div.chain))
    return out


def units(c) -> list[str]:
    """The unit mapping table."""
    rows = [[p.expected_name, p.actual_name, str(p.shared), p.how] for p in c.units]
    out = ["Units (expected → actual):",
           table(["expected", "actual", "shared lines", "paired by"], rows, right={2})]
    if c.unmapped_expected:
        out.append("  no counterpart (expected): " + ", ".join(c.unmapped_expected))
    if c.unmapped_actual:
        out.append("  no counterpart (actual): " + ", ".join(c.unmapped_actual))
    return out


def timing(c) -> list[str]:
    """Timing error in model time and in the actual trace's time, and the makespan."""
    model, real = c.timing, c.real_timing()
    rows = [[name, duration(getattr(model, attr), signed=attr == "mean_signed"),
             duration(getattr(real, attr), signed=attr == "mean_signed")]
            for name, attr in (("median", "median"), ("p95", "p95"), ("max", "max"),
                               ("mean (signed)", "mean_signed"))]
    span = c.makespan
    return [f"Timing error per matched line (aligned at {c.align}, {model.n} lines):",
            table(["", "model time", f"actual time (×{c.actual.time_scale:g})"], rows,
                  right={1, 2}),
            f"Makespan: expected {duration(span.expected)}, actual {duration(span.actual)}, "
            f"error {duration(span.error, signed=True)} ({percent(span.relative)})"]


def format_comparison(c) -> str:
    """The whole report as one string."""
    parts = [[headline(c)], failures(c), worst(c), units(c), timing(c)]
    return "\n\n".join("\n".join(p) for p in parts if p) + "\n"
