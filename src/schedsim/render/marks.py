"""What is drawn over the state bars: emit markers with labels, cause arrows.

Up to a few hundred of each are drawn one by one (labels placed to stay
legible, arrows with heads); beyond that, markers and arrows are drawn in
bulk (one artist per lane or kind, no labels) so big traces stay fast.
"""

from __future__ import annotations

from matplotlib import transforms
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyArrowPatch

from ..trace import links
from .density import thinned
from .labels import Measure, place, segments
from .lanes import Lane
from .style import Theme

MAX_LABELLED = 300  # visible emits beyond which labels are left out
MAX_ARROWS = 300    # visible cause links beyond which arrows lose their heads


def _visible_emits(d) -> dict[int, list[tuple[float, int]]]:
    lo, hi = d.ax.get_xlim()
    lanes = d.lanes
    per_lane: dict[int, list[tuple[float, int]]] = {}
    for i in d.trace.indices("emit"):
        ev = d.trace[i]
        x = d.x(ev.t)
        if ev.unit in lanes and lo <= x <= hi:
            per_lane.setdefault(ev.unit, []).append((x, i))
    for items in per_lane.values():
        items.sort()
    return per_lane


def draw_emits(d, th: Theme, measure: Measure, divergent=frozenset()) -> None:
    """Emit markers on their lanes; labels staggered above the bar when not too many."""
    per_lane = _visible_emits(d)
    if sum(map(len, per_lane.values())) > MAX_LABELLED:
        for unit, items in per_lane.items():
            _bulk_markers(d, th, d.lanes[unit], items, divergent)
        return
    small = Measure(measure.renderer, d.label_size)
    for unit, items in per_lane.items():
        _labelled(d, th, small, d.lanes[unit], items, divergent)


def _bulk_markers(d, th: Theme, lane: Lane, items, divergent) -> None:
    y = lane.bar[0]
    for bad in (False, True):
        xs = [x for x, i in items if (d.trace[i].label in divergent) == bad]
        if xs:
            d.ax.plot(xs, [y] * len(xs), marker="X" if bad else "v", linestyle="none",
                      markersize=9 if bad else 7, color=th.divergent if bad else th.emit,
                      zorder=5, gid=f"{d.tag}-{'divergent' if bad else 'emit'}s-{lane.unit.id}")
    for x, i in items:
        d.emits[i] = (x, y)
        if d.trace[i].label in divergent:
            d.divergent.add(i)


def _label_rows(ax, lane: Lane, size: float) -> tuple[int, float]:
    """How many label rows fit above a lane's bar, and a row's height in data units."""
    px_per_y = ax.get_window_extent().height / abs(ax.get_ylim()[0] - ax.get_ylim()[1])
    row_px = 1.35 * size * ax.figure.dpi / 72
    free_px = (lane.bar[0] - lane.top) * px_per_y - 2
    return max(1, min(3, int(free_px // row_px))), row_px / px_per_y


def _labelled(d, th: Theme, small: Measure, lane: Lane, items, divergent) -> None:
    """One marker per emit and its label, placed by :func:`~.labels.place`."""
    ax = d.ax
    right_px = ax.transData.transform((ax.get_xlim()[1], 0))[0]
    runs = [segments(d.trace[i].label or "", d.trace[i].style, th.ansi) for _, i in items]
    xs_px = [ax.transData.transform((x, 0))[0] + 3 for x, _ in items]
    rows, row_h = _label_rows(ax, lane, small.plain.get_size_in_points())
    spots = place(xs_px, [small.runs_width(r) for r in runs], rows, right_px)
    for (x, i), run, spot in zip(items, runs, spots):
        bad = d.trace[i].label in divergent
        y_bar = lane.bar[0]
        ax.plot([x], [y_bar], marker="X" if bad else "v", markersize=9 if bad else 8,
                color=th.divergent if bad else th.emit, zorder=5, linestyle="none",
                gid=f"{d.tag}-{'divergent' if bad else 'emit'}-{i}")
        d.emits[i] = (x, y_bar)
        if bad:
            d.divergent.add(i)
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
        ax.text(x, y, text, transform=tr, ha="left", va="bottom",
                fontsize=measure.plain.get_size_in_points(),
                color=color or ink, fontweight="bold" if bold else "normal", zorder=6,
                clip_on=False, gid=f"{gid}-{n}")
        offset_px += measure.width(text, bold)


def _visible_links(d) -> list[tuple[int, int, bool]]:
    """(source event, destination unit, is a wake-up) per drawable cause link."""
    lo, hi = d.ax.get_xlim()
    lanes = d.lanes
    seen: set[tuple[int, int]] = set()
    out = []
    for link in links(d.trace):
        src, dst = d.trace[link.src], d.trace[link.dst]
        key = (link.src, dst.unit)
        if key in seen or src.unit == dst.unit or src.unit not in lanes or dst.unit not in lanes:
            continue
        if d.x(dst.t) < lo or d.x(src.t) > hi:
            continue
        seen.add(key)
        out.append((link.src, link.dst, dst.kind == "wake"))
    return out


def draw_arrows(d, th: Theme) -> None:
    """An arrow per cause link between two lanes (one per sending event and lane).

    Beyond :data:`MAX_ARROWS` they are drawn in bulk without heads, and
    thinned so that links between the same two lanes stay apart.
    """
    found = _visible_links(d)
    if len(found) > MAX_ARROWS:
        _bulk_arrows(d, th, found)
        return
    lanes = d.lanes
    for src_i, dst_i, wake in found:
        src, dst = d.trace[src_i], d.trace[dst_i]
        d.arrows.add("wake" if wake else "send")
        d.ax.add_patch(FancyArrowPatch(
            (d.x(src.t), lanes[src.unit].mid), (d.x(dst.t), lanes[dst.unit].mid),
            arrowstyle="-|>", mutation_scale=13, linewidth=1.3,
            color=th.wake if wake else th.send, linestyle="--" if wake else "-",
            shrinkA=0, shrinkB=1, zorder=4,
            gid=f"{d.tag}-{'wake' if wake else 'send'}-{src_i}-{dst.unit}"))


def _bulk_arrows(d, th: Theme, found) -> None:
    lanes = d.lanes
    lo, hi = d.ax.get_xlim()
    px_per_x = d.ax.get_window_extent().width / (hi - lo)
    groups: dict[tuple[int, int, bool], list] = {}
    for src_i, dst_i, wake in found:
        src, dst = d.trace[src_i], d.trace[dst_i]
        seg = ((d.x(src.t), lanes[src.unit].mid), (d.x(dst.t), lanes[dst.unit].mid))
        groups.setdefault((src.unit, dst.unit, wake), []).append(seg)
    segs: dict[bool, list] = {False: [], True: []}
    for (_, _, wake), items in groups.items():
        items.sort()
        keep = thinned([a[0] * px_per_x for a, _ in items])
        segs[wake] += [seg for seg, k in zip(items, keep) if k]
    for wake, lines in segs.items():
        if lines:
            d.arrows.add("wake" if wake else "send")
            d.ax.add_collection(LineCollection(
                lines, colors=th.wake if wake else th.send, linewidths=0.9, zorder=4,
                linestyles="--" if wake else "-", gid=f"{d.tag}-{'wake' if wake else 'send'}s"))
