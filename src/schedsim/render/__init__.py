"""Diagrams for slides: Gantt timelines (per unit, per CPU, sim vs real), graphs.

Every renderer takes traces (``schedsim.trace.Trace``) and an output path
whose extension picks the format (.svg, .png, .pdf); outputs are written
atomically and are the same bytes for the same input.
"""

from .gantt import describe, render_gantt
from .output import FORMATS
from .style import ASPECTS, THEMES
from .timeaxis import parse_time, parse_window

__all__ = ["render_gantt", "describe", "FORMATS", "ASPECTS", "THEMES", "parse_time",
           "parse_window"]
