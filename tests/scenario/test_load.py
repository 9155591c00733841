"""Loading scenario files: the baozi scenario, located errors for bad input."""

from pathlib import Path

import pytest

from schedsim.errors import ScenarioError
from schedsim.scenario import load, loads

REPO = Path(__file__).resolve().parents[2]
BAOZI = REPO / "scenarios" / "baozi-coroutines.yaml"

MINIMAL = """\
schedsim: 1
processes:
  p:
    threads:
      main:
        - emit: hi
"""


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        loads(text, "s.yaml")
    return info.value


def test_baozi_loads_with_real_program_relative_to_the_file():
    s = load(BAOZI)
    assert s.name == "baozi-coroutines"
    assert s.file == str(BAOZI)
    assert len(s.sha256) == 64
    assert s.real.program == REPO / "examples" / "baozi" / "coroutines.py"
    assert s.real.program.is_absolute()
    assert s.real.time_scale == 0.01 and s.real.args == [] and s.real.timeout is None
    main = s.system.processes["main"].threads["main"]
    assert list(main.coroutines) == ["c1", "c2"]
    assert [op.name for op in main.program] == ["start", "repeat"]


def test_minimal_scenario_has_defaults():
    s = loads(MINIMAL)
    assert s.real is None and s.name == "scenario"
    m = s.system.machine
    assert (m.cpus, m.policy, m.profile) == (1, "fifo", "default")


def test_whole_error_message_for_an_unknown_key():
    err = error_of(MINIMAL.replace("- emit: hi", "- emit: hi\n          colour: red"))
    assert str(err) == (
        "s.yaml:7: invalid scenario\n"
        "==> At key: processes\n"
        "==> At key: p\n"
        "==> At key: threads\n"
        "==> At key: main\n"
        "==> At index 0\n"
        "==> At key: colour\n"
        "=====> unknown key 'colour' beside 'emit'; allowed beside it: none")


def test_wrong_type_names_field_and_expectation():
    err = error_of(MINIMAL.replace("schedsim: 1\n", "schedsim: 1\nmachine: {cpus: two}\n"))
    assert err.line == 2 and err.path == ("machine", "cpus")
    assert "expected a whole number between 1 and 4096, found text 'two'" in err.message


def test_unknown_top_level_key_lists_allowed_keys():
    err = error_of(MINIMAL + "machin: {}\n")
    assert err.path == ("machin",) and err.line == 7
    assert "allowed keys: schedsim, name, description, seed, until, machine, processes, ipc, " \
        "real" in err.message


def test_unknown_operation_lists_the_operations():
    err = error_of(MINIMAL.replace("emit: hi", "emitt: hi"))
    assert err.path[-1] == "emitt" and err.line == 6
    assert err.message.startswith("unknown operation 'emitt'; expected one of: emit, compute")


def test_unknown_generator_in_send():
    err = error_of(BAOZI.read_text("utf-8").replace("to: c2", "to: c3"))
    assert err.line == 27
    assert err.path == ("processes", "main", "threads", "main", "program", 1, "do", 3)
    assert err.message == ("unknown generator 'c3' in send; generators of thread 'main': c1, c2")


def test_unknown_generator_in_start():
    err = error_of(BAOZI.read_text("utf-8").replace("start: [c1, c2]", "start: [c1, c9]"))
    assert "unknown generator 'c9' in start" in err.message and err.line == 20


def test_yaml_syntax_error_has_a_line():
    err = error_of("schedsim: 1\nprocesses: {p: [\n")
    assert err.file == "s.yaml" and err.line is not None
    assert err.message.startswith("YAML syntax error")


def test_durations_need_units():
    err = error_of(MINIMAL.replace("emit: hi", "sleep: 5"))
    assert "expected a duration with a unit, like 10ms" in err.message


def test_recv_outside_a_generator_is_rejected():
    err = error_of(MINIMAL.replace("emit: hi", "recv: x"))
    assert "only works inside a generator coroutine" in err.message


def test_bad_template_is_rejected_at_run_time_with_location():
    from schedsim.model import simulate
    s = loads(MINIMAL.replace("emit: hi", "emit: 'n is {n}'"), "s.yaml")
    with pytest.raises(ScenarioError) as info:
        simulate(s)
    assert info.value.line == 6 and "unknown variable {n}" in info.value.message


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load(tmp_path / "nope.yaml")
    assert "cannot read scenario" in info.value.message


def test_schema_version_must_be_1():
    err = error_of(MINIMAL.replace("schedsim: 1", "schedsim: 2"))
    assert err.path == ("schedsim",) and "between 1 and 1" in err.message


def test_an_endless_thread_loop_needs_until():
    text = MINIMAL.replace("- emit: hi", "- loop: [{sleep: 1s}, {emit: tick}]")
    err = error_of(text)
    assert "loops forever" in err.message and err.line == 6
    from schedsim.model import simulate
    trace = simulate(loads("until: 3500ms\n" + text)).trace
    assert [e.label for e in trace.select("emit")] == ["tick"] * 3
