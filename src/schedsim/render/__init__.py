"""Diagrams for slides: Gantt timelines (per unit, per CPU, sim vs real), graphs.

Every renderer takes a trace (``schedsim.trace.Trace``) and an output path
whose extension picks the format (.svg, .png, .pdf); outputs are written
atomically.  Gantt charts are the same bytes for the same input; graphs
are laid out by graphviz (``dot=True`` also writes ``OUT.dot``).
"""

from .gantt import describe, render_gantt
from .hbgraph import render_hb
from .output import FORMATS
from .style import ASPECTS, THEMES
from .switches import render_switches
from .timeaxis import parse_time, parse_window
from .topology import render_topology

__all__ = ["render_gantt", "render_hb", "render_topology", "render_switches", "describe",
           "FORMATS", "ASPECTS", "THEMES", "parse_time", "parse_window"]
