"""The real tracer on generator programs: the seed's baozi program and edge cases."""

import os
import subprocess

import pytest

from schedsim.errors import TracerError
from schedsim.real import trace_program
from schedsim.trace import load

from .conftest import DATA, EXPECTED, PYTHON, ROOT, emits

SEED = DATA / "seed_baozi.py"


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed") / "seed.jsonl"
    return trace_program(SEED, time_scale=0.01, out=out)


def test_seed_emits_17_lines_on_the_right_units(seed_run):
    trace = seed_run.trace
    assert seed_run.status == 0 and not seed_run.timed_out
    got = emits(trace)
    assert [label for _, label in got] == EXPECTED
    owner = {"c1": "consumer#1", "c2": "consumer#2", "[p": "MainThread"}
    for unit, label in got:
        key = "[p" if label.startswith("[p") else label.strip("[")[:2]
        assert unit == owner[key], (unit, label)


def test_seed_units_and_header(seed_run):
    trace = seed_run.trace
    kinds = [(u.kind, u.name) for u in trace.units]
    assert kinds == [("process", "seed_baozi.py"), ("thread", "MainThread"),
                     ("coroutine", "consumer#1"), ("coroutine", "consumer#2")]
    assert all(u.pid == trace.units[0].pid for u in trace.units)
    assert trace.units[2].parent == trace.units[3].parent == 1
    assert trace.header.source == "real" and trace.header.time_scale == 0.01


def test_seed_producer_line_keeps_its_colour(seed_run):
    first = [e for e in seed_run.trace.select("emit") if e.label.startswith("[producer]")][0]
    assert first.style == [{"start": 0, "end": 10, "sgr": "32;1"}]


def test_seed_every_resume_names_its_resumer(seed_run):
    trace = seed_run.trace
    for unit in (2, 3):
        runs = trace.select("run", unit)
        assert len(runs) == 6  # primed once, then five sends
        sends = [trace[r.cause] for r in runs]
        assert all(s.kind == "send" and s.unit == 1 and s.peer == unit for s in sends)
        assert all(s.label == "producer" for s in sends)
        assert [s.obj for s in sends] == ["next"] + ["send"] * 5
        assert len(trace.select("recv", unit)) == 5
        assert [s.reason for s in trace.select("stop", unit)] == ["yield"] * 6


def test_seed_sleeps_are_scaled(seed_run):
    trace = seed_run.trace
    blocks = trace.indices("block")
    wakes = trace.indices("wake")
    assert len(blocks) == len(wakes) == 5
    for b, w in zip(blocks, wakes):
        assert trace[b].reason == "sleep" and trace[b].value == 10_000_000
        assert 9_900_000 <= trace[w].t - trace[b].t < 1_000_000_000
    assert trace.duration < 2_000_000_000  # not the unscaled 5 s


def test_seed_trace_saved_and_loadable(seed_run):
    loaded = load(seed_run.path)
    assert len(loaded) == len(seed_run.trace)
    assert [e.label for e in loaded.select("emit")] == EXPECTED


@pytest.mark.parametrize("hook", ["python", "auto"])
def test_both_hooks_record_the_same_transfers(hook):
    env = {**os.environ, "SCHEDSIM_HOOK": hook}
    trace = trace_program(SEED, time_scale=0.001, env=env).trace
    assert [label for _, label in emits(trace)] == EXPECTED
    kinds = [(trace.units[e.unit].name, e.kind, e.obj) for e in trace
             if e.kind in ("send", "run", "stop", "recv") and e.unit > 1]
    assert len(kinds) == 2 * (6 + 6 + 5)  # runs, yields, recvs of each consumer


def test_example_matches_the_seed_program(tmp_path):
    run = trace_program(ROOT / "examples/baozi/coroutines.py", time_scale=0.01)
    assert [label for _, label in emits(run.trace)] == EXPECTED
    assert {u.name for u in run.trace.units if u.kind == "coroutine"} == {"consumer#1",
                                                                          "consumer#2"}


