"""The whole loop through the command line: check, run, trace, compare,
render, export and verify on the baozi example."""

import json
from pathlib import Path

import pytest

from schedsim.cli import main
from schedsim.trace import load

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "baozi-coroutines.yaml"
PROGRAM = REPO / "examples" / "baozi" / "coroutines.py"


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    d = tmp_path_factory.mktemp("loop")
    assert main(["run", str(SCENARIO), "-o", str(d / "sim.jsonl")]) == 0
    assert main(["trace", "--time-scale", "0.01", "-o", str(d / "real.jsonl"), str(PROGRAM)]) == 0
    return d


def test_check_accepts_the_shipped_scenario(capsys):
    assert main(["check", str(SCENARIO)]) == 0
    assert capsys.readouterr().out == f"{SCENARIO}: ok (baozi-coroutines)\n"


def test_sim_and_real_agree(traces, capsys):
    assert main(["compare", str(traces / "sim.jsonl"), str(traces / "real.jsonl")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS")
    assert "17 lines matched, 0 missing, 0 extra" in out


def test_compare_json_is_machine_readable(traces, capsys):
    assert main(["compare", "--json", str(traces / "sim.jsonl"), str(traces / "real.jsonl")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True


def test_disagreeing_traces_exit_1_and_say_where(traces, tmp_path, capsys):
    lines = (traces / "real.jsonl").read_text("utf-8").splitlines()
    wrong = [line.replace("[c2] 正在吃包子 3", "[c2] 正在吃馒头 3") for line in lines]
    (tmp_path / "wrong.jsonl").write_text("\n".join(wrong) + "\n", "utf-8")
    assert main(["compare", str(traces / "sim.jsonl"), str(tmp_path / "wrong.jsonl")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL")
    assert "[c2] 正在吃包子 3" in out and "[c2] 正在吃馒头 3" in out


def test_render_and_export_write_their_files(traces, tmp_path):
    for ext in ("svg", "png", "pdf"):
        out = tmp_path / f"g.{ext}"
        assert main(["render", str(traces / "real.jsonl"), "-o", str(out),
                     "--against", str(traces / "sim.jsonl")]) == 0
        assert out.stat().st_size > 1000
    assert main(["export", str(traces / "sim.jsonl"), "-o", str(tmp_path / "p.json")]) == 0
    assert json.loads((tmp_path / "p.json").read_text())["traceEvents"]


def test_trace_exits_with_the_programs_status(tmp_path, capsys):
    prog = tmp_path / "boom.py"
    prog.write_text("print('before')\nraise SystemExit(3)\n")
    out = tmp_path / "boom.jsonl"
    assert main(["trace", "-o", str(out), str(prog)]) == 3
    assert [e.label for e in load(out).select("emit")] == ["before"]


def test_trace_of_a_missing_program_is_a_clear_error(tmp_path, capsys):
    assert main(["trace", "-o", str(tmp_path / "x.jsonl"), str(tmp_path / "nope.py")]) == 2
    assert "nope.py" in capsys.readouterr().err


def test_verify_writes_the_four_kinds_of_output_and_passes(tmp_path, capsys):
    assert main(["verify", str(SCENARIO), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("PASS")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["real.jsonl", "real.perfetto.json", "sim-vs-real.png", "sim-vs-real.svg",
                     "sim.jsonl", "sim.perfetto.json"]
    assert load(tmp_path / "sim.jsonl").header.source == "sim"
    assert load(tmp_path / "real.jsonl").header.source == "real"


def test_verify_needs_a_real_program(tmp_path, capsys):
    text = SCENARIO.read_text("utf-8")
    cut = text[: text.index("real:")]
    bare = tmp_path / "bare.yaml"
    bare.write_text(cut, "utf-8")
    assert main(["verify", str(bare), "--out", str(tmp_path / "o")]) == 2
    assert "no 'real' section" in capsys.readouterr().err


def test_bad_scenario_is_located(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.read_text("utf-8").replace("to: c2", "to: c3"), "utf-8")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "c3" in err and "Traceback" not in err


def test_several_real_runs_give_a_noise_floor_and_a_report(traces, tmp_path, capsys):
    second = tmp_path / "real2.jsonl"
    assert main(["trace", "--time-scale", "0.01", "-o", str(second), str(PROGRAM)]) == 0
    capsys.readouterr()
    status = main(["compare", str(traces / "sim.jsonl"), str(traces / "real.jsonl"), str(second),
                   "--report", str(tmp_path / "rep")])
    out = capsys.readouterr().out
    assert status == 0 and out.startswith("PASS")
    assert "noise floor" in out
    report = (tmp_path / "rep" / "report.md").read_text("utf-8")
    assert "PASS" in report
    assert json.loads((tmp_path / "rep" / "comparison.json").read_text())["ok"] is True


@pytest.mark.parametrize("kind", ["cpus", "hb", "topology", "switches"])
def test_every_diagram_kind_renders(traces, tmp_path, kind):
    out = tmp_path / f"{kind}.svg"
    assert main(["render", str(traces / "sim.jsonl"), "-o", str(out), "--kind", kind,
                 "--theme", "dark", "--aspect", "4:3"]) == 0
    assert out.read_text("utf-8").lstrip().startswith(("<?xml", "<svg"))


def test_dot_source_is_written_for_graphs_only(traces, tmp_path, capsys):
    out = tmp_path / "hb.png"
    assert main(["render", str(traces / "sim.jsonl"), "-o", str(out), "--kind", "hb", "--dot"]) == 0
    assert "digraph" in (tmp_path / "hb.dot").read_text("utf-8")
    assert main(["render", str(traces / "sim.jsonl"), "-o", str(tmp_path / "g.png"), "--dot"]) == 2
    assert "--dot applies to the graphs" in capsys.readouterr().err


def test_unknown_output_format_is_a_clear_error(traces, tmp_path, capsys):
    assert main(["render", str(traces / "sim.jsonl"), "-o", str(tmp_path / "g.bmp")]) == 2
    assert "bmp" in capsys.readouterr().err


def test_verify_repeat_reports_the_noise_floor_and_writes_a_report(tmp_path, capsys):
    assert main(["verify", str(SCENARIO), "--out", str(tmp_path), "--repeat", "2",
                 "--report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "noise floor" in out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"real.jsonl", "real-2.jsonl", "report.md", "comparison.json"} <= names
    assert "sim-vs-real.png" in (tmp_path / "report.md").read_text("utf-8")


def test_verify_repeat_must_be_positive(tmp_path, capsys):
    assert main(["verify", str(SCENARIO), "--out", str(tmp_path), "--repeat", "0"]) == 2
    assert "--repeat must be at least 1" in capsys.readouterr().err


def test_run_prints_metrics_also_when_streaming(tmp_path, capsys):
    rr = REPO / "scenarios" / "policy-rr.yaml"
    assert main(["run", str(rr), "-o", str(tmp_path / "rr.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "makespan" in out and "switching" in out
    assert main(["run", str(rr), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["overall"]["makespan"] > 0
    assert main(["run", str(rr), "-o", str(tmp_path / "q.jsonl"), "--no-metrics"]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "q.jsonl").read_bytes() == (tmp_path / "rr.jsonl").read_bytes()


def test_a_deliberately_wrong_model_fails_at_its_first_causal_violation(traces, tmp_path, capsys):
    # the wrong model: the producer hands each bun over before saying it made it
    text = SCENARIO.read_text("utf-8")
    made = '              - emit: "[producer]做好了新包子 {n}"\n'
    sends = ('              - send: {to: c1, value: "{n}"}\n'
             '              - send: {to: c2, value: "{n}"}\n')
    assert made in text and sends in text
    wrong = text.replace(made, "").replace(sends, sends + made)
    (tmp_path / "wrong.yaml").write_text(wrong, "utf-8")
    assert main(["run", str(tmp_path / "wrong.yaml"), "-o", str(tmp_path / "wrong.jsonl"),
                 "--no-metrics"]) == 0
    assert main(["compare", str(tmp_path / "wrong.jsonl"), str(traces / "real.jsonl")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL")
    assert "order differs (causal) at matched line 3" in out


def test_verify_calibrate_measures_around_the_runs_and_simulates_with_that(tmp_path, capsys,
                                                                        monkeypatch):
    """--calibrate runs calibrate --quick with the real runs in between its slices, keeps
    the profile in the output directory and simulates with it (here a stand-in result,
    for speed); the runs made there are the ones compared, none is made again."""
    import schedsim.calibrate as cal
    from schedsim.calibrate.stats import Stat
    asked = []

    def fake(*, quick=False, progress=None, between=()):
        asked.append((quick, len(between)))
        for action in between:
            action()
            asked.append(sorted(p.name for p in tmp_path.glob("real*.jsonl")))
        return cal.CalibrationResult(stats={"generator_switch": Stat(777, 700, 800, 5)})
    monkeypatch.setattr(cal, "calibrate", fake)
    assert main(["verify", str(SCENARIO), "--calibrate", "--repeat", "2",
                 "--out", str(tmp_path)]) == 0
    assert asked == [(True, 2), ["real.jsonl"], ["real-2.jsonl", "real.jsonl"]]
    assert len(list(tmp_path.glob("real*.jsonl"))) == 2
    assert (tmp_path / "profile.yaml").exists() and str(tmp_path / "profile.yaml") in \
        capsys.readouterr().out
    machine = load(tmp_path / "sim.jsonl").header.machine
    assert machine["profile"] == "calibrated-for-verify"
    assert machine["costs"]["generator_switch"] == 777


def test_verify_takes_a_profile_or_calibrates_not_both(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["verify", str(SCENARIO), "--calibrate", "--profile", "default"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_run_as_traced_charges_the_tracers_costs_and_says_so(tmp_path, capsys):
    """17 printed lines at 5 µs of tap each, and every task step's wrapper on top:
    only with --as-traced, which the trace's header records."""
    text = (REPO / "scenarios" / "baozi-asyncio.yaml").read_text("utf-8")
    machine = "machine: {cpus: 1, policy: fifo, profile: default}"
    assert machine in text
    scenario = tmp_path / "traced.yaml"
    scenario.write_text(text.replace(machine, "machine: {cpus: 1, policy: fifo, profile: "
                                     "default, costs: {tap_line: 5us, trace_step: 3us}}"),
                        "utf-8")
    spans = {}
    for flags in ([], ["--as-traced"]):
        out = tmp_path / f"sim{len(flags)}.jsonl"
        assert main(["run", str(scenario), "-o", str(out), "--json", *flags]) == 0
        spans[bool(flags)] = json.loads(capsys.readouterr().out)["overall"]["makespan"]
        assert load(out).header.machine.get("as_traced", False) is bool(flags)
    assert spans[True] - spans[False] > 17 * 5_000 + 17 * 3_000
