"""The probes of the tracer's own costs: a print with and without its tap."""

import io

import pytest

from schedsim.calibrate import cold, tracer
from schedsim.errors import TracerError
from schedsim.real import runner


def test_kinds_measured_together_take_their_samples_in_turn(monkeypatch):
    monkeypatch.setattr(cold, "IDLE_S", 0.0)
    calls = []
    stats = cold.first_minus_second_each({"a": lambda: calls.append("a"),
                                          "b": lambda: calls.append("b")}, 3)
    assert calls == ["a", "a", "b", "b"] + ["a", "a", "b", "b"] * 3
    assert stats["a"].n == stats["b"].n == 3


def test_the_tap_probe_forwards_every_line_and_leaves_no_raw_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDSIM_RAW_DIR", str(tmp_path))
    sink = io.StringIO()
    with tracer.tapped(sink) as tap:
        print("one", file=tap)
        print("two", end="", file=tap)
        print(" halves", file=tap)
        assert len(list(tmp_path.iterdir())) == 1
    assert sink.getvalue() == "one\ntwo halves\n"
    assert list(tmp_path.iterdir()) == []


def test_the_cold_line_probe_measures_both_prints(monkeypatch):
    monkeypatch.setattr(cold, "IDLE_S", 0.001)
    stats = tracer.cold_lines(3)
    assert set(stats) == {"cold_line", "cold_line_tapped"}
    assert stats["cold_line"].n == stats["cold_line_tapped"].n == 3
    assert tracer.print_line_tapped(50, 2).median > 0


def test_the_task_step_probe_runs_one_program_plainly_and_traced_in_turn():
    """Four figures, each pooling both pairs of runs (the batches and cold samples shared
    between them); the traced step is the dearer (on this machine 5 against 2 µs: a
    wrapper in Python around each step cannot cost nothing)."""
    stats = tracer.task_steps(300, 3, 3, pairs=2)          # 2 + 1 batches, 2 + 1 cold
    assert set(stats) == {"task_step_plain", "task_step_traced", "cold_task_step_plain",
                          "cold_task_step_traced"}
    assert stats["task_step_plain"].n == 3 and stats["cold_task_step_traced"].n == 3
    assert stats["task_step_traced"].median > stats["task_step_plain"].median > 0


def test_a_tracer_that_cannot_run_the_probe_program_is_a_refused_probe(monkeypatch):
    """A RuntimeError, which the plan turns into a skipped step with its reason."""
    def refuse(*_args, **_kw):
        raise TracerError("no such program file")
    monkeypatch.setattr(runner, "trace_program", refuse)
    with pytest.raises(RuntimeError, match="could not run its probe program: no such"):
        tracer.task_steps(10, 1, 1)
