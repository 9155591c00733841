"""The gallery's drawing half: a trace's diagram set, and the Markdown page.

:func:`draw_scenario` draws one trace's Gantt chart (with CPU lanes when the
trace knows its CPUs), topology, switch graph and happens-before graph;
:func:`write_page` writes the page embedding them with a line on what each
teaches.  Loading and simulating the scenarios is done above the layers, in
:func:`schedsim.gallery.build`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..fsutil import atomic_write_text
from ..trace import Trace
from . import captions
from .cpu import trace_cpus
from .gantt import render_gantt
from .hbgraph import render_hb
from .output import shrink_png
from .switches import render_switches, switch_counts
from .topology import render_topology


@dataclass
class Diagram:
    """One image of the gallery and the line saying what it teaches."""

    kind: str
    path: Path
    caption: str


@dataclass
class Entry:
    """A scenario's section: its name, file, description and diagrams."""

    name: str
    file: str
    description: str
    diagrams: list[Diagram] = field(default_factory=list)


@dataclass
class Gallery:
    """What :func:`build` made: entries, and scenarios that failed (file, message)."""

    entries: list[Entry]
    failures: list[tuple[str, str]]
    page: Path


def draw_scenario(trace: Trace, out_dir: str | os.PathLike, name: str, *, hb=None,
                  fmt: str = "png") -> list[Diagram]:
    """Render one trace's diagram set into ``out_dir``; returns the diagrams made.

    ``hb``: the trace's happens-before graph (``schedsim.compare.happens_before``);
    without it, or when fewer than two units print, that diagram is left out
    (the order of one unit's lines is just program order).  PNGs get a
    palette (:func:`~.output.shrink_png`) to stay small in a repository.
    """
    out_dir = Path(out_dir)
    cpus = bool(trace_cpus(trace))
    made = [Diagram("Gantt", render_gantt(trace, out_dir / f"{name}-gantt.{fmt}", cpus=cpus),
                    captions.gantt(trace)),
            Diagram("Topology", render_topology(trace, out_dir / f"{name}-topology.{fmt}"),
                    captions.topology(trace))]
    if switch_counts(trace):
        made.append(Diagram("Switches", render_switches(
            trace, out_dir / f"{name}-switches.{fmt}"), captions.switches(trace)))
    if hb is not None and len({trace[i].unit for i in trace.indices("emit")}) > 1:
        made.append(Diagram("Happens-before", render_hb(
            trace, hb, out_dir / f"{name}-hb.{fmt}"), captions.HB))
    if fmt == "png":
        for d in made:
            shrink_png(d.path)
    return made


def _one_line(message: str) -> str:
    lines = [ln.strip(" =>") for ln in message.splitlines() if ln.strip()]
    return " — ".join([lines[0], lines[-1]]) if len(lines) > 1 else (lines or [""])[0]


def markdown(entries: list[Entry], failures, page: Path, where: str = "scenarios") -> str:
    """The gallery page, image links relative to the page's directory."""
    lines = ["# Gallery", "",
             f"Every scenario in `{where}/`, simulated and drawn by "
             "`schedsim.gallery.build` (the test suite runs it too). "
             "Under each diagram, what it teaches.", ""]
    for e in entries:
        lines += [f"## {e.name}", "", f"`{where}/{e.file}`" + (
            f" — {e.description}" if e.description else ""), ""]
        for d in e.diagrams:
            rel = Path(os.path.relpath(d.path, page.parent)).as_posix()
            lines += [f"### {d.kind}", "", f"![{e.name}: {d.kind}]({rel})", "", d.caption, ""]
    if failures:
        lines += ["## Scenarios that could not be drawn", ""]
        lines += [f"- `{file}`: {_one_line(msg)}" for file, msg in failures] + [""]
    return "\n".join(lines)


def write_page(page: str | os.PathLike, entries: list[Entry], failures,
               where: str = "scenarios") -> Gallery:
    """Write the gallery page (atomically) and return what it shows."""
    page = Path(page)
    atomic_write_text(page, markdown(entries, failures, page, where))
    return Gallery(entries, list(failures), page)
