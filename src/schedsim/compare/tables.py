"""The report's tables as data (headers, rows, right-aligned columns), shared
by the terminal report and the Markdown report."""

from __future__ import annotations

from typing import NamedTuple

from .metrics import UnitMetrics
from .textfmt import duration, short
from .timing import quantile

#: how many worst-timed lines to show
SHOW = 5


class Table(NamedTuple):
    """A titled table: ``right`` holds the indices of right-aligned columns."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    right: frozenset = frozenset()


def worst_table(c, n: int = SHOW) -> Table:
    """The matched lines furthest off in time (model time)."""
    ue, ua = c.expected.units, c.actual.units
    rows = [[short(m.expected.label), f"{ue[m.expected.unit]} → {ua[m.actual.unit]}",
             duration(c.clocks[0].model(m.expected.t)),
             duration(c.clocks[1].model(m.actual.t)), duration(err, signed=True)]
            for m, err in c.worst(n)]
    return Table("Worst timing (model time)", ["line", "unit", "expected t", "actual t", "error"],
                 rows, frozenset({2, 3, 4}))


def units_table(c) -> Table:
    """The unit mapping."""
    rows = [[p.expected_name, p.actual_name, str(p.shared), p.how] for p in c.units]
    return Table("Units (expected → actual)",
                 ["expected", "actual", "shared lines", "paired by"], rows, frozenset({2}))


def timing_table(c) -> Table:
    """Per-line timing error in model time and in the actual trace's own time."""
    model, real = c.timing, c.real_timing()
    rows = [[name, duration(getattr(model, attr), signed=attr == "mean_signed"),
             duration(getattr(real, attr), signed=attr == "mean_signed")]
            for name, attr in (("median", "median"), ("p95", "p95"), ("max", "max"),
                               ("mean (signed)", "mean_signed"))]
    return Table(f"Timing error per matched line (aligned at {c.align}, {model.n} lines, "
                 f"actual clock: {c.clocks[1].basis})",
                 ["", "model time", "actual trace's own time"], rows,
                 frozenset({1, 2}))


def _q(xs: list[float]) -> str:
    if not xs:
        return "-"
    return f"{duration(quantile(xs, 0.5))} / {duration(quantile(xs, 0.95))}"


def _os(m: UnitMetrics, *names: str) -> str:
    parts = [f"{n} {duration(m.os[n]) if n.endswith('_ns') else int(m.os[n])}"
             for n in names if n in m.os]
    return ", ".join(parts)


def metric_rows(e: UnitMetrics, a: UnitMetrics) -> list[list[str]]:
    """(metric, expected, actual, OS counters) rows for one unit pair."""
    return [
        ["CPU time", duration(e.cpu), duration(a.cpu), _os(a, "run_ns")],
        ["runnable wait", duration(e.runnable), duration(a.runnable), _os(a, "wait_ns")],
        ["blocked", duration(e.blocked), duration(a.blocked), ""],
        ["switches in / out", f"{e.switches_in} / {e.switches_out}",
         f"{a.switches_in} / {a.switches_out}", _os(a, "slices", "voluntary", "involuntary")],
        ["run slice p50 / p95", _q(e.slices), _q(a.slices), ""],
        ["blocked p50 / p95", _q(e.blocks), _q(a.blocks), ""],
    ]


def _empty(row: list[str]) -> bool:
    """A metric row with nothing to say (zero or absent on both sides, no counters)."""
    return all(x in ("-", "0 ns", "0 / 0") for x in row[1:3]) and not row[3]


def metrics_table(c) -> Table:
    """Per paired thread/coroutine: time in each state, switches, OS counters
    (rows that are zero or absent on both sides are left out)."""
    rows = []
    for uc in c.unit_metrics:
        kept = [r for r in metric_rows(uc.expected, uc.actual) if not _empty(r)]
        for k, row in enumerate(kept):
            rows.append([f"{uc.expected_name} → {uc.actual_name}" if k == 0 else ""] + row)
    return Table("Per unit (blocked time in model time; CPU and waits as measured)",
                 ["unit", "metric", "expected", "actual", "OS counters (actual)"], rows,
                 frozenset({2, 3}))
