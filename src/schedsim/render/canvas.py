"""The page a diagram is drawn on: figure, margins, axes, title and legend.

Figures are made without pyplot (no global state) and laid out with fixed
margins computed from measured text, so positions are known before
drawing and the output is the same every time.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .fonts import font_families
from .labels import Measure
from .style import FONT_SIZE, Theme, page_size, rc_params

LEGEND_IN = 1.35   # height kept under the axes for the x label and a two-row legend
TITLE_IN = 0.55    # height of the figure title
SUBTITLE_IN = 0.45  # height of each axes' own title when there are several
RIGHT_IN = 0.45    # room right of the axes for the last tick label


@contextlib.contextmanager
def styled(th: Theme) -> Iterator[None]:
    """matplotlib settings for drawing *and saving* a diagram in theme ``th``.

    CJK fonts rarely have a bold face; matplotlib's note that it used the
    regular one instead is silenced while drawing.
    """
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with matplotlib.rc_context(rc_params(th, font_families())):
            yield
    finally:
        log.setLevel(level)


def new_figure(aspect: str) -> tuple[Figure, Measure]:
    """A figure of the slide size and a text measurer bound to its renderer."""
    fig = Figure(figsize=page_size(aspect))
    FigureCanvasAgg(fig)
    return fig, Measure(fig.canvas.get_renderer(), FONT_SIZE - 1)


def axes_stack(fig: Figure, heights: list[float], left_px: float, *, title: bool,
               subtitles: bool, legend: bool = True) -> list:
    """Axes one above the other, sharing x, with heights proportional to ``heights``."""
    w_in, h_in = fig.get_size_inches()
    top = 1 - (TITLE_IN / h_in if title else 0.2 / h_in)
    bottom = (LEGEND_IN if legend else 0.6) / h_in
    sub = SUBTITLE_IN / h_in if subtitles else 0.0
    usable = top - bottom - sub * len(heights)
    left = min(max(left_px / (w_in * fig.dpi), 0.06), 0.32)
    total = sum(heights) or 1.0
    axes, y = [], top
    for h in heights:
        y -= sub
        frac = usable * h / total
        ax = fig.add_axes((left, y - frac, 1 - RIGHT_IN / w_in - left, frac),
                          sharex=axes[0] if axes else None)
        axes.append(ax)
        y -= frac
    return axes


def legend(fig: Figure, handles: list, th: Theme) -> None:
    """A legend centred under the plot, in at most two rows."""
    if not handles:
        return
    ncol = len(handles) if len(handles) <= 5 else (len(handles) + 1) // 2
    fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False,
               bbox_to_anchor=(0.5, 0.005), handlelength=1.6, columnspacing=1.4,
               labelcolor=th.ink)
