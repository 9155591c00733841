"""Where the print probes print: a drained pipe buffered as the programs' stdout."""

import io
import os

import pytest

from schedsim.calibrate.fresh import fresh_env
from schedsim.calibrate.sinks import ENV_STDOUT, drained_pipe, probe_stdout, program_stdout


def test_a_programs_stdout_buffers_as_cpython_sets_it_up():
    """PYTHONUNBUFFERED wins; else a terminal is line-buffered and anything else
    block-buffered (a pipe here: os.pipe's write end)."""
    r, w = os.pipe()
    try:
        assert program_stdout({"PYTHONUNBUFFERED": "1"}, w) == "unbuffered"
        assert program_stdout({"PYTHONUNBUFFERED": ""}, w) == "block"
        assert program_stdout({}, w) == "block"
    finally:
        os.close(r)
        os.close(w)


def test_the_measuring_interpreter_is_told_how_the_callers_programs_print(monkeypatch):
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    assert fresh_env()[ENV_STDOUT] == "unbuffered"
    monkeypatch.setenv(ENV_STDOUT, "line")
    assert probe_stdout() == "line"
    monkeypatch.setenv(ENV_STDOUT, "nonsense")
    assert probe_stdout() == program_stdout()


@pytest.mark.parametrize("mode, write_through, line_buffering, buffered", [
    ("unbuffered", True, False, False), ("line", False, True, True),
    ("block", False, False, True)])
def test_the_drained_pipe_buffers_as_asked(mode, write_through, line_buffering, buffered):
    with drained_pipe(mode) as out:
        assert out.write_through is write_through
        assert out.line_buffering is line_buffering
        assert isinstance(out.buffer, io.BufferedWriter) is buffered
        print("[c1] 正在吃包子 1", file=out)


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="expected one of"):
        with drained_pipe("sometimes"):
            pass
