"""The Gantt timeline: one trace, or two stacked on a shared model-time axis."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from ..trace import Trace
from .canvas import axes_stack, legend, new_figure, styled
from .draw import Drawn, draw_trace, lane_heights, left_margin, state_order
from .output import output_format, save_figure
from .style import Theme, theme as get_theme
from .timeaxis import model_ns, parse_window, pick_unit


def describe(trace: Trace) -> str:
    """A short name for where a trace came from: scenario or program, and its source."""
    prod = trace.header.producer or {}
    what = prod.get("scenario") or prod.get("program") or prod.get("name") or ""
    if isinstance(what, (list, tuple)):
        what = " ".join(map(str, what))
    scale = trace.header.time_scale
    note = f", sleeps ×{scale:g} shown in model time" if scale != 1.0 else ""
    return f"{trace.header.source}: {what}{note}" if what else f"{trace.header.source}{note}"


def _xrange(traces: list[Trace], window) -> tuple[float, float]:
    if window is not None:
        return window
    end = max(model_ns(t, t.duration) for t in traces) or 1.0
    return -0.01 * end, 1.02 * end


def legend_handles(th: Theme, drawn: list[Drawn], extra=()) -> list:
    """Legend entries for what was actually drawn: states, emits, arrows, extras."""
    states = set().union(*(d.states for d in drawn))
    handles = [Patch(color=th.states[s], label=s.replace("_", "-")) for s in state_order(states)]
    if any(d.emits for d in drawn):
        handles.append(Line2D([], [], marker="v", color=th.emit, linestyle="none",
                              markersize=8, label="emit (printed line)"))
    arrows = set().union(*(d.arrows for d in drawn))
    if "send" in arrows:
        handles.append(Line2D([], [], color=th.send, linewidth=1.6, label="send → receive"))
    if "wake" in arrows:
        handles.append(Line2D([], [], color=th.wake, linewidth=1.6, linestyle="--",
                              label="wake-up"))
    return handles + list(extra)


def draw_stack(fig, measure, traces: list[Trace], th: Theme, *, window, title,
               divergent=frozenset()) -> list[Drawn]:
    """Draw ``traces`` one above the other on a shared model-time axis."""
    xlim_ns = _xrange(traces, window)
    unit, factor = pick_unit(xlim_ns[1] - max(xlim_ns[0], 0))
    left = left_margin(traces, measure)
    axes = axes_stack(fig, [lane_heights(t) for t in traces], left, title=bool(title),
                      subtitles=len(traces) > 1)
    drawn = []
    for n, (ax, trace) in enumerate(zip(axes, traces)):
        d = draw_trace(ax, trace, th, measure, left_px=left, factor=factor,
                       xlim=(xlim_ns[0] / factor, xlim_ns[1] / factor), divergent=divergent,
                       tag=f"t{n}")
        if len(traces) > 1:
            ax.set_title(describe(trace), loc="left", color=th.ink, fontsize=14)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 2.5, 5, 10]))
        fmt = ScalarFormatter(useOffset=False)
        fmt.set_scientific(False)
        ax.xaxis.set_major_formatter(fmt)
        drawn.append(d)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel(f"time ({unit})")
    if title:
        fig.suptitle(title, x=0.01, ha="left", color=th.ink, fontweight="bold")
    return drawn


def render_gantt(trace: Trace, out: str | os.PathLike, *, against: Trace | None = None,
                 title: str | None = None, window=None, theme: str | Theme = "light",
                 aspect: str = "16:9", divergent=()) -> Path:
    """Draw a Gantt timeline of ``trace`` to ``out`` (.svg, .png or .pdf); returns the path.

    A lane per unit (process → thread → coroutine), state bars in the fixed
    palette, emits as labelled markers, arrows for send→receive and wake-ups.
    ``against``: a second trace drawn below on the same model-time axis.
    ``window``: ``(start, end)`` in model time (numbers are ns; strings like
    ``"1.5s"``) or ``"1s:2s"``.  ``divergent``: emit labels drawn in red.
    """
    output_format(out)
    th = get_theme(theme)
    traces = [trace] + ([against] if against is not None else [])
    if title is None and against is None:
        title = describe(trace)
    with styled(th):
        fig, measure = new_figure(aspect)
        drawn = draw_stack(fig, measure, traces, th, window=parse_window(window), title=title,
                           divergent=frozenset(divergent))
        legend(fig, legend_handles(th, drawn), th)
        return save_figure(fig, out)
