"""The Chrome Trace Event export: structure that ui.perfetto.dev relies on."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from schedsim.trace import links, unit_states
from schedsim.trace import perfetto

PHASES = {"M", "X", "i", "s", "f"}


def lanes_named(doc):
    return {(e["pid"], e["tid"]): e["args"]["name"] for e in doc["traceEvents"]
            if e["ph"] == "M" and e["name"] == "thread_name"}


def test_every_event_has_a_known_phase_and_numeric_times(baozi):
    doc = perfetto.to_chrome(baozi)
    assert {e["ph"] for e in doc["traceEvents"]} == PHASES
    for e in doc["traceEvents"]:
        if e["ph"] != "M":
            assert isinstance(e["ts"], float) and e["ts"] >= 0
        if e["ph"] == "X":
            assert isinstance(e["dur"], float) and e["dur"] > 0


def test_a_named_lane_per_unit_with_coroutines_under_their_threads_process(baozi):
    doc = perfetto.to_chrome(baozi)
    names = lanes_named(doc)
    unit_lanes = {k: v for k, v in names.items() if not v.startswith("CPU")}
    assert sorted(unit_lanes.values()) == ["c1 (coroutine)", "c2 (coroutine)", "main",
                                           "main (process)"]
    assert len({pid for pid, _ in unit_lanes}) == 1  # all in the process of thread main
    procs = [e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "process_name"]
    assert procs == ["main", "CPUs"]


def test_timed_events_reference_named_lanes_and_are_time_ordered(baozi):
    doc = perfetto.to_chrome(baozi)
    names = lanes_named(doc)
    last = defaultdict(float)
    for e in doc["traceEvents"]:
        if e["ph"] == "M":
            continue
        lane = (e["pid"], e["tid"])
        assert lane in names
        assert e["ts"] >= last[lane]
        last[lane] = e["ts"]


def test_slices_on_a_lane_never_overlap(baozi, two_threads):
    for trace in (baozi, two_threads):
        per_lane = defaultdict(list)
        for e in perfetto.to_chrome(trace)["traceEvents"]:
            if e["ph"] == "X":
                per_lane[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
        for spans in per_lane.values():
            spans.sort()
            for (_, end), (start, _) in zip(spans, spans[1:]):
                assert start >= end - 1e-9


def test_state_slices_match_unit_states_in_microseconds(baozi):
    doc = perfetto.to_chrome(baozi)
    slices = [e for e in doc["traceEvents"] if e["ph"] == "X" and e["cat"] == "state"]
    ivs = unit_states(baozi)
    assert len(slices) == len(ivs)
    assert Counter(e["name"] for e in slices) == Counter(iv.state for iv in ivs)
    assert sum(e["dur"] for e in slices) == sum(iv.end - iv.start for iv in ivs) / 1000
    running = [e for e in slices if e["name"] == "running"]
    switching = [e for e in slices if e["name"] == "switching"]
    assert running and switching
    assert all(e["dur"] == 1.0 for e in switching)  # 1000 ns = 1 µs


def test_emits_are_instants_named_by_label(baozi):
    doc = perfetto.to_chrome(baozi)
    instants = [e for e in doc["traceEvents"] if e["ph"] == "i"]
    assert [e["name"] for e in instants] == [ev.label for ev in baozi.select("emit")]
    assert all(e["s"] == "t" for e in instants)
    assert instants[2]["name"] == "[producer]做好了新包子 1"
    assert instants[2]["ts"] == baozi.select("emit")[2].t / 1000


def test_flows_pair_up_one_per_cause_link(baozi):
    doc = perfetto.to_chrome(baozi)
    flows = [e for e in doc["traceEvents"] if e["ph"] in "sf"]
    by_id = defaultdict(dict)
    for e in flows:
        assert e["ph"] not in by_id[e["id"]], "flow id reused"
        by_id[e["id"]][e["ph"]] = e
    # 12 transfers (2 primes + 5 rounds × 2 sends) link send→run; the 10 with a value send→recv
    assert len(by_id) == len(links(baozi)) == 22
    for pair in by_id.values():
        assert set(pair) == {"s", "f"}
        assert pair["s"]["ts"] <= pair["f"]["ts"]
        assert pair["f"]["bp"] == "e"
        assert pair["s"]["name"] in ("send→run", "send→recv")
    recv_flows = [p for p in by_id.values() if p["s"]["name"] == "send→recv"]
    assert len(recv_flows) == 10
    names = lanes_named(doc)
    assert {names[(p["f"]["pid"], p["f"]["tid"])] for p in recv_flows} == {
        "c1 (coroutine)", "c2 (coroutine)"}


def test_cpu_tracks_show_the_innermost_unit_and_switches(baozi, two_threads):
    slices = perfetto.cpu_slices(baozi)
    assert list(slices) == [0]
    names = [baozi.units[iv.unit].name for iv in slices[0]]
    assert {"main", "c1", "c2"} <= set(names)
    switching = [iv for iv in slices[0] if iv.state == "switching"]
    assert len(switching) == 24  # 12 transfers, 2 switches each
    assert all(iv.end - iv.start == 1000 for iv in switching)
    per_cpu = perfetto.cpu_slices(two_threads)
    assert sorted(per_cpu) == [0, 1]
    on0 = [(two_threads.units[iv.unit].name, iv.state, iv.start, iv.end) for iv in per_cpu[0]]
    assert on0 == [("worker-a", "running", 0, 250_000), ("main", "switching", 250_000, 270_000),
                   ("main", "running", 270_000, 400_000), ("worker-a", "running", 400_000,
                                                          500_000)]


def test_no_cpu_tracks_without_cpu_numbers(make_baozi):
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="real"))
    p = tr.new_unit("process", "p").id
    th = tr.new_unit("thread", "t", p).id
    tr.append(0, th, "run")
    tr.append(10, th, "emit", label="x")
    doc = perfetto.to_chrome(tr)
    assert "CPUs" not in [e["args"]["name"] for e in doc["traceEvents"]
                          if e["name"] == "process_name"]


def test_os_counters_become_counter_tracks(two_threads):
    two_threads.append(500_000, 1, "counter", value={"run_ns": 4200, "nvcsw": 3, "bad": "x"})
    doc = perfetto.to_chrome(two_threads)
    counters = [e for e in doc["traceEvents"] if e["ph"] == "C"]
    assert [(e["name"], e["args"]) for e in counters] == [
        ("worker-a nvcsw", {"nvcsw": 3}), ("worker-a run_ns", {"run_ns": 4200})]
    assert {e["pid"] for e in counters} == {1}  # the process of worker-a


def test_save_writes_json_atomically(baozi, tmp_path):
    out = tmp_path / "sub" / "baozi.perfetto.json"
    perfetto.save(baozi, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == json.loads(json.dumps(perfetto.to_chrome(baozi)))
    assert "包子" in out.read_text(encoding="utf-8")  # not \u-escaped
    assert [p.name for p in out.parent.iterdir()] == ["baozi.perfetto.json"]
    assert doc["otherData"]["source"] == "sim"


def test_lane_order_is_process_thread_coroutine(two_threads):
    order = [u.name for u in perfetto.lane_order(two_threads)]
    assert order == ["app", "worker-a", "worker-b", "child", "main"]
