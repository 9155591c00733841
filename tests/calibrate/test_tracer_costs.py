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


def test_the_task_step_probe_runs_one_program_plainly_and_traced():
    """The traced run also times its cold steps with the tracer's wrapper taken out, in
    turn with it in; the traced step is the dearer (on this machine 5 against 2 µs: a
    wrapper in Python around each step cannot cost nothing)."""
    stats = tracer.task_steps(300, 3, 3)
    assert set(stats) == {"task_step_plain", "task_step_traced", "cold_task_step_plain",
                          "cold_task_step_traced", "cold_task_step_unwrapped_traced"}
    assert stats["task_step_plain"].n == 3 and stats["cold_task_step_unwrapped_traced"].n == 3
    assert stats["task_step_traced"].median > stats["task_step_plain"].median > 0


def test_the_step_program_takes_the_wrapper_out_and_puts_it_back(monkeypatch):
    """Under a schedsim wrapper the cold steps run with it and with what it wraps, in
    turn; the installed one is back afterwards."""
    import asyncio

    from schedsim.calibrate import tracee
    from schedsim.real.patching import wrap_attr
    seen = []
    handle = asyncio.events.Handle
    monkeypatch.setattr(handle, "_run", handle._run)
    bare = handle._run

    def make(original):
        def _run(h):
            seen.append("wrapped")
            return original(h)
        return _run
    wrap_attr(handle, "_run", make)
    wrapped = handle._run
    monkeypatch.setattr(tracee, "IDLE_S", 0.0)
    out = asyncio.run(tracee._main(10, 1, 2))
    assert set(out) == {"task_step", "cold_task_step", "cold_task_step_unwrapped"}
    assert len(out["cold_task_step_unwrapped"]) == 2 and seen
    assert handle._run is wrapped and wrapped.__wrapped__ is bare


def test_a_tracer_that_cannot_run_the_probe_program_is_a_refused_probe(monkeypatch):
    """A RuntimeError, which the plan turns into a skipped step with its reason."""
    def refuse(*_args, **_kw):
        raise TracerError("no such program file")
    monkeypatch.setattr(runner, "trace_program", refuse)
    with pytest.raises(RuntimeError, match="could not run its probe program: no such"):
        tracer.task_steps(10, 1, 1)
