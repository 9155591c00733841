"""The graphviz diagrams: happens-before, topology, switches; and --dot sources."""

from __future__ import annotations

import re

import networkx as nx
import pytest

from schedsim.errors import RenderError
from schedsim.render import render_hb, render_switches, render_topology
from schedsim.render.hbgraph import contract
from schedsim.render.switches import switch_counts
from schedsim.render.topology import channel_use


def hb_graph(trace) -> nx.DiGraph:
    """Program order per unit plus cause links: enough of compare's graph for drawing."""
    g = nx.DiGraph()
    g.add_nodes_from(range(len(trace)))
    last = {}
    for i, ev in enumerate(trace):
        if ev.unit in last:
            g.add_edge(last[ev.unit], i, kind="program")
        if ev.cause is not None:
            g.add_edge(ev.cause, i, kind="cause")
        last[ev.unit] = i
    return g


def dot_edges(source: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)


def test_contract_keeps_order_through_hidden_events():
    g = nx.DiGraph([(0, 1, {"kind": "program"}), (1, 2, {"kind": "cause"}),
                    (2, 3, {"kind": "program"}), (0, 3, {"kind": "program"})])
    small = contract(g, {0, 3})
    assert list(small.edges(data="kind")) == [(0, 3, "program")]
    small = contract(g, {0, 2, 3})
    assert sorted(small.edges) == [(0, 2), (2, 3)]  # 0→3 is implied: reduced away
    assert small.edges[0, 2]["kind"] == "cause"


def test_hb_graph_clusters_emits_by_unit_and_marks_a_violation(baozi, tmp_path):
    emits = baozi.indices("emit")
    producer1, c1_eats1 = emits[2], emits[3]
    out = render_hb(baozi, hb_graph(baozi), tmp_path / "hb.svg", violation=(producer1, c1_eats1),
                    dot=True)
    source = (tmp_path / "hb.dot").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8").startswith("<?xml")
    for unit in range(1, 4):
        assert f"subgraph cluster_u{unit}" in source
    assert {f"e{i}" for i in emits} <= set(re.findall(r"^\s*(e\d+) \[", source, re.M))
    edges = dot_edges(source)
    red = {(a, b): attrs for a, b, attrs in edges if "#d62728" in attrs}
    # the observed order, drawn against the model's: dashed, not constraining the layout
    observed = red.pop((f"e{c1_eats1}", f"e{producer1}"))
    assert "dashed" in observed and "observed first" in observed
    # the rest is the chain that forbids it: a path from producer 1 to [c1] eats 1
    # (sleep, wake, send, recv), its hidden events shown because they are on it
    step, path = f"e{producer1}", [f"e{producer1}"]
    while step != f"e{c1_eats1}":
        step = next(b for a, b in red if a == step)
        path.append(step)
    assert len(path) == len(red) + 1 > 2
    assert "block (sleep)" in source and "send → c1" in source


def test_hb_without_a_chain_draws_only_the_violation(baozi, tmp_path):
    emits = baozi.indices("emit")
    render_hb(baozi, hb_graph(baozi), tmp_path / "hb.svg", violation=(emits[2], emits[3]),
              chain=(), dot=True)
    edges = dot_edges((tmp_path / "hb.dot").read_text(encoding="utf-8"))
    assert [(a, b) for a, b, attrs in edges if "#d62728" in attrs] == [
        (f"e{emits[3]}", f"e{emits[2]}")]
    # the model's order producer 1 → [c1] eats 1 is an edge of the send colour
    assert any((a, b) == (f"e{emits[2]}", f"e{emits[3]}") and "#1f4e99" in attrs
               for a, b, attrs in edges)


def test_hb_rejects_events_that_are_not_in_the_graph(baozi, tmp_path):
    with pytest.raises(RenderError, match="not nodes"):
        render_hb(baozi, hb_graph(baozi), tmp_path / "hb.svg", chain=[10_000])


