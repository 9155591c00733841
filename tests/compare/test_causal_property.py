"""Property: the causal check finds a violation exactly when one exists."""

from __future__ import annotations

import heapq

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from schedsim.compare import Tolerances, compare, happens_before
from schedsim.trace import Header, Trace, Unit

LOOSE = Tolerances(timing_p95=1e9, timing_max=None, makespan=1e9)


def units(n: int) -> list[Unit]:
    return [Unit(0, "process", "p")] + [Unit(i, "thread", f"t{i}", 0) for i in range(1, n + 1)]


@st.composite
def models(draw):
    """A few threads printing lines and sending messages to each other."""
    n = draw(st.integers(2, 4))
    trace = Trace(Header("sim"), units(n))
    sends: list[int] = []
    for t in range(draw(st.integers(2, 14))):
        u = draw(st.integers(1, n))
        what = draw(st.sampled_from(["emit", "emit", "send", "recv"]))
        if what == "send":
            sends.append(trace.append(t, u, "send"))
        elif what == "recv" and sends:
            trace.append(t, u, "recv", cause=sends[draw(st.integers(0, len(sends) - 1))])
        else:
            trace.append(t, u, "emit", label=f"line {t}")
    return trace


def actual_of(model: Trace, order: list[int]) -> Trace:
    """A trace printing the model's lines in ``order`` (event indices), same units."""
    out = Trace(Header("real"), model.units)
    for t, i in enumerate(order):
        ev = model[i]
        out.append(t, ev.unit, "emit", label=ev.label)
    return out


def violated(graph: nx.DiGraph, order: list[int]) -> list[tuple[int, int]]:
    pos = {e: k for k, e in enumerate(order)}
    return [(x, y) for x in order for y in order
            if x != y and pos[y] < pos[x] and nx.has_path(graph, x, y)]


@settings(max_examples=150, deadline=None)
@given(models(), st.data())
def test_causal_check_agrees_with_brute_force(model, data):
    emits = model.indices("emit")
    if not emits:
        return
    graph = happens_before(model)
    prio = data.draw(st.permutations(emits))
    if data.draw(st.booleans()):  # a linear extension, drawn by priority
        rank = {e: k for k, e in enumerate(prio)}
        reach = {e: {x for x in emits if x != e and nx.has_path(graph, x, e)} for e in emits}
        ready = [(rank[e], e) for e in emits if not reach[e]]
        heapq.heapify(ready)
        order, done = [], set()
        while ready:
            _, e = heapq.heappop(ready)
            order.append(e)
            done.add(e)
            for f in emits:
                if f not in done and f not in [x for _, x in ready] and reach[f] <= done:
                    heapq.heappush(ready, (rank[f], f))
        prio = order
    c = compare(model, actual_of(model, prio), tolerances=LOOSE)
    bad = violated(graph, prio)
    div = c.order.divergence
    assert (div is None) == (not bad)
    if bad:
        first = min(prio.index(y) for _, y in bad)
        assert div.position == first
        v, w = div.early.expected.index, div.expected.expected.index
        assert (w, v) in bad
        assert c.order.displaced == len({y for _, y in bad})
        assert not c.ok


@settings(max_examples=50, deadline=None)
@given(models())
def test_a_trace_compared_with_itself_passes(model):
    if not model.indices("emit"):
        return
    c = compare(model, model)
    assert c.ok and c.timing.max == 0 and c.order.divergence is None
    assert compare(model, model, order="exact").ok
