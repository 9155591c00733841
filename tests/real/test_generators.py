"""The real tracer on generator programs: the seed's baozi program and edge cases.

The generator tests run once per hook (``SCHEDSIM_HOOK``): the pure-Python
profile hook, the compiled profile hook and the compiled eval-frame hook
(the compiled ones skip when the extension is not built).
"""

import os
import subprocess

import pytest

from schedsim import _speedups
from schedsim.errors import TracerError
from schedsim.real import trace_program
from schedsim.trace import load

from .conftest import DATA, EXPECTED, PYTHON, ROOT, emits

SEED = DATA / "seed_baozi.py"
_BUILT = pytest.mark.skipif(not _speedups.available(),
                            reason="C extension schedsim._speedups._genhook not built")
HOOKS = [pytest.param("python", id="python"), pytest.param("profile", marks=_BUILT, id="profile"),
         pytest.param("eval", marks=_BUILT, id="eval")]


def traced(path, hook, **kw):
    """Trace ``path`` with the generator hook ``hook``."""
    return trace_program(path, env={**os.environ, "SCHEDSIM_HOOK": hook}, **kw)


@pytest.fixture(params=HOOKS)
def hook(request):
    """Each generator hook in turn."""
    return request.param


@pytest.fixture(scope="module", params=HOOKS)
def seed_run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("seed") / "seed.jsonl"
    return traced(SEED, request.param, time_scale=0.01, out=out)


def stops(trace, name):
    """Stop reasons of the generator unit ``name``."""
    return [s.reason for s in trace.select("stop", trace.unit_by_name(name).id)]


def sends_to(trace, unit):
    """The send events that transferred control to ``unit`` (runs back from a nested
    generator's yield have no cause)."""
    return [trace[r.cause] for r in trace.select("run", unit) if r.cause is not None]


def hows(trace, name):
    """How each transfer to ``name`` was made (the ``obj`` of its send events)."""
    return [s.obj for s in sends_to(trace, trace.unit_by_name(name).id)]


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
def test_default_and_fallback_hooks_record_the_same_transfers(hook):
    trace = traced(SEED, hook, time_scale=0.001).trace
    assert [label for _, label in emits(trace)] == EXPECTED
    kinds = [(trace.units[e.unit].name, e.kind, e.obj) for e in trace
             if e.kind in ("send", "run", "stop", "recv") and e.unit > 1]
    assert len(kinds) == 2 * (6 + 6 + 5)  # runs, yields, recvs of each consumer


def test_example_matches_the_seed_program(tmp_path, hook):
    run = traced(ROOT / "examples/baozi/coroutines.py", hook, time_scale=0.01)
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


def test_generator_end_close_and_throw(program, hook):
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
    trace = traced(path, hook).trace
    count = trace.unit_by_name("count#1").id
    tough = trace.unit_by_name("tough#1").id
    assert [s.reason for s in trace.select("stop", count)] == ["yield", "yield", "exit"]
    assert len(trace.select("exit", count)) == 1
    stops = [s.reason for s in trace.select("stop", tough)]
    assert stops == ["yield", "yield", "exit"]  # start, throw (caught), close
    objs = [trace[r.cause].obj for r in trace.select("run", tough)]
    assert objs == ["next", "throw", "close"]


def test_stdlib_generators_are_not_units(program, hook):
    path = program("""
        import os
        total = sum(len(p) for p in os.walk('.'))
        print(total > 0)
    """)
    trace = traced(path, hook).trace
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


# -- cases the eval-frame hook makes tricky (run under every hook) ------------------------

