"""The switch graph: who switched to whom, how often, at what total cost.

Every ``switch`` event is an edge from the unit switched away from
(``peer``) to the unit switched to; edges are summed, labelled with their
count and total cost, drawn thicker the more often they happen, and
coloured by level (coroutine, thread, process).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from ..trace import Trace
from .clusters import add_clustered
from .dotout import human_ns, new_digraph, text, write_graph
from .style import Theme, theme as get_theme

UNKNOWN = "unknown"


def switch_counts(trace: Trace) -> dict[tuple[int | None, int, str], list[int]]:
    """(from unit or None, to unit, level) → [count, total cost in ns]."""
    out: dict[tuple[int | None, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for i in trace.indices("switch"):
        ev = trace[i]
        entry = out[(ev.peer, ev.unit, ev.level or UNKNOWN)]
        entry[0] += 1
        entry[1] += ev.cost or 0
    return dict(out)


def _level_colors(th: Theme) -> dict[str, str]:
    return {"coroutine": th.send, "thread": th.states["running"],
            "process": th.states["switching"], UNKNOWN: th.faint}


def render_switches(trace: Trace, out: str | os.PathLike, *, title: str | None = None,
                    theme: str | Theme = "light", aspect: str = "16:9",
                    dot: bool = False) -> Path:
    """Draw the switch graph of ``trace`` to ``out``."""
    th = get_theme(theme)
    counts = switch_counts(trace)
    colors = _level_colors(th)
    levels = sorted({lvl for (_, _, lvl) in counts}, key=list(colors).index)
    total = sum(c for c, _ in counts.values())
    cost = sum(ns for _, ns in counts.values())
    title = title or f"context switches: {total}, total cost {human_ns(cost)}"
    g = new_digraph(th, aspect, rankdir="LR", title=title,
                    legend=[(colors[lvl], "solid", f"{lvl} switch") for lvl in levels])
    involved = {u for (a, b, _) in counts for u in (a, b) if u is not None}
    nodes: dict[int, list] = {}
    for u in sorted(involved):
        unit = trace.units[u]
        nodes.setdefault(u, []).append((f"u{u}", {
            "label": text(unit.name), "shape": "box" if unit.kind != "coroutine" else "ellipse",
            "style": "rounded,filled", "fillcolor": th.page, "color": th.ink}))
    add_clustered(g, trace, nodes, th, leaves=False)
    if any(a is None for (a, _, _) in counts):
        g.node("unknown", label="(idle / unknown)", shape="plaintext", fontcolor=th.faint)
    top = max((c for c, _ in counts.values()), default=1)
    for (a, b, lvl), (n, ns) in sorted(counts.items(), key=lambda kv: (str(kv[0][0]),
                                                                       kv[0][1], kv[0][2])):
        label = f"×{n}" + (f" · {human_ns(ns)}" if ns else "")
        g.edge("unknown" if a is None else f"u{a}", f"u{b}", label=label, color=colors[lvl],
               fontcolor=th.ink, penwidth=f"{1.2 + 4.8 * n / top:.2f}")
    return write_graph(g, out, dot=dot)
