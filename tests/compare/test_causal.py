"""Happens-before graph and the causal order check."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from schedsim.compare import Tolerances, compare, happens_before
from schedsim.trace import Header, Trace, Unit

from .conftest import baozi_script, emit_row, make_trace


def swap_labels(rows, a_label, b_label):
    a, b = emit_row(rows, a_label), emit_row(rows, b_label)
    out = list(rows)
    out[a] = rows[a][:3] + ({"label": b_label},)
    out[b] = rows[b][:3] + ({"label": a_label},)
    return out


def test_happens_before_of_the_baozi_orders_every_line(rows):
    trace = make_trace(rows)
    g = happens_before(trace)
    assert g.number_of_nodes() == len(trace) and nx.is_directed_acyclic_graph(g)
    kinds = Counter(k for _, _, k in g.edges(data="kind"))
    assert kinds["cause"] == 22 and kinds["transfer"] == 24 and kinds["program"] > 0
    emits = trace.indices("emit")
    # the generator hand-offs make the whole example one chain
    for a, b in zip(emits, emits[1:]):
        assert nx.has_path(g, a, b)
    assert g.nodes[emits[0]]["label"] == "c1准备开始吃包子啦..."
    assert g.nodes[emits[0]]["unit_name"] == "c1"


def test_spawn_and_join_edges():
    tr = Trace(Header("sim"), [Unit(0, "process", "p"), Unit(1, "thread", "main", 0),
                               Unit(2, "thread", "worker", 0)])
    tr.append(0, 1, "run")
    spawn = tr.append(1, 2, "spawn", peer=1)
    tr.append(2, 1, "block", reason="join", peer=2)
    work = tr.append(3, 2, "emit", label="work")
    done = tr.append(4, 2, "exit")
    wake = tr.append(5, 1, "wake")
    after = tr.append(6, 1, "emit", label="joined")
    g = happens_before(tr)
    assert g.edges[0, spawn]["kind"] == "spawn"
    assert g.edges[done, wake]["kind"] == "join"
    assert nx.has_path(g, work, after)


def test_a_swap_inside_a_total_order_is_a_causal_violation_with_its_chain(rows):
    act = make_trace(swap_labels(rows, "[c1] 正在吃包子 2", "[c2] 正在吃包子 2"))
    c = compare(make_trace(rows), act, tolerances=Tolerances(max_misattributed=9))
    div = c.order.divergence
    assert c.order.mode == "causal" and not c.ok
    assert div.early.actual.label == "[c2] 正在吃包子 2"
    assert div.expected.expected.label == "[c1] 正在吃包子 2"
    assert div.chain[0] == "c1: emit '[c1] 正在吃包子 2'"
    assert div.chain[-1] == "c2: emit '[c2] 正在吃包子 2'"
    assert "main: send" in div.chain
    assert "the model orders them by: c1: emit" in c.failures[0]


def two_workers(first: str, second: str) -> Trace:
    """A main thread puts one item that wakes two workers; each prints a line."""
    tr = Trace(Header("sim"), [Unit(0, "process", "p"), Unit(1, "thread", "main", 0),
                               Unit(2, "thread", "w1", 0), Unit(3, "thread", "w2", 0)])
    tr.append(0, 1, "emit", label="start")
    put = tr.append(1, 1, "send", obj="q")
    units = {"w1 got it": 2, "w2 got it": 3}
    for t, label in ((2, first), (3, second)):
        tr.append(t, units[label], "wake", cause=put)
        tr.append(t, units[label], "emit", label=label)
    return tr


def test_events_the_model_leaves_unordered_may_come_in_either_order():
    model, other_order = two_workers("w1 got it", "w2 got it"), two_workers("w2 got it", "w1 got it")
    causal = compare(model, other_order)
    assert causal.ok, causal.failures
    assert causal.order.divergence is None
    exact = compare(model, other_order, order="exact")
    assert not exact.ok and exact.order.divergence.position == 1


def test_a_line_before_its_cause_is_reported_at_the_first_violation():
    model = two_workers("w1 got it", "w2 got it")
    real = Trace(Header("real"), model.units)
    real.append(0, 2, "emit", label="w1 got it")  # a worker prints before main started
    real.append(1, 1, "emit", label="start")
    real.append(2, 3, "emit", label="w2 got it")
    c = compare(model, real)
    div = c.order.divergence
    assert div.position == 0 and div.early.actual.label == "w1 got it"
    assert div.expected.expected.label == "start"
    assert div.chain == ["main: emit 'start'", "main: send", "w1: wake", "w1: emit 'w1 got it'"]
    assert div.chain_events == [0, 1, 2, 3]
    assert nx.is_path(happens_before(model), div.chain_events)
    assert c.order.displaced == 1


def test_a_deliberately_wrong_model_fails_with_the_right_first_violation(rows):
    wrong = make_trace(baozi_script(eat_first=True))  # consumers eat before the producer makes
    real = make_trace(rows, ("python", "MainThread", "consumer#1", "consumer#2"), source="real")
    c = compare(wrong, real)
    div = c.order.divergence
    assert not c.ok and c.order.mode == "causal"
    assert div.position == 2  # right after the two ready lines
    assert div.early.actual.label == "[producer]做好了新包子 1"
    assert div.expected.expected.label == "[c1] 正在吃包子 1"
    assert div.chain[0] == "c1: emit '[c1] 正在吃包子 1'"
    assert div.chain[-1] == "main: emit '[producer]做好了新包子 1'"
    assert c.failures[0].startswith("order differs (causal) at matched line 3")