def test_hb_png_and_pdf(baozi, tmp_path):
    from schedsim.render.fonts import cjk_family
    for ext in ("png", "pdf"):
        out = render_hb(baozi, hb_graph(baozi), tmp_path / f"hb.{ext}", theme="dark",
                        aspect="4:3")
        assert out.stat().st_size > 1000
    assert not (tmp_path / "hb.dot").exists()
    family = cjk_family()
    if family:  # the Chinese labels are set in the CJK font, embedded in the PDF
        assert family.replace(" ", "").encode() in (tmp_path / "hb.pdf").read_bytes()


def test_topology_shows_address_spaces_channels_and_forks(two_threads, baozi, tmp_path):
    render_topology(two_threads, tmp_path / "t.svg", dot=True)
    source = (tmp_path / "t.dot").read_text(encoding="utf-8")
    assert "shared by 2 threads" in source
    assert re.search(r"mem0 -> mem3 \[.*fork: copy", source)
    assert re.search(r"u1 -> ch0 \[.*put ×1", source)  # worker-a releases lock:L
    render_topology(baozi, tmp_path / "b.svg", dot=True)
    source = (tmp_path / "b.dot").read_text(encoding="utf-8")
    assert re.search(r"u1 -> u2 \[.*send\(\) ×5", source)
    assert re.search(r"u1 -> u2 \[.*next\(\) ×1", source)


def test_channel_use_tells_channels_from_hand_offs():
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="sim"))
    a = tr.new_unit("process", "a").id
    b = tr.new_unit("process", "b").id
    ta = tr.new_unit("thread", "main", a).id
    tb = tr.new_unit("thread", "main", b).id
    put = tr.append(0, ta, "send", obj="pipe", value=1)
    tr.append(5, tb, "recv", cause=put, value=1)  # obj inherited from the send
    tr.append(6, ta, "send", peer=tb, obj="GIL")
    direct, puts, gets = channel_use(tr)
    assert puts == {(ta, "pipe"): 1} and gets == {("pipe", tb): 1}
    assert direct == {(ta, tb, "GIL"): 1}


def test_switch_graph_counts_and_costs(baozi, two_threads, tmp_path):
    counts = switch_counts(baozi)
    assert counts == {(1, 2, "coroutine"): [6, 6000], (1, 3, "coroutine"): [6, 6000],
                      (2, 1, "coroutine"): [6, 6000], (3, 1, "coroutine"): [6, 6000]}
    render_switches(baozi, tmp_path / "s.png", dot=True)
    source = (tmp_path / "s.dot").read_text(encoding="utf-8")
    assert "context switches: 24, total cost 24 µs" in source
    assert source.count("×6 · 6 µs") == 4
    render_switches(two_threads, tmp_path / "w.svg", dot=True)
    source = (tmp_path / "w.dot").read_text(encoding="utf-8")
    assert "(idle / unknown)" in source and "×1 · 20 µs" in source


def test_graph_output_format_is_checked(baozi, tmp_path):
    with pytest.raises(RenderError, match="extension"):
        render_switches(baozi, tmp_path / "s.gif")


def test_labels_are_literal_text_in_every_graph(tmp_path):
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="sim"))
    p = tr.new_unit("process", "<proc>").id
    a = tr.new_unit("thread", "a\\N", p).id
    b = tr.new_unit("thread", "<b>", p).id
    s = tr.append(0, a, "send", obj="<q>")
    tr.append(1, b, "recv", cause=s)
    tr.append(2, a, "emit", label="<done>")
    tr.append(3, b, "emit", label='say "hi"')
    tr.append(4, b, "switch", peer=a, cost=5, level="thread", cpu=0)
    render_hb(tr, hb_graph(tr), tmp_path / "hb.svg")
    render_topology(tr, tmp_path / "t.svg")
    render_switches(tr, tmp_path / "s.svg")
    hb = (tmp_path / "hb.svg").read_text(encoding="utf-8")
    assert "&lt;done&gt;" in hb and "a\\N (thread)" in hb and "say &quot;hi&quot;" in hb
    assert "&lt;q&gt;" in (tmp_path / "t.svg").read_text(encoding="utf-8")
    assert "&lt;b&gt;" in (tmp_path / "s.svg").read_text(encoding="utf-8")
