"""CPU lanes: who was on each CPU, with switch slivers at their true cost."""

from __future__ import annotations

from matplotlib.font_manager import FontProperties

from ..trace import Interval, Trace
from ..trace.perfetto import cpu_slices
from .density import bursts
from .style import FONT_SIZE, Theme

HAIRLINE_PX = 2.0
MIN_NAME_PX = 16.0  # slices narrower than this never get a name
CPU_BAR_PX_PER_PT = 1.6  # names are written in CPU bars at least this many px per pt tall


def trace_cpus(trace: Trace) -> list[int]:
    """The CPUs the trace records work on, in order."""
    return list(cpu_slices(trace))


def _unit_changes(d, slices, lo: float, hi: float) -> list[float]:
    """Where one unit's slice directly follows another's on a CPU (x values)."""
    out = []
    for a, b in zip(slices, slices[1:]):
        x = d.x(b.start)
        if a.end == b.start and a.unit != b.unit and lo <= x <= hi:
            out.append(x)
    return out


class _Namer:
    """Writes a unit's name centred in its CPU slice when the slice is wide enough."""

    def __init__(self, d, th: Theme, measure) -> None:
        ax = d.ax
        self.ax, self.th, self.renderer = ax, th, measure.renderer
        size = min(FONT_SIZE - 3, d.name_size)
        self.prop = FontProperties(size=size, weight="bold")
        px_per_y = ax.get_window_extent().height / abs(ax.get_ylim()[0] - ax.get_ylim()[1])
        bar_px = min((lane.bar[1] * px_per_y for lane in d.cpu_lanes.values()), default=0.0)
        self.enabled = CPU_BAR_PX_PER_PT * size <= bar_px
        self.widths: dict[str, float] = {}
        self.names = d.trace.short_names()

    def __call__(self, unit: int, x0: float, x1: float, width_px: float, y: float) -> None:
        if not self.enabled or width_px < MIN_NAME_PX:
            return
        name = self.names[unit]
        if name not in self.widths:
            self.widths[name] = self.renderer.get_text_width_height_descent(
                name, self.prop, ismath=False)[0]
        if self.widths[name] + 8 <= width_px:
            self.ax.text((x0 + x1) / 2, y, name, ha="center", va="center",
                         fontproperties=self.prop, color=self.th.on_bar, zorder=4, clip_on=True)


def draw_cpus(d, th: Theme, measure, per_cpu: dict[int, list[Interval]]) -> None:
    """Bars per CPU coloured by state (running / switching), named by the unit on them."""
    namer = _Namer(d, th, measure)
    for cpu, lane in d.cpu_lanes.items():
        _cpu_lane(d, th, cpu, lane, per_cpu.get(cpu, ()), namer)


def _cpu_lane(d, th: Theme, cpu: int, lane, slices, namer: _Namer) -> None:
    ax = d.ax
    lo, hi = ax.get_xlim()
    px_per_x = ax.get_window_extent().width / (hi - lo)
    y, h = lane.bar
    spans: dict[str, list] = {}
    hair: list[float] = []
    for iv in slices:
        x0, x1 = d.x(iv.start), d.x(iv.end)
        if x1 < lo or x0 > hi:
            continue
        spans.setdefault(iv.state, []).append((x0, x1 - x0))
        d.states.add(iv.state)
        width_px = (min(x1, hi) - max(x0, lo)) * px_per_x
        if iv.state == "switching" and width_px < HAIRLINE_PX:
            hair.append(x0)
        elif iv.state == "running":
            namer(iv.unit, max(x0, lo), min(x1, hi), width_px, lane.mid)
    for state, xs in spans.items():
        ax.broken_barh(xs, (y, h), facecolors=th.states[state], linewidth=0, zorder=2,
                       gid=f"{d.tag}-cpu-{cpu}-{state}")
    cuts = _unit_changes(d, slices, lo, hi)
    cuts = [cuts[k] for k in bursts([x * px_per_x for x in cuts], span=0.0)]
    if cuts:
        ax.vlines(cuts, y, y + h, colors=th.page, linewidth=0.8, zorder=3)
    hair = [hair[k] for k in bursts([x * px_per_x for x in hair])]
    if hair:
        ax.vlines(hair, y, y + h, colors=th.states["switching"], linewidth=1.4, zorder=3,
                  gid=f"{d.tag}-cpu-{cpu}-hairline")
