"""Happens-before: the causal order a trace implies, and the causal order check.

Edges (each labelled with its ``kind``):

* ``program`` — consecutive events of one unit;
* ``cause`` — every event's ``cause`` field (send→recv, put→get, release→acquire,
  the event behind a ``wake``, the creating event behind a ``spawn``);
* ``transfer`` — a ``switch`` at level ``coroutine`` from ``peer``: the peer's last
  event before it happens before it (a generator's yield before the resumer goes
  on; cooperative hand-offs are causal, OS-level switches are not);
* ``spawn`` — a ``spawn`` without a cause but with a ``peer`` (the creator): the
  creator's last event before it;
* ``join`` — a ``wake`` without a cause after a ``block`` with reason ``join`` naming
  a ``peer``: that unit's ``exit``.

Spawn→first run is program order (``spawn`` is the new unit's first event).
Every edge goes from a lower to a higher event index, so index order is a
topological order.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from ..trace import Trace
from .align import Match
from .order import Divergence, OrderResult, by_actual, context

Edge = tuple[int, int, str]


def _last_before(per_unit_last: dict[int, int], unit: int | None) -> int | None:
    return None if unit is None else per_unit_last.get(unit)


def hb_edges(trace: Trace) -> list[Edge]:
    """Every happens-before edge ``(src, dst, kind)`` of ``trace`` (see module doc)."""
    edges: list[Edge] = []
    last: dict[int, int] = {}        # unit -> its latest event so far
    exits: dict[int, int] = {}       # unit -> its exit event
    joining: dict[int, int] = {}     # unit -> unit it blocked joining
    for i, ev in enumerate(trace):
        prev = last.get(ev.unit)
        if prev is not None:
            edges.append((prev, i, "program"))
        if ev.cause is not None and ev.cause != prev:
            edges.append((ev.cause, i, "cause"))
        elif ev.cause is None:
            _implicit(ev, i, last, exits, joining, edges)
        if ev.kind == "exit":
            exits[ev.unit] = i
        elif ev.kind == "block" and ev.reason == "join" and ev.peer is not None:
            joining[ev.unit] = ev.peer
        last[ev.unit] = i
    return edges


def _implicit(ev, i: int, last: dict[int, int], exits: dict[int, int],
              joining: dict[int, int], edges: list[Edge]) -> None:
    """Edges not spelled out by a ``cause`` field."""
    if ev.kind == "switch" and ev.level == "coroutine":
        src = _last_before(last, ev.peer)
        if src is not None:
            edges.append((src, i, "transfer"))
    elif ev.kind == "spawn":
        src = _last_before(last, ev.peer)
        if src is not None:
            edges.append((src, i, "spawn"))
    elif ev.kind == "wake" and ev.unit in joining:
        src = exits.get(joining.pop(ev.unit))
        if src is not None:
            edges.append((src, i, "join"))


def happens_before(trace: Trace) -> nx.DiGraph:
    """The happens-before graph of ``trace``: a node per event index, attributes
    ``t``, ``unit``, ``unit_name``, ``kind``, ``label``; edges with a ``kind`` attribute."""
    graph = nx.DiGraph()
    names = [u.name for u in trace.units]
    for i, ev in enumerate(trace):
        graph.add_node(i, t=ev.t, unit=ev.unit, unit_name=names[ev.unit], kind=ev.kind,
                       label=ev.label)
    graph.add_edges_from((s, d, {"kind": k}) for s, d, k in hb_edges(trace))
    return graph


def _predecessors(n: int, edges: list[Edge]) -> list[list[int]]:
    preds: list[list[int]] = [[] for _ in range(n)]
    for s, d, _ in edges:
        preds[d].append(s)
    return preds


def _latest_ancestors(preds: list[list[int]], pos: dict[int, int]) -> list[int]:
    """For each event, the matched ancestor (itself included) latest in actual order, or -1."""
    best = [-1] * len(preds)
    for v, ps in enumerate(preds):
        w = max((best[u] for u in ps), key=lambda u: pos.get(u, -1), default=-1)
        if v in pos and pos[v] > pos.get(w, -1):
            w = v
        best[v] = w
    return best


def chain(trace: Trace, preds: list[list[int]], src: int, dst: int) -> list[int]:
    """A shortest happens-before path from ``src`` to ``dst`` (event indices)."""
    back = {dst: dst}
    todo = deque([dst])
    while todo:
        v = todo.popleft()
        if v == src:
            break
        for u in preds[v]:
            if u >= src and u not in back:
                back[u] = v
                todo.append(u)
    path = [src]
    while path[-1] != dst:
        path.append(back[path[-1]])
    return path


def describe_chain(trace: Trace, path: list[int]) -> list[str]:
    """The path as ``unit: kind 'label'`` steps, runs within one unit shortened to their ends."""
    keep = [i for k, i in enumerate(path)
            if k in (0, len(path) - 1) or trace[i].unit != trace[path[k - 1]].unit
            or trace[i].unit != trace[path[k + 1]].unit]
    out = []
    for i in keep:
        ev = trace[i]
        text = f"{trace.units[ev.unit].name}: {ev.kind}"
        out.append(text + (f" {ev.label!r}" if ev.label else ""))
    return out


def overtaken(preds: list[list[int]], v: int, pos: dict[int, int]) -> list[int]:
    """Matched ancestors of ``v`` that the actual trace put after it, in actual order."""
    seen, todo, out = {v}, deque([v]), []
    while todo:
        for u in preds[todo.popleft()]:
            if u not in seen:
                seen.add(u)
                todo.append(u)
                if pos.get(u, -1) > pos[v]:
                    out.append(u)
    return sorted(out, key=pos.__getitem__)


def check_causal(expected: Trace, matches: list[Match]) -> OrderResult:
    """Is the actual order of the matched lines a linear extension of the expected
    trace's happens-before order?  Reports the first line (in actual order) that
    came before one the model says must precede it (the first such line it
    overtook), with the chain that forbids it."""
    edges = hb_edges(expected)
    preds = _predecessors(len(expected), edges)
    act = by_actual(matches)
    pos = {m.expected.index: k for k, m in enumerate(act)}
    best = _latest_ancestors(preds, pos)
    bad = []
    for m in matches:
        v = m.expected.index
        w = max((best[u] for u in preds[v]), key=lambda u: pos.get(u, -1), default=-1)
        if w >= 0 and pos[w] > pos[v]:
            bad.append((pos[v], v, w))
    if not bad:
        return OrderResult("causal", 0, None)
    p, v, _ = min(bad)
    jumped = overtaken(preds, v, pos)
    w = jumped[0]
    by_exp = {m.expected.index: k for k, m in enumerate(matches)}
    path = chain(expected, preds, w, v)
    div = Divergence(p, matches[by_exp[w]], act[p],
                     context([m.expected.label for m in matches], by_exp[v]),
                     context([m.actual.label for m in act], p),
                     describe_chain(expected, path), "causal", len(jumped), path)
    return OrderResult("causal", len(bad), div)
