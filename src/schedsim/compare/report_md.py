"""The Markdown report: ``write_report(result, directory, diagrams)``.

Writes ``report.md`` (verdict first, failures, divergences, diagrams, then
tables) and ``comparison.json`` (the same as ``to_json()``) into
``directory``.  Diagram files given by the caller (the renderer makes them)
are embedded by a relative link; files outside ``directory`` are copied in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import CompareError
from ..fsutil import atomic_write_bytes, atomic_write_text
from .report_many import noise_table, runs_table, unit_spread_table
from .report_text import leftovers, makespan_line, startup_line
from .tables import Table, metrics_table, timing_table, units_table, worst_table


def md_table(t: Table) -> str:
    """A :class:`Table` as a Markdown table under a level-3 heading."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|") or " "

    align = ["---:" if i in t.right else "---" for i in range(len(t.headers))]
    lines = [f"### {t.title}", "", "| " + " | ".join(cell(h) for h in t.headers) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)


def _embed(directory: Path, diagrams: dict[str, Path]) -> list[str]:
    out = []
    for name, path in diagrams.items():
        path = Path(path)
        if not path.is_file():
            raise CompareError(f"diagram {name!r}: no such file {path}")
        try:
            rel = path.resolve().relative_to(directory.resolve())
        except ValueError:
            rel = Path(path.name)
            atomic_write_bytes(directory / rel, path.read_bytes())
        out.append(f"![{name}]({rel.as_posix()})")
    return out


def _one(c) -> list[str]:
    parts = [f"# Comparison: {c.verdict}", "",
             f"- expected: {c.expected.describe()}", f"- actual: {c.actual.describe()}",
             f"- {len(c.matches)} lines matched, {len(c.missing)} missing, {len(c.extra)} extra; "
             f"order checked {c.order.mode}; aligned at {c.align}"]
    if c.failures:
        parts += ["", "## Failures", ""] + [f"{i}. {f}" for i, f in enumerate(c.failures, 1)]
    left = leftovers(c)
    if left:
        parts += ["", "## Divergences", "", "```"] + left + ["```"]
    return parts


def _tables(c) -> list[Table]:
    return [worst_table(c), units_table(c), timing_table(c)] + (
        [metrics_table(c)] if c.unit_metrics else [])


def _many(m) -> list[str]:
    parts = [f"# Comparison: {m.verdict}", "",
             f"- expected: {m.runs[0].expected.describe()}",
             f"- actual: {len(m.runs)} run(s) of {m.runs[0].actual.describe()}"]
    if m.failures:
        parts += ["", "## Failures", ""] + [f"{i}. {f}" for i, f in enumerate(m.failures, 1)]
    return parts


def markdown(result, diagram_links: list[str]) -> str:
    """The report text for a Comparison or a ManyComparison."""
    many = hasattr(result, "runs")
    parts = _many(result) if many else _one(result)
    if diagram_links:
        parts += ["", "## Diagrams", ""] + [x + "\n" for x in diagram_links]
    tables = ([noise_table(result), runs_table(result), unit_spread_table(result)] if many
              else _tables(result))
    parts += ["", "## Figures"]
    for t in tables:
        if t.rows:
            parts += ["", md_table(t)]
    if not many:
        parts += ["", makespan_line(result)]
    else:
        for i, c in enumerate(result.runs, 1):
            parts += ["", f"## Run {i}: {c.verdict}", ""] + [f"- {f}" for f in c.failures]
            parts += ["", md_table(timing_table(c)), "", makespan_line(c), "", startup_line(c)]
    return "\n".join(parts) + "\n"


def write_report(result, directory: str | os.PathLike,
                 diagrams: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write ``report.md`` and ``comparison.json`` for ``result`` (a Comparison or a
    ManyComparison) into ``directory``, embedding ``diagrams`` ({title: file});
    returns the path of ``report.md``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    links = _embed(directory, {k: Path(v) for k, v in (diagrams or {}).items()})
    atomic_write_text(directory / "comparison.json",
                      json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n")
    report = directory / "report.md"
    atomic_write_text(report, markdown(result, links))
    return report
