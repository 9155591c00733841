"""Drawing one trace as lanes on one axes: states, emits, cause arrows.

:func:`draw_trace` is used by every Gantt-like view (one trace, two traces
stacked, per-CPU lanes); it returns a :class:`Drawn` so a caller can join
points across axes (matched emits) afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from matplotlib import transforms
from matplotlib.patches import FancyArrowPatch

from ..trace import STATES, Interval, Trace, links, unit_states
from .labels import Measure, place, segments
from .lanes import Lane, layout, total_height
from .style import FONT_SIZE, Theme
from .timeaxis import model_ns

LABEL_SIZE = FONT_SIZE - 2
HAIRLINE_PX = 2.0   # bars narrower than this are drawn as a hairline so they stay visible
MAX_ARROWS = 2000


@dataclass
class Drawn:
    """What was drawn for one trace: its lanes and where each emit marker sits."""

    trace: Trace
    ax: object
    lanes: dict[int, Lane]
    factor: float
    tag: str = "t0"
    states: set = field(default_factory=set)
    emits: dict[int, tuple[float, float]] = field(default_factory=dict)
    arrows: set = field(default_factory=set)

    def x(self, t: float) -> float:
        """Trace time (ns) → x axis value (model time in the axis unit)."""
        return model_ns(self.trace, t) / self.factor


def lane_heights(trace: Trace) -> float:
    """Total height of a trace's lanes (to size stacked axes)."""
    return total_height(layout(trace))


def _visible(iv: Interval, d: Drawn, lo: float, hi: float) -> bool:
    return d.x(iv.end) >= lo and d.x(iv.start) <= hi


def draw_states(d: Drawn, th: Theme, intervals: list[Interval]) -> None:
    """Paint each unit's state intervals as bars in the fixed palette."""
    ax = d.ax
    lo, hi = ax.get_xlim()
    px_per_x = ax.get_window_extent().width / (hi - lo)
    bars: dict[tuple[int, str], list] = {}
    hair: dict[str, list] = {}
    for iv in intervals:
        lane = d.lanes.get(iv.unit)
        if lane is None or lane.header or not _visible(iv, d, lo, hi):
            continue
        x0, x1 = d.x(iv.start), d.x(iv.end)
        bars.setdefault((iv.unit, iv.state), []).append((x0, x1 - x0))
        d.states.add(iv.state)
        if iv.state == "switching" and (x1 - x0) * px_per_x < HAIRLINE_PX:
            hair.setdefault(iv.state, []).append((x0, lane))
    for (unit, state), spans in bars.items():
        y, h = d.lanes[unit].bar
        ax.broken_barh(spans, (y, h), facecolors=th.states[state], linewidth=0, zorder=2,
                       gid=f"{d.tag}-state-{unit}-{state}")
    for state, marks in hair.items():
        ax.vlines([x for x, _ in marks], [ln.bar[0] for _, ln in marks],
                  [ln.bar[0] + ln.bar[1] for _, ln in marks], colors=th.states[state],
                  linewidth=1.4, zorder=3, gid=f"{d.tag}-hairline-{state}")


def draw_lane_frames(d: Drawn, th: Theme, measure: Measure, left_px: float) -> None:
    """Lane names at the left (indented by depth) and shading per process group."""
    ax = d.ax
    to_axes = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    width_px = ax.get_window_extent().width
    shade = False
    for lane in d.lanes.values():
        if lane.unit.kind == "process":
            shade = not shade
        if shade:
            ax.axhspan(lane.top, lane.top + lane.height, color=th.shade, zorder=0, lw=0)
        x_px = -left_px + 12 + 22 * lane.depth
        room = left_px - 24 - 22 * lane.depth
        runs = measure.fit([(lane.label, None, lane.header)], room)
        text = "".join(r[0] for r in runs)
        y = lane.top + lane.height / 2 if lane.header else lane.mid
        ax.text(x_px / width_px, y, text, transform=to_axes, ha="left", va="center",
                fontsize=FONT_SIZE - 1, fontweight="bold" if lane.header else "normal",
                fontstyle="italic" if lane.unit.kind == "coroutine" else "normal",
                color=th.ink, clip_on=False, gid=f"{d.tag}-lane-{lane.unit.id}")