def test_generators_closed_by_close_refcount_and_gc(program, hook):
    path = program("""
        import gc
        def gen(tag, box=None):
            try:
                yield 1
                yield 2
            finally:
                print("cleanup", tag)
        class Box:
            pass
        g = gen("a"); next(g); g.close()
        h = gen("b"); next(h); del h                  # finalised when the last reference goes
        box = Box(); box.g = gen("c", box)            # box -> generator -> frame -> box
        next(box.g); del box
        gc.collect()                                  # finalised by the cycle collector
        print("end")
    """)
    trace = traced(path, hook).trace
    for name, tag in (("gen#1", "a"), ("gen#2", "b"), ("gen#3", "c")):
        assert stops(trace, name) == ["yield", "exit"], name
        assert (name, f"cleanup {tag}") in emits(trace)
    assert hows(trace, "gen#1") == ["next", "close"]
    # finalisation: the eval hook sees the close; the profile hooks see no C call ("next")
    assert hows(trace, "gen#2")[1] == ("close" if hook == "eval" else "next")
    assert emits(trace)[-1] == ("MainThread", "end")


def test_a_generator_left_in_a_cycle_is_closed_while_the_hook_still_sees_it(program, hook):
    """The tracer's last collection, at the program's end, closes a generator the program
    left suspended in cyclic garbage while it is still recorded; the program's end is
    then the collection's."""
    path = program("""
        def gen(box):
            try:
                yield 1
            finally:
                print("cleanup")
        class Box:
            pass
        box = Box(); box.g = gen(box)                 # box -> generator -> frame -> box
        next(box.g); del box
        print("end")
    """)
    trace = traced(path, hook).trace
    assert stops(trace, "gen#1") == ["yield", "exit"]
    assert emits(trace)[-2:] == [("MainThread", "end"), ("gen#1", "cleanup")]


def test_a_program_without_generators_of_its_own_is_not_collected_at_its_end(program):
    """No generator of its own, nothing to close: the tracer's last full collection (0.6
    ms of the process baozi's shutdown) is skipped."""
    path = program("""
        import gc, sys
        def seen(phase, info):
            if phase == "start" and info["generation"] == 2:
                sys.stdout.write("full collection\\n")
        gc.callbacks.append(seen)
        print("end")
    """)
    assert emits(traced(path, "eval").trace) == [("MainThread", "end")]


def test_only_the_programs_own_generator_code_counts_as_recorded():
    """The standard library's generator code is never recorded, other code never asked."""
    import threading
    from schedsim.real.genhook import Codes

    def own():
        yield 1
    codes = Codes()
    codes(threading.Thread.__init__.__code__)          # not a generator: never asked,
    codes(threading._enumerate.__code__)               # and the library's: not recorded
    assert codes.recorded_any is False
    assert codes(own.__code__) and codes.recorded_any is True


def test_throw_caught_and_escaping(program, hook):
    path = program("""
        def worker():
            while True:
                try:
                    x = yield
                    print("got", x)
                except KeyError:
                    print("caught")
        w = worker(); next(w); w.throw(KeyError); w.send(1)
        def fragile():
            yield 1
        f = fragile(); next(f)
        try:
            f.throw(ValueError("x"))
        except ValueError:
            print("escaped")
    """)
    trace = traced(path, hook).trace
    assert hows(trace, "worker#1") == ["next", "throw", "send"]
    assert stops(trace, "worker#1") == ["yield"] * 3
    assert hows(trace, "fragile#1") == ["next", "throw"]
    assert stops(trace, "fragile#1") == ["yield", "exit"]
    assert emits(trace) == [("worker#1", "caught"), ("worker#1", "got 1"),
                            ("MainThread", "escaped")]


