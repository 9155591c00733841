"""The happens-before graph: which events must precede which, clustered by unit.

The graph comes from the caller (``schedsim.compare`` builds it: nodes are
event indices, edges carry a ``kind``).  For a slide it is cut down to the
events worth showing (by default the printed lines), keeping their order:
an edge joins two shown events when a path of hidden events joins them, and
edges implied by others are dropped (transitive reduction).
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx

from ..errors import RenderError
from ..trace import Trace
from .clusters import add_clustered
from .dotout import new_digraph, short, text, write_graph
from .style import Theme, theme as get_theme

MAX_NODES = 150


def _reach(graph: nx.DiGraph, u: int, keep: set[int]) -> dict[int, str]:
    """Kept nodes reachable from ``u`` through hidden ones, with the path's edge kind."""
    found: dict[int, str] = {}
    stack = [(v, graph.edges[u, v].get("kind", "program")) for v in graph.successors(u)]
    seen: set[int] = set()
    while stack:
        v, kind = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v in keep:
            found.setdefault(v, kind)
            continue
        for w in graph.successors(v):
            step = graph.edges[v, w].get("kind", "program")
            stack.append((w, kind if kind != "program" else step))
    return found


def contract(graph: nx.DiGraph, keep: set[int]) -> nx.DiGraph:
    """The order ``graph`` implies among ``keep``, transitively reduced, kinds kept."""
    small = nx.DiGraph()
    small.add_nodes_from(sorted(keep))
    for u in sorted(keep):
        for v, kind in _reach(graph, u, keep).items():
            small.add_edge(u, v, kind=kind)
    reduced = nx.transitive_reduction(small)
    reduced.add_nodes_from(small.nodes)
    for u, v in reduced.edges:
        reduced.edges[u, v]["kind"] = small.edges[u, v]["kind"]
    return reduced


def event_label(trace: Trace, i: int) -> str:
    """What a node says: the printed text for an emit, else kind and detail."""
    ev = trace[i]
    if ev.kind == "emit":
        return short(ev.label or "")
    detail = ""
    if ev.peer is not None and ev.kind in ("send", "switch", "spawn"):
        detail = f" → {trace.units[ev.peer].name}"
    elif ev.value is not None and ev.kind == "recv":
        detail = f" {short(str(ev.value), 12)}"
    elif ev.reason:
        detail = f" ({ev.reason})"
    return f"{ev.kind}{detail}"


def _choose(trace: Trace, graph: nx.DiGraph, kinds, must: set[int]) -> tuple[set[int], int]:
    nodes = [n for n in graph.nodes if isinstance(n, int) and 0 <= n < len(trace)]
    keep = {n for n in nodes if kinds is None or trace[n].kind in kinds} | must
    total = len(keep)
    if len(keep) > MAX_NODES:
        keep = set(sorted(keep - must)[: max(MAX_NODES - len(must), 0)]) | must
    return keep, total


def _shortest(graph: nx.DiGraph, violation) -> list[int]:
    """The shortest happens-before path from ``a`` to ``b`` of a violation, if any."""
    if not violation or not all(n in graph for n in violation):
        return []
    try:
        return nx.shortest_path(graph, *violation)
    except nx.NetworkXNoPath:
        return []


def render_hb(trace: Trace, graph: nx.DiGraph, out: str | os.PathLike, *,
              kinds=("emit",), violation: tuple[int, int] | None = None, chain=None,
              title: str | None = None, theme: str | Theme = "light", aspect: str = "16:9",
              dot: bool = False) -> Path:
    """Draw the happens-before ``graph`` of ``trace`` (nodes: event indices) to ``out``.

    ``kinds``: event kinds shown (None: all); ``violation=(a, b)``: the
    model orders ``a`` before ``b`` but the other trace showed ``b`` first,
    drawn as a red dashed edge ``b → a``; ``chain``: the event indices of
    the causal chain that forbids it, drawn in red (by default the shortest
    path from ``a`` to ``b``; pass ``()`` for none).  At most 150 events are
    drawn (the earliest).
    """
    th = get_theme(theme)
    if chain is None:
        chain = _shortest(graph, violation)
    must = set(chain) | set(violation or ())
    bad = [n for n in must if n not in graph or not 0 <= n < len(trace)]
    if bad:
        raise RenderError(f"events {sorted(bad)} are not nodes of the happens-before graph "
                          f"or not events of the trace ({len(trace)} events)")
    keep, total = _choose(trace, graph, kinds, must)
    small = contract(graph, keep)
    title = title or f"happens-before: {trace.header.source}" + (
        f" (first {len(keep)} of {total} events)" if len(keep) < total else "")
    legend = [(th.faint, "solid", "program order"), (th.send, "solid", "cause (send → receive, "
              "wake, spawn)")]
    if violation or chain:
        legend.append((th.divergent, "dashed", "violation: observed the other way round"))
    g = new_digraph(th, aspect, rankdir="TB", title=title, legend=legend)
    g.attr(ranksep="0.22", nodesep="0.25")
    red = set(zip(chain, chain[1:]))
    nodes: dict[int, list] = {}
    for i in sorted(keep):
        ev = trace[i]
        attrs = {"label": text(event_label(trace, i)), "shape": "box" if ev.kind == "emit" else "ellipse",
                 "style": "rounded,filled", "fillcolor": th.page}
        if i in must:
            attrs.update(color=th.divergent, penwidth="2.4")
        nodes.setdefault(ev.unit, []).append((f"e{i}", attrs))
    add_clustered(g, trace, nodes, th)
    for u, v, kind in small.edges(data="kind"):
        kind = "program" if trace[u].unit == trace[v].unit else kind
        on_chain = (u, v) in red
        color = th.divergent if on_chain else (th.faint if kind == "program" else th.send)
        g.edge(f"e{u}", f"e{v}", color=color, penwidth="2.4" if on_chain or kind != "program"
               else "1.2")
    if violation:
        a, b = violation
        g.edge(f"e{b}", f"e{a}", color=th.divergent, fontcolor=th.divergent, style="dashed",
               penwidth="2.6", constraint="false", label="observed first")
    return write_graph(g, out, dot=dot)
