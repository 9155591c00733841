"""Properties on arbitrary traces (hypothesis): the Perfetto export, CPU slices, drawing."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings, strategies as st

from schedsim.trace import Header, Trace, links
from schedsim.trace import perfetto

KINDS = ("run", "stop", "block", "wake", "switch", "send", "emit", "exit")


@st.composite
def traces(draw) -> Trace:
    tr = Trace(Header(source="sim"))
    proc = tr.new_unit("process", "p").id
    units = []
    for n in range(draw(st.integers(1, 3))):
        th = tr.new_unit("thread", f"t{n}", proc).id
        units.append(th)
        units += [tr.new_unit("coroutine", f"c{n}{k}", th).id
                  for k in range(draw(st.integers(0, 2)))]
    t, sends = 0, []
    for _ in range(draw(st.integers(0, 60))):
        t += draw(st.sampled_from([0, 0, 1, 7, 1000]))
        unit = draw(st.sampled_from(units))
        kind = draw(st.sampled_from(KINDS))
        cpu = draw(st.sampled_from([None, 0, 1]))
        if kind == "run":
            tr.append(t, unit, "run", cpu=cpu, cause=draw(st.sampled_from([None] + sends)))
        elif kind == "stop":
            tr.append(t, unit, "stop", reason=draw(st.sampled_from(["yield", "block", "preempt"])))
        elif kind == "block":
            tr.append(t, unit, "block", reason=draw(st.sampled_from(["sleep", "gil", "recv"])))
        elif kind == "switch":
            tr.append(t, unit, "switch", cost=draw(st.integers(0, 500)), cpu=cpu,
                      level="thread")
        elif kind == "send":
            sends.append(tr.append(t, unit, "send", obj="q"))
        elif kind == "wake":
            tr.append(t, unit, "wake", cause=draw(st.sampled_from([None] + sends)))
        else:
            tr.append(t, unit, kind, label="x" if kind == "emit" else None)
    return tr


@settings(max_examples=150, deadline=None)
@given(traces())
def test_export_is_well_formed_for_any_trace(trace):
    doc = perfetto.to_chrome(trace)
    named = {(e["pid"], e["tid"]) for e in doc["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}
    spans = defaultdict(list)
    flows = defaultdict(list)
    last = defaultdict(float)
    for e in doc["traceEvents"]:
        if e["ph"] == "M":
            continue
        lane = (e["pid"], e["tid"])
        assert lane in named
        assert 0 <= e["ts"] <= trace.duration / 1000 and e["ts"] >= last[lane]
        last[lane] = e["ts"]
        if e["ph"] == "X":
            assert e["dur"] > 0
            spans[lane].append((e["ts"], e["ts"] + e["dur"]))
        elif e["ph"] in "sf":
            flows[e["id"]].append(e["ph"])
    for items in spans.values():
        items.sort()
        assert all(b[0] >= a[1] - 1e-9 for a, b in zip(items, items[1:]))
    assert len(flows) == len(links(trace))
    assert all(sorted(phs) == ["f", "s"] for phs in flows.values())


@settings(max_examples=150, deadline=None)
@given(traces())
def test_cpu_slices_are_disjoint_and_only_on_cpu_states(trace):
    for cpu, slices in perfetto.cpu_slices(trace).items():
        assert all(iv.state in ("running", "switching") and iv.cpu == cpu for iv in slices)
        assert all(a.end <= b.start for a, b in zip(slices, slices[1:]))
        assert all(iv.start < iv.end for iv in slices)


@settings(max_examples=15, deadline=None)
@given(traces(), st.booleans())
def test_gantt_draws_any_trace(trace, cpus):
    import tempfile
    from pathlib import Path
    from schedsim.render import render_gantt
    cpus = cpus and bool(perfetto.cpu_slices(trace))
    with tempfile.TemporaryDirectory() as tmp:
        out = render_gantt(trace, Path(tmp) / "g.png", cpus=cpus, against=trace)
        assert out.stat().st_size > 0