def _label_rows(ax, lane: Lane) -> tuple[int, float]:
    """How many label rows fit above a lane's bar, and a row's height in data units."""
    px_per_y = ax.get_window_extent().height / abs(ax.get_ylim()[0] - ax.get_ylim()[1])
    row_px = 1.35 * LABEL_SIZE * ax.figure.dpi / 72
    free_px = (lane.bar[0] - lane.top) * px_per_y - 2
    return max(1, min(3, int(free_px // row_px))), row_px / px_per_y


def draw_emits(d: Drawn, th: Theme, measure: Measure, divergent=frozenset()) -> None:
    """Emit markers on their lanes with labels staggered above the bar."""
    ax = d.ax
    lo, hi = ax.get_xlim()
    small = Measure(measure.renderer, LABEL_SIZE)
    per_lane: dict[int, list[tuple[float, int]]] = {}
    for i in d.trace.indices("emit"):
        ev = d.trace[i]
        x = d.x(ev.t)
        if ev.unit in d.lanes and lo <= x <= hi:
            per_lane.setdefault(ev.unit, []).append((x, i))
    right_px = ax.transData.transform((hi, 0))[0]
    for unit, items in per_lane.items():
        lane = d.lanes[unit]
        items.sort()
        runs = [segments(d.trace[i].label or "", d.trace[i].style, th.ansi) for _, i in items]
        xs_px = [ax.transData.transform((x, 0))[0] + 3 for x, _ in items]
        rows, row_h = _label_rows(ax, lane)
        spots = place(xs_px, [small.runs_width(r) for r in runs], rows, right_px)
        for (x, i), run, spot in zip(items, runs, spots):
            bad = d.trace[i].label in divergent
            color = th.divergent if bad else th.emit
            y_bar = lane.bar[0]
            ax.plot([x], [y_bar], marker="X" if bad else "v", markersize=9 if bad else 8,
                    color=color, zorder=5, linestyle="none",
                    gid=f"{d.tag}-{'divergent' if bad else 'emit'}-{i}")
            d.emits[i] = (x, y_bar)
            y_text = y_bar - 0.04 * lane.height - spot.row * row_h
            if spot.row:
                ax.plot([x, x], [y_bar, y_text], color=th.faint, linewidth=0.8, zorder=4)
            if spot.width > 0:
                x_text = ax.transData.inverted().transform((spot.start, 0))[0]
                _styled_text(ax, x_text, y_text, small.fit(run, spot.width), small,
                             th.divergent if bad else th.ink, f"{d.tag}-label-{i}")


def _styled_text(ax, x: float, y: float, runs, measure: Measure, ink: str, gid: str) -> None:
    """Draw (text, colour, bold) runs end to end starting at data point (x, y)."""
    dpi = ax.figure.dpi
    offset_px = 0.0
    for n, (text, color, bold) in enumerate(runs):
        tr = transforms.offset_copy(ax.transData, fig=ax.figure, x=offset_px * 72 / dpi,
                                    units="points")
        ax.text(x, y, text, transform=tr, ha="left", va="bottom", fontsize=LABEL_SIZE,
                color=color or ink, fontweight="bold" if bold else "normal", zorder=6,
                clip_on=False, gid=f"{gid}-{n}")
        offset_px += measure.width(text, bold)


def draw_arrows(d: Drawn, th: Theme) -> None:
    """An arrow for each cause link between two lanes (one per sending event and lane)."""
    ax = d.ax
    lo, hi = ax.get_xlim()
    seen: set[tuple[int, int]] = set()
    for link in links(d.trace):
        src, dst = d.trace[link.src], d.trace[link.dst]
        key = (link.src, dst.unit)
        if key in seen or src.unit == dst.unit or len(seen) >= MAX_ARROWS:
            continue
        if src.unit not in d.lanes or dst.unit not in d.lanes:
            continue
        xa, xb = d.x(src.t), d.x(dst.t)
        if xb < lo or xa > hi:
            continue
        seen.add(key)
        wake = dst.kind == "wake"
        d.arrows.add("wake" if wake else "send")
        ax.add_patch(FancyArrowPatch(
            (xa, d.lanes[src.unit].mid), (xb, d.lanes[dst.unit].mid), arrowstyle="-|>",
            mutation_scale=13, linewidth=1.3, color=th.wake if wake else th.send,
            linestyle="--" if wake else "-", shrinkA=0, shrinkB=1, zorder=4,
            gid=f"{d.tag}-{'wake' if wake else 'send'}-{link.src}-{dst.unit}"))


def draw_trace(ax, trace: Trace, th: Theme, measure: Measure, *, left_px: float,
               factor: float, xlim: tuple[float, float], divergent=frozenset(),
               tag: str = "t0") -> Drawn:
    """Draw ``trace`` on ``ax``: frames, states, arrows, emits (in that z order)."""
    lanes = layout(trace)
    height = total_height(lanes)
    ax.set_xlim(*xlim)
    ax.set_ylim(height, 0)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color=th.faint, alpha=0.35, linewidth=0.7, zorder=1)
    ax.set_axisbelow(True)
    d = Drawn(trace, ax, {lane.unit.id: lane for lane in lanes}, factor, tag)
    draw_lane_frames(d, th, measure, left_px)
    draw_states(d, th, unit_states(trace))
    draw_arrows(d, th)
    draw_emits(d, th, measure, divergent)
    return d


def left_margin(traces: list[Trace], measure: Measure) -> float:
    """Pixels needed at the left for the widest lane name (indent included)."""
    widest = 0.0
    for trace in traces:
        for lane in layout(trace):
            widest = max(widest, measure.width(lane.label, lane.header) + 22 * lane.depth)
    return math.ceil(widest + 40)


def state_order(states: set) -> list[str]:
    """The drawn states in legend order."""
    return [s for s in STATES if s in states]
