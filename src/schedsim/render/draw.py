"""Drawing one trace as lanes on one axes: states, emits, cause arrows.

:func:`draw_trace` is used by every Gantt-like view (one trace, two traces
stacked, per-CPU lanes); it returns a :class:`Drawn` so a caller can join
points across axes (matched emits) afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from matplotlib import transforms

from ..errors import RenderError
from ..trace import STATES, Interval, Trace, unit_states
from ..trace.perfetto import cpu_slices
from .cpu import draw_cpus
from .density import bursts
from .labels import Measure
from .lanes import LANE, Lane, layout, total_height
from .marks import draw_arrows, draw_emits
from .style import FONT_SIZE, Theme
from .timeaxis import model_ns

HAIRLINE_PX = 2.0   # bars narrower than this are drawn as a hairline so they stay visible


@dataclass
class Drawn:
    """What was drawn for one trace: its lanes and where each emit marker sits."""

    trace: Trace
    ax: object
    rows: list[Lane]
    factor: float
    tag: str = "t0"
    name_size: float = FONT_SIZE - 1
    label_size: float = FONT_SIZE - 2
    states: set = field(default_factory=set)
    emits: dict[int, tuple[float, float]] = field(default_factory=dict)
    arrows: set = field(default_factory=set)
    divergent: set = field(default_factory=set)

    @property
    def lanes(self) -> dict[int, Lane]:
        """Unit id → its lane (process header rows included)."""
        return {lane.unit.id: lane for lane in self.rows if lane.unit is not None}

    @property
    def cpu_lanes(self) -> dict[int, Lane]:
        """CPU number → its lane."""
        return {lane.cpu: lane for lane in self.rows if lane.cpu is not None}

    def x(self, t: float) -> float:
        """Trace time (ns) → x axis value (model time in the axis unit)."""
        return model_ns(self.trace, t) / self.factor


@dataclass
class Prepared:
    """A trace and what drawing it needs, computed once: states, CPU slices, lanes."""

    trace: Trace
    intervals: list[Interval]
    per_cpu: dict[int, list[Interval]]
    lanes: list[Lane]

    @property
    def height(self) -> float:
        """Total height of the lanes (to size stacked axes)."""
        return total_height(self.lanes)


def prepare(trace: Trace, cpus: bool = False) -> Prepared:
    """State intervals, CPU slices (if ``cpus``) and lanes of ``trace``."""
    intervals = unit_states(trace)
    per_cpu = cpu_slices(trace, intervals) if cpus else {}
    if cpus and not per_cpu:
        raise RenderError("per-CPU lanes need CPU numbers, and this trace has none "
                          "(its run events carry no 'cpu' field)")
    return Prepared(trace, intervals, per_cpu, layout(trace, list(per_cpu)))


def _visible(iv: Interval, d: Drawn, lo: float, hi: float) -> bool:
    return d.x(iv.end) >= lo and d.x(iv.start) <= hi


def draw_states(d: Drawn, th: Theme, intervals: list[Interval]) -> None:
    """Paint each unit's state intervals as bars in the fixed palette.

    Switches narrower than a pixel also get a hairline per short burst, so
    they stay visible; a long dense run shows at its true width only.
    """
    ax = d.ax
    lo, hi = ax.get_xlim()
    px_per_x = ax.get_window_extent().width / (hi - lo)
    bars: dict[tuple[int, str], list] = {}
    slivers: dict[int, list[float]] = {}
    lanes = d.lanes
    for iv in intervals:
        lane = lanes.get(iv.unit)
        if lane is None or lane.header or not _visible(iv, d, lo, hi):
            continue
        x0, x1 = d.x(iv.start), d.x(iv.end)
        bars.setdefault((iv.unit, iv.state), []).append((x0, x1 - x0))
        d.states.add(iv.state)
        if iv.state == "switching" and (x1 - x0) * px_per_x < HAIRLINE_PX:
            slivers.setdefault(iv.unit, []).append(x0)
    for (unit, state), spans in bars.items():
        y, h = lanes[unit].bar
        ax.broken_barh(spans, (y, h), facecolors=th.states[state], linewidth=0, zorder=2,
                       gid=f"{d.tag}-state-{unit}-{state}")
    hair = [(xs[k], lanes[unit]) for unit, xs in slivers.items()
            for k in bursts([x * px_per_x for x in xs])]
    if hair:
        ax.vlines([x for x, _ in hair], [ln.bar[0] for _, ln in hair],
                  [ln.bar[0] + ln.bar[1] for _, ln in hair], colors=th.states["switching"],
                  linewidth=1.4, zorder=3, gid=f"{d.tag}-hairline-switching")


def draw_lane_frames(d: Drawn, th: Theme, measure: Measure, left_px: float) -> None:
    """Lane names at the left (indented by depth) and shading per process group."""
    ax = d.ax
    to_axes = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    width_px = ax.get_window_extent().width
    shade = False
    for lane in d.rows:
        if lane.group:
            shade = not shade
        if shade and lane.unit is not None:
            ax.axhspan(lane.top, lane.top + lane.height, color=th.shade, zorder=0, lw=0)
        x_px = -left_px + 12 + 22 * lane.depth
        room = left_px - 24 - 22 * lane.depth
        runs = measure.fit([(lane.label, None, lane.header)], room)
        text = "".join(r[0] for r in runs)
        y = lane.top + lane.height / 2 if lane.header else lane.mid
        ax.text(x_px / width_px, y, text, transform=to_axes, ha="left", va="center",
                fontsize=d.name_size, fontweight="bold" if lane.header else "normal",
                fontstyle="italic" if lane.unit and lane.unit.kind == "coroutine" else "normal",
                color=th.ink, clip_on=False, gid=f"{d.tag}-{_lane_id(lane)}")


def _lane_id(lane: Lane) -> str:
    return f"cpu-{lane.cpu}" if lane.cpu is not None else f"lane-{lane.unit.id}"


def draw_trace(ax, prep: Prepared, th: Theme, measure: Measure, *, left_px: float,
               factor: float, xlim: tuple[float, float], divergent=frozenset(),
               tag: str = "t0") -> Drawn:
    """Draw a prepared trace on ``ax``: frames, states, CPU lanes, arrows, emits."""
    trace, lanes, height = prep.trace, prep.lanes, prep.height or 1.0
    ax.set_xlim(*xlim)
    ax.set_ylim(height, 0)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color=th.faint, alpha=0.35, linewidth=0.7, zorder=1)
    ax.set_axisbelow(True)
    d = Drawn(trace, ax, lanes, factor, tag)
    d.name_size, d.label_size = text_sizes(ax, height)
    draw_lane_frames(d, th, measure, left_px)
    draw_states(d, th, prep.intervals)
    if prep.per_cpu:
        draw_cpus(d, th, measure, prep.per_cpu)
    draw_arrows(d, th)
    draw_emits(d, th, measure, divergent)
    return d


def text_sizes(ax, height: float) -> tuple[float, float]:
    """Font sizes (pt) of lane names and emit labels: full size unless lanes are thin.

    With many lanes a lane gets thinner than the text; names then shrink to
    fit their lane (not below 7 pt) instead of running into each other.
    """
    lane_pt = ax.get_window_extent().height / height * LANE * 72 / ax.figure.dpi
    name = max(7.0, min(FONT_SIZE - 1, 0.6 * lane_pt))
    return name, max(7.0, min(FONT_SIZE - 2, 0.45 * lane_pt))


def left_margin(preps: list[Prepared], measure: Measure) -> float:
    """Pixels needed at the left for the widest lane name (indent included)."""
    widest = measure.width("CPU 00")
    for prep in preps:
        for lane in prep.lanes:
            widest = max(widest, measure.width(lane.label, lane.header) + 22 * lane.depth)
    return math.ceil(widest + 40)


def state_order(states: set) -> list[str]:
    """The drawn states in legend order."""
    return [s for s in STATES if s in states]
