"""Graphviz clusters nesting process ⊃ thread ⊃ coroutine, shared by the graphs.

Child processes get clusters of their own beside their parent's (they have
their own address space), never inside it.
"""

from __future__ import annotations

from typing import Callable

import graphviz

from ..trace import Trace, Unit
from .dotout import text
from .style import FONT_SIZE, Theme

NodeList = list[tuple[str, dict]]


def _has_nodes(trace: Trace, unit: Unit, nodes: dict[int, NodeList]) -> bool:
    if nodes.get(unit.id):
        return True
    return any(_has_nodes(trace, kid, nodes) for kid in trace.children(unit.id)
               if kid.kind != "process")


def _style(unit: Unit, th: Theme) -> dict:
    if unit.kind == "process":
        return {"style": "rounded,filled", "fillcolor": th.shade, "color": th.faint,
                "penwidth": "1.6"}
    if unit.kind == "thread":
        return {"style": "rounded", "color": th.faint, "penwidth": "1.2"}
    return {"style": "rounded,dashed", "color": th.faint, "penwidth": "1.0"}


def default_label(unit: Unit) -> str:
    """``name (kind)``, as literal graphviz text."""
    return text(f"{unit.name} ({unit.kind})")


def _add(g: graphviz.Digraph, trace: Trace, unit: Unit, nodes: dict[int, NodeList],
         th: Theme, label_of: Callable[[Unit], str], leaves: bool) -> None:
    kids = [k for k in trace.children(unit.id)
            if k.kind != "process" and _has_nodes(trace, k, nodes)]
    if not (leaves or kids or unit.kind == "process"):
        for node_id, attrs in nodes.get(unit.id, ()):
            g.node(node_id, **attrs)
        return
    with g.subgraph(name=f"cluster_u{unit.id}") as c:
        c.attr(label=label_of(unit), labeljust="l", fontcolor=th.ink,
               fontsize=str(FONT_SIZE), **_style(unit, th))
        for node_id, attrs in nodes.get(unit.id, ()):
            c.node(node_id, **attrs)
        for kid in kids:
            _add(c, trace, kid, nodes, th, label_of, leaves)


def add_clustered(g: graphviz.Digraph, trace: Trace, nodes: dict[int, NodeList], th: Theme,
                  label_of: Callable[[Unit], str] = default_label, *,
                  leaves: bool = True) -> None:
    """Add ``nodes`` (per unit id) to ``g`` inside nested unit clusters.

    ``leaves=False``: a thread or coroutine without nested units gets no
    cluster of its own (its nodes sit in the enclosing one).
    """
    for unit in trace.units:
        top = unit.kind == "process" or unit.parent is None
        if top and _has_nodes(trace, unit, nodes):
            _add(g, trace, unit, nodes, th, label_of, leaves)
