"""Per-unit distributions, OS counters, several real runs, and the Markdown report."""

from __future__ import annotations

import json

import pytest

from schedsim.compare import Tolerances, compare, compare_many, write_report
from schedsim.compare.metrics import os_counters, unit_metrics
from schedsim.errors import CompareError
from schedsim.trace import Header, Trace, Unit

from .conftest import S, baozi_script, emit_row, make_trace

REAL = ("python", "MainThread", "consumer#1", "consumer#2")


def test_unit_metrics_from_states(rows):
    m = unit_metrics(make_trace(rows))
    main, c1 = m[1], m[2]
    assert main.blocked == 5 * S and len(main.blocks) == 5
    assert main.switches_in == 18  # first run, 5 wakes, 12 returns from a generator
    assert main.switches_out == 5   # the five sleeps
    assert c1.switches_in == 6 and c1.switches_out == 6  # primed once, 5 sends; 6 yields
    assert main.summary()["blocks"]["p50"] == S


def test_blocked_time_is_scaled_to_model_time_but_cpu_time_is_not():
    tr = Trace(Header("real", time_scale=0.01), [Unit(0, "process", "p"),
                                                  Unit(1, "thread", "t", 0)])
    tr.append(0, 1, "run")
    tr.append(2_000_000, 1, "block", reason="sleep")   # 2 ms of work
    tr.append(12_000_000, 1, "wake")                   # a 10 ms (scaled 1 s) sleep
    tr.append(12_000_000, 1, "run")
    tr.append(13_000_000, 1, "exit")
    m = unit_metrics(tr)[1]
    assert m.cpu == 3_000_000 and m.blocked == pytest.approx(1e9)


def test_os_counters_from_events_and_from_the_header():
    units = [Unit(0, "process", "p"), Unit(1, "thread", "MainThread", 0, tid=4242)]
    tr = Trace(Header("real"), units)
    tr.append(0, 1, "counter", value={"run_ns": 100, "voluntary_ctxt_switches": 1})
    tr.append(10, 1, "counter", value={"run_ns": 900, "voluntary_ctxt_switches": 4,
                                       "nonvoluntary_ctxt_switches": 2})
    assert os_counters(tr) == {1: {"run_ns": 800.0, "voluntary": 3.0, "involuntary": 2.0}}
    tr.header.meta = {"counters": {"4242": {"cpu_ns": 5, "wait_ns": 7, "other": 1}}}
    assert os_counters(tr) == {1: {"run_ns": 5.0, "wait_ns": 7.0}}


def test_os_counters_show_in_the_report(rows):
    real = make_trace(rows, REAL, source="real")
    real.header.meta = {"counters": {"MainThread": {"run_ns": 2_100_000, "voluntary": 6}}}
    c = compare(make_trace(rows), real)
    main = next(u for u in c.unit_metrics if u.expected_name == "main")
    assert main.actual.os == {"run_ns": 2_100_000.0, "voluntary": 6.0}
    text = c.format_text()
    assert "run_ns 2.1 ms" in text and "voluntary 6" in text
    assert c.to_json()["unit_metrics"][0]["actual"]["os"]["run_ns"] == 2_100_000


def runs(*overshoots):
    rows = baozi_script()
    return [make_trace(rows, REAL, source="real", scale=0.01, overshoot=o) for o in overshoots]


def test_a_model_matching_the_runs_is_within_the_noise():
    model = make_trace(baozi_script(), overshoot=125_000)  # models the 0.125 ms overshoot
    m = compare_many(model, runs(110_000, 125_000, 140_000))
    assert m.ok and m.within_noise is True and m.verdict == "PASS, within the noise"
    assert len(m.runs) == 3 and len(m.noise) == 3
    # sleeps overshoot unscaled: runs 1 and 3 end 5 × 30 µs apart, the model 5 × 15 µs off
    assert m.noise_floor["makespan error"] == pytest.approx(150e3, abs=1e3)
    assert m.model_error["makespan error"] == pytest.approx(75e3, abs=1e3)
    assert m.format_text().startswith("PASS, within the noise")


def test_a_model_missing_the_overshoot_passes_but_beyond_the_noise():
    m = compare_many(make_trace(baozi_script()), runs(110_000, 125_000, 140_000))
    assert m.ok and m.within_noise is False and m.verdict == "PASS, beyond the noise"
    strict = compare_many(make_trace(baozi_script()), runs(110_000, 125_000, 140_000),
                          tolerances=Tolerances(require_noise=True))
    assert not strict.ok and "beyond the real-vs-real noise" in strict.failures[0]
    assert "makespan error 625 µs vs noise 150 µs" in strict.failures[0]


