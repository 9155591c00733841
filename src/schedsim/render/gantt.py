"""The Gantt timeline: one trace, or two stacked on a shared model-time axis."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionPatch, Patch
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from ..errors import RenderError
from ..trace import Trace
from .canvas import axes_stack, legend, new_figure, styled
from .draw import Drawn, draw_trace, left_margin, prepare, state_order
from .output import output_format, save_figure
from .style import Theme, theme as get_theme
from .timeaxis import model_ns, parse_window, pick_unit


def _short_path(text: str) -> str:
    """An absolute path under the working directory, made relative to it."""
    if os.path.isabs(text):
        rel = os.path.relpath(text)
        if not rel.startswith(".."):
            return rel
    return text


def describe(trace: Trace) -> str:
    """A short name for where a trace came from: scenario or program, and its source."""
    prod = trace.header.producer or {}
    what = prod.get("scenario") or prod.get("program") or prod.get("name") or ""
    if isinstance(what, (list, tuple)):
        what = " ".join(map(str, what))
    what = _short_path(str(what))
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


def _time_ticks(ax) -> None:
    """Round ticks (1, 2, 2.5, 5 × 10ⁿ), as plain numbers: no offset, no exponent."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=int(ax.figure.get_figwidth() * 0.7),
                                           steps=[1, 2, 2.5, 5, 10]))
    fmt = ScalarFormatter(useOffset=False)
    fmt.set_scientific(False)
    ax.xaxis.set_major_formatter(fmt)


def draw_stack(fig, measure, traces: list[Trace], th: Theme, *, window, title,
               divergent=frozenset(), cpus: bool = False) -> list[Drawn]:
    """Draw ``traces`` one above the other on a shared model-time axis."""
    xlim_ns = _xrange(traces, window)
    unit, factor = pick_unit(max(abs(xlim_ns[0]), abs(xlim_ns[1])))
    preps = [prepare(t, cpus) for t in traces]
    left = left_margin(preps, measure)
    axes = axes_stack(fig, [p.height or 1.0 for p in preps], left, title=bool(title),
                      subtitles=len(traces) > 1)
    drawn = []
    for n, (ax, prep) in enumerate(zip(axes, preps)):
        trace = prep.trace
        d = draw_trace(ax, prep, th, measure, left_px=left, factor=factor,
                       xlim=(xlim_ns[0] / factor, xlim_ns[1] / factor), divergent=divergent,
                       tag=f"t{n}")
        if len(traces) > 1:
            ax.set_title(describe(trace), loc="left", color=th.ink, fontsize=14)
        _time_ticks(ax)
        drawn.append(d)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel(f"time ({unit})")
    if title:
        fig.suptitle(title, x=0.01, ha="left", color=th.ink, fontweight="bold")
    return drawn


def join_matches(fig, a: Drawn, b: Drawn, matches, th: Theme) -> int:
    """Dotted lines joining matched emits of the upper and lower trace; returns how many."""
    drawn = 0
    for i_a, i_b in matches:
        if i_a in a.emits and i_b in b.emits:
            fig.add_artist(ConnectionPatch(
                a.emits[i_a], b.emits[i_b], coordsA=a.ax.transData, coordsB=b.ax.transData,
                color=th.match, linestyle=":", linewidth=1.2, zorder=1, gid=f"match-{i_a}-{i_b}"))
            drawn += 1
    return drawn


def _extras(th: Theme, drawn: list[Drawn], joined: int) -> list:
    extra = []
    if joined:
        extra.append(Line2D([], [], color=th.match, linestyle=":", linewidth=1.6,
                            label="matched emits"))
    if any(d.divergent for d in drawn):
        extra.append(Line2D([], [], marker="X", color=th.divergent, linestyle="none",
                            markersize=9, label="divergent"))
    return extra


def render_gantt(trace: Trace, out: str | os.PathLike, *, against: Trace | None = None,
                 title: str | None = None, window=None, theme: str | Theme = "light",
                 aspect: str = "16:9", cpus: bool = False, matches=(),
                 divergent=()) -> Path:
    """Draw a Gantt timeline of ``trace`` to ``out`` (.svg, .png or .pdf); returns the path.

    A lane per unit (process → thread → coroutine), state bars in the fixed
    palette, emits as labelled markers, arrows for send→receive and wake-ups.

    * ``against``: a second trace drawn below on the same model-time axis;
    * ``matches``: pairs ``(i, j)`` of emit indices in ``trace`` and
      ``against`` that correspond, joined by dotted lines;
    * ``divergent``: emit labels marked in red (in both traces);
    * ``cpus``: add a lane per CPU showing who ran there (switches at their cost);
    * ``window``: ``(start, end)`` in model time (numbers are seconds, strings
      may carry a unit: ``"1.5s"``, ``"200ms"``) or ``"1s:2s"``;
    * ``theme``: ``light`` or ``dark``; ``aspect``: ``16:9`` or ``4:3``.
    """
    output_format(out)
    th = get_theme(theme)
    if matches and against is None:
        raise RenderError("matches join emits of two traces: give the other one as 'against'")
    traces = [trace] + ([against] if against is not None else [])
    if title is None and against is None:
        title = describe(trace)
    with styled(th):
        fig, measure = new_figure(aspect)
        drawn = draw_stack(fig, measure, traces, th, window=parse_window(window), title=title,
                           divergent=frozenset(divergent), cpus=cpus)
        joined = join_matches(fig, *drawn, matches, th) if against is not None else 0
        legend(fig, legend_handles(th, drawn, _extras(th, drawn, joined)), th)
        return save_figure(fig, out)
