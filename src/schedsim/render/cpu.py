"""CPU lanes: who was on each CPU, with switch slivers at their true cost."""

from __future__ import annotations

from matplotlib.font_manager import FontProperties

from ..trace import Interval, Trace
from ..trace.perfetto import cpu_slices
from .style import FONT_SIZE, Theme

HAIRLINE_PX = 2.0


def trace_cpus(trace: Trace) -> list[int]:
    """The CPUs the trace records work on, in order."""
    return list(cpu_slices(trace))


def draw_cpus(d, th: Theme, measure, per_cpu: dict[int, list[Interval]]) -> None:
    """Bars per CPU coloured by state (running / switching), named by the unit on them."""
    ax = d.ax
    lo, hi = ax.get_xlim()
    px_per_x = ax.get_window_extent().width / (hi - lo)
    prop = FontProperties(size=FONT_SIZE - 3, weight="bold")
    for cpu, lane in d.cpu_lanes.items():
        y, h = lane.bar
        spans: dict[str, list] = {}
        hair: list[float] = []
        for iv in per_cpu.get(cpu, ()):
            x0, x1 = d.x(iv.start), d.x(iv.end)
            if x1 < lo or x0 > hi:
                continue
            spans.setdefault(iv.state, []).append((x0, x1 - x0))
            d.states.add(iv.state)
            width_px = (min(x1, hi) - max(x0, lo)) * px_per_x
            if iv.state == "switching" and width_px < HAIRLINE_PX:
                hair.append(x0)
            elif iv.state == "running":
                _name(ax, d.trace.units[iv.unit].name, max(x0, lo), min(x1, hi), width_px,
                      lane.mid, prop, measure, th)
        for state, xs in spans.items():
            ax.broken_barh(xs, (y, h), facecolors=th.states[state], edgecolors=th.page,
                           linewidth=0.4, zorder=2, gid=f"{d.tag}-cpu-{cpu}-{state}")
        if hair:
            ax.vlines(hair, y, y + h, colors=th.states["switching"], linewidth=1.4, zorder=3,
                      gid=f"{d.tag}-cpu-{cpu}-hairline")


def _name(ax, name: str, x0: float, x1: float, width_px: float, y: float, prop, measure,
          th: Theme) -> None:
    """The unit's name centred in its slice, when the slice is wide enough."""
    w, _, _ = measure.renderer.get_text_width_height_descent(name, prop, ismath=False)
    if w + 8 <= width_px:
        ax.text((x0 + x1) / 2, y, name, ha="center", va="center", fontproperties=prop,
                color=th.on_bar, zorder=4, clip_on=True)