def test_a_single_run_has_no_noise_floor_and_a_failing_run_fails():
    one = compare_many(make_trace(baozi_script()), runs(120_000))
    assert one.within_noise is None and one.verdict == "PASS"
    assert "no real-vs-real noise floor" in one.format_text()
    wrong = compare_many(make_trace(baozi_script(eat_first=True)), runs(120_000, 130_000))
    assert wrong.verdict == "FAIL" and wrong.failures[0].startswith("run 1: order differs")
    json.dumps(wrong.to_json(), allow_nan=False)
    json.dumps(one.to_json(), allow_nan=False)  # no noise floor: null, not NaN
    with pytest.raises(ValueError):
        compare_many(make_trace(baozi_script()), [])


def test_markdown_report_embeds_diagrams_and_writes_json(tmp_path, rows):
    inside = tmp_path / "out" / "gantt.svg"
    inside.parent.mkdir()
    inside.write_text("<svg/>")
    outside = tmp_path / "hb.png"
    outside.write_bytes(b"\x89PNG")
    c = compare(make_trace(baozi_script(eat_first=True)), make_trace(rows, REAL, source="real"))
    path = write_report(c, tmp_path / "out", {"Gantt": inside, "Happens-before": outside})
    text = path.read_text("utf-8")
    assert text.startswith("# Comparison: FAIL")
    assert "![Gantt](gantt.svg)" in text and "![Happens-before](hb.png)" in text
    assert (tmp_path / "out" / "hb.png").read_bytes() == b"\x89PNG"
    assert "## Failures" in text and "order differs (causal)" in text
    assert "| c1 | consumer#1 | 6 | emits |" in text
    data = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert data["verdict"] == "FAIL" and data["order"]["divergence"]["chain"]
    with pytest.raises(CompareError, match="no such file"):
        write_report(c, tmp_path / "out", {"x": tmp_path / "nope.svg"})


def test_markdown_report_of_several_runs(tmp_path):
    m = compare_many(make_trace(baozi_script()), runs(110_000, 140_000))
    text = write_report(m, tmp_path).read_text("utf-8")
    assert text.startswith("# Comparison: PASS, beyond the noise")
    assert "| makespan error |" in text and "## Run 2: PASS" in text


def test_real_runs_that_disagree_with_each_other_are_noted():
    rows = baozi_script()
    short = make_trace(rows, REAL, source="real", scale=0.01, overshoot=120_000,
                       drop={emit_row(rows, "[c2] 正在吃包子 5")})
    m = compare_many(make_trace(rows), runs(120_000) + [short])
    assert m.verdict == "FAIL" and m.failures[0].startswith("run 2: 1 expected line(s) missing")
    assert "the real runs disagree with each other in 1 of 1 pairs" in m.format_text()


def _two_mains(parent_cpu: int, child_cpu: int, source: str = "sim") -> Trace:
    """A parent and a child process, each with one thread named ``main`` that prints."""
    units = [Unit(0, "process", "parent"), Unit(1, "thread", "main", 0),
             Unit(2, "process", "child", 1), Unit(3, "thread", "main", 2)]
    tr = Trace(Header(source), units)
    tr.append(0, 1, "run")
    tr.append(parent_cpu, 1, "emit", label="parent says hi")
    tr.append(parent_cpu, 1, "exit")
    tr.append(parent_cpu, 3, "run")
    tr.append(parent_cpu + child_cpu, 3, "emit", label="child says hi")
    tr.append(parent_cpu + child_cpu, 3, "exit")
    return tr


def test_threads_of_the_same_name_in_two_processes_keep_apart():
    m = compare_many(_two_mains(1_000_000, 3_000_000),
                     [_two_mains(1_000_000, 2_000_000, "real"),
                      _two_mains(1_000_000, 4_000_000, "real")])
    assert [u.expected_name for u in m.runs[0].unit_metrics] == ["parent/main", "child/main"]
    text = m.format_text()
    table = text[text.index("Per unit across runs"):].splitlines()
    assert table[3].split() == ["parent/main", "CPU", "time", "1", "ms", "1", "ms", "/", "1",
                                "ms", "/", "1", "ms"]
    assert table[5].split() == ["child/main", "CPU", "time", "3", "ms", "2", "ms", "/", "3",
                                "ms", "/", "4", "ms"]