def test_stdout_passes_through_unchanged(capfd):
    trace_program(SEED, time_scale=0.01)
    out, err = capfd.readouterr()
    want = "".join(line.replace("[producer]", "\x1b[32;1m[producer]\x1b[0m") + "\n"
                   for line in EXPECTED)
    assert out == want and err == ""


def test_piped_output_is_byte_identical_to_plain_python(program):
    path = program('''
        import sys
        print("\\x1b[31mred\\x1b[0m", "a", sep="|", end="")
        sys.stdout.write(" tail\\n")
        print("err line", file=sys.stderr)
        print("done")
    ''')
    plain = subprocess.run([PYTHON, str(path)], capture_output=True, check=True)
    code = ("import sys; from schedsim.real import trace_program; "
            "r = trace_program(sys.argv[1]); "
            "print(len(r.trace.select('emit')), file=sys.stderr)")
    traced = subprocess.run([PYTHON, "-c", code, str(path)], capture_output=True, check=True)
    assert traced.stdout == plain.stdout
    assert traced.stderr == plain.stderr + b"3\n"


def test_program_that_raises_keeps_its_trace(program, tmp_path, capfd):
    path = program("""
        print("before")
        def boom():
            raise ValueError("bad bun")
        boom()
    """)
    run = trace_program(path, out=tmp_path / "t.jsonl")
    _, err = capfd.readouterr()
    assert run.status == 1
    assert "ValueError: bad bun" in err and "schedsim" not in err
    assert 'line 5, in <module>' in err
    saved = load(tmp_path / "t.jsonl")
    assert [e.label for e in saved.select("emit") if e.obj is None] == ["before"]
    assert saved.select("exit", 0)[0].value == 1


def test_exit_status_and_argv(program):
    path = program("""
        import sys
        print(sys.argv[1:], __name__)
        sys.exit(int(sys.argv[1]))
    """)
    run = trace_program(path, ["3", "x"])
    assert run.status == 3
    assert [e.label for e in run.trace.select("emit")] == ["['3', 'x'] __main__"]


def test_generator_end_close_and_throw(program):
    path = program("""
        def count():
            yield 1
            yield 2
        for x in count():
            pass
        def tough():
            while True:
                try:
                    yield
                except ValueError:
                    pass
        t = tough(); next(t); t.throw(ValueError); t.close()
    """)
    trace = trace_program(path).trace
    count = trace.unit_by_name("count#1").id
    tough = trace.unit_by_name("tough#1").id
    assert [s.reason for s in trace.select("stop", count)] == ["yield", "yield", "exit"]
    assert len(trace.select("exit", count)) == 1
    stops = [s.reason for s in trace.select("stop", tough)]
    assert stops == ["yield", "yield", "exit"]  # start, throw (caught), close
    objs = [trace[r.cause].obj for r in trace.select("run", tough)]
    assert objs == ["next", "throw", "close"]


def test_stdlib_generators_are_not_units(program):
    path = program("""
        import os
        total = sum(len(p) for p in os.walk('.'))
        print(total > 0)
    """)
    trace = trace_program(path).trace
    assert [u.name for u in trace.units if u.kind == "coroutine"] == ["<genexpr>#1"]


def test_missing_program_and_bad_options(tmp_path):
    with pytest.raises(TracerError, match="no such program"):
        trace_program(tmp_path / "nope.py")
    (tmp_path / "p.py").write_text("")
    with pytest.raises(TracerError, match="time_scale"):
        trace_program(tmp_path / "p.py", time_scale=0)
    with pytest.raises(TracerError, match="timeout"):
        trace_program(tmp_path / "p.py", timeout=-1)


def test_timeout_ends_the_run_and_keeps_the_trace(program):
    path = program("""
        import time
        print("started", flush=True)
        time.sleep(60)
        print("never")
    """)
    run = trace_program(path, timeout=1.0)
    assert run.timed_out and run.status < 0
    assert [e.label for e in run.trace.select("emit")] == ["started"]
    assert run.trace.header.meta["timed_out"] is True