def test_yield_from_chain(program, hook):
    path = program("""
        def leaf():
            x = yield "a"
            print("leaf got", x)
            return 7
        def middle():
            r = yield from leaf()
            print("middle got", r)
            yield "m"
        def top():
            yield from middle()
        t = top(); next(t); t.send("v")
    """)
    trace = traced(path, hook).trace
    unit = {n: trace.unit_by_name(n).id for n in ("MainThread", "top#1", "middle#1", "leaf#1")}
    for callee, caller in (("top#1", "MainThread"), ("middle#1", "top#1"), ("leaf#1", "middle#1")):
        assert [s.unit for s in sends_to(trace, unit[callee])] == [unit[caller]] * 2, callee
    assert stops(trace, "leaf#1") == ["yield", "exit"]
    assert stops(trace, "middle#1") == stops(trace, "top#1") == ["yield", "yield"]
    assert emits(trace) == [("leaf#1", "leaf got v"), ("middle#1", "middle got 7")]
    assert hows(trace, "top#1") == ["next", "send"]
    # the inner resumes are SEND instructions, not C calls: only the eval hook sees the value
    assert hows(trace, "leaf#1") == ["next", "send" if hook == "eval" else "next"]


def test_generator_driven_from_a_thread(program, hook):
    path = program("""
        import threading
        def counter():
            n = 0
            while True:
                n += (yield n)
        def drive():
            c = counter(); next(c)
            for i in range(3):
                c.send(i)
            print("thread done", c.send(0))
            c.close()
        t = threading.Thread(target=drive, name="driver"); t.start(); t.join()
    """)
    trace = traced(path, hook).trace
    gen = trace.unit_by_name("counter#1")
    assert trace.units[gen.parent].name == "driver"
    assert hows(trace, "counter#1") == ["next"] + ["send"] * 4 + ["close"]
    assert {s.unit for s in sends_to(trace, gen.id)} == {gen.parent}
    assert emits(trace) == [("driver", "thread done 3")]


def test_for_loop_over_a_generator(program, hook):
    path = program("""
        def squares(n):
            for i in range(n):
                yield i * i
        total = 0
        for s in squares(4):
            total += s
        print(total)
    """)
    trace = traced(path, hook).trace
    assert hows(trace, "squares#1") == ["next"] * 5
    assert stops(trace, "squares#1") == ["yield"] * 4 + ["exit"]
    assert len(trace.select("exit", trace.unit_by_name("squares#1").id)) == 1
    assert emits(trace) == [("MainThread", "14")]


def test_exceptions_raised_out_of_generators(program, hook):
    path = program("""
        def bad():
            yield 1
            raise KeyError("k")
        b = bad(); next(b)
        try:
            next(b)
        except KeyError:
            print("caught outside")
        def bad_first():
            raise ValueError("v")
            yield
        try:
            next(bad_first())
        except ValueError:
            print("first")
    """)
    trace = traced(path, hook).trace
    assert stops(trace, "bad#1") == ["yield", "exit"]
    assert stops(trace, "bad_first#1") == ["exit"]
    assert emits(trace) == [("MainThread", "caught outside"), ("MainThread", "first")]


def test_deep_recursion_inside_generators(program, hook):
    path = program("""
        import sys
        sys.setrecursionlimit(10_000)
        def depth(n):
            return 0 if n == 0 else 1 + depth(n - 1)
        def deep():
            yield depth(5_000)
            try:
                depth(100_000)
            except RecursionError:
                yield "limit"
        def nest(n):
            if n:
                yield from nest(n - 1)
            else:
                yield "bottom"
        g = deep()
        print(next(g), next(g))
        print(list(nest(30)))
    """)
    run = traced(path, hook)
    trace = run.trace
    assert run.status == 0
    assert [label for _, label in emits(trace)] == ["5000 limit", "['bottom']"]
    if hook == "python":  # the RecursionError hit the Python profile function: CPython drops it
        assert stops(trace, "deep#1") == ["yield"]
        assert any("replaced schedsim's profile hook" in w for w in run.warnings)
        return
    assert stops(trace, "deep#1") == ["yield", "yield"]
    nests = [u for u in trace.units if u.name.startswith("nest#")]
    assert len(nests) == 31
    assert all(stops(trace, u.name) == ["yield", "exit"] for u in nests)
    for outer, inner in zip(nests, nests[1:]):   # each level resumed by the one above
        assert {s.unit for s in sends_to(trace, inner.id)} == {outer.id}
