"""The baozi coroutine scenario simulated: lines, order, timing, transfer pattern."""

from pathlib import Path

from schedsim.model import simulate
from schedsim.profile import load_profile
from schedsim.scenario import load
from schedsim.trace import load as load_trace

REPO = Path(__file__).resolve().parents[2]
BAOZI = REPO / "scenarios" / "baozi-coroutines.yaml"

EXPECTED = ["c1准备开始吃包子啦...", "c2准备开始吃包子啦..."] + [
    line for n in range(1, 6) for line in
    (f"[producer]做好了新包子 {n}", f"[c1] 正在吃包子 {n}", f"[c2] 正在吃包子 {n}")]


def test_baozi_emits_the_seventeen_lines_in_order():
    trace = simulate(load(BAOZI)).trace
    emits = trace.select("emit")
    assert [e.label for e in emits] == EXPECTED
    who = [trace.units[e.unit].name for e in emits]
    assert who[:2] == ["c1", "c2"] and who[2:5] == ["main", "c1", "c2"]


def test_baozi_takes_five_sleeps_plus_overshoot():
    result = simulate(load(BAOZI))
    # 5 × (1 s + 1.7 ms overshoot + the cold start of a CPU idle for 1 s) plus a few µs
    # of switches and spawns
    p = load_profile()
    rounds = 5 * (1_000_000_000 + p.sleep_overshoot(1_000_000_000) + p.cold_start(1_000_000_000))
    assert rounds <= result.makespan < rounds + 100_000
    assert result.trace.duration == result.makespan
    assert len(result.trace.select("block")) == 5


def test_send_follows_the_transfer_pattern():
    trace = simulate(load(BAOZI)).trace
    c1 = trace.unit_by_name("c1").id
    main = trace.units[1]
    sends = [i for i in trace.indices("send") if trace[i].value == 1 and trace[i].peer == c1]
    i = sends[0]
    ev = list(trace)[i:i + 7]
    assert [(e.kind, trace.units[e.unit].name) for e in ev] == [
        ("send", "main"), ("switch", "c1"), ("run", "c1"), ("recv", "c1"), ("emit", "c1"),
        ("stop", "c1"), ("switch", "main")]
    assert ev[1].level == "coroutine" and ev[1].cost == 13 and ev[1].cpu == 0
    assert ev[2].t == ev[0].t + 13 and ev[2].cause == i and ev[3].cause == i
    assert ev[3].value == 1 and ev[5].reason == "yield"
    assert trace.units[ev[0].unit].kind == "thread" and main.kind == "thread"


def test_units_are_process_thread_coroutines():
    trace = simulate(load(BAOZI)).trace
    assert [(u.kind, u.name, u.parent) for u in trace.units] == [
        ("process", "main", None), ("thread", "main", 0),
        ("coroutine", "c1", 1), ("coroutine", "c2", 1)]


def test_header_has_no_wall_clock_and_names_the_scenario():
    s = load(BAOZI)
    h = simulate(s, seed=7).trace.header
    assert h.source == "sim" and h.seed == 7 and h.start_wall is None
    assert h.producer == {"tool": "schedsim", "scenario": s.file, "sha256": s.sha256,
                          "real_program": "../examples/baozi/coroutines.py"}
    assert h.machine["cpus"] == 1 and h.machine["policy"] == "fifo"
    assert h.machine["costs"]["generator_switch"] == 13


def test_same_scenario_and_seed_give_identical_files(tmp_path):
    s = load(BAOZI)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    ra = simulate(s, out=a)
    simulate(load(BAOZI), out=b)
    assert ra.trace is None and ra.path == str(a) and ra.events > 100
    assert a.read_bytes() == b.read_bytes()
    assert len(load_trace(a)) == ra.events


def test_streamed_and_in_memory_traces_agree(tmp_path):
    from schedsim.trace import save
    s = load(BAOZI)
    save(simulate(s).trace, tmp_path / "mem.jsonl")
    simulate(s, out=tmp_path / "stream.jsonl")
    assert (tmp_path / "mem.jsonl").read_bytes() == (tmp_path / "stream.jsonl").read_bytes()


def test_instruments_see_every_event():
    from schedsim.trace import Instrument

    class Count(Instrument):
        def __init__(self):
            self.n, self.units, self.closed = 0, 0, False

        def unit_added(self, unit):
            self.units += 1

        def event_recorded(self, index, t, unit, kind, fields):
            self.n += 1

        def recording_closed(self):
            self.closed = True

    counter = Count()
    result = simulate(load(BAOZI), instruments=[counter])
    assert counter.n == result.events and counter.units == 4 and counter.closed


def test_identical_bytes_across_interpreters_and_hash_seeds(tmp_path):
    import os
    import subprocess
    import sys
    code = ("import sys; from schedsim.scenario import load; from schedsim.model import simulate;"
            "simulate(load(sys.argv[1]), out=sys.argv[2])")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"hash{seed}.jsonl"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(REPO / "scenarios" / "baozi-threads.yaml"),
                        str(out)], check=True, env=env)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 1000


def test_a_sim_trace_names_the_real_program_its_scenario_models():
    """So compare can refuse a real run of another program (relative to the scenario:
    a checkout's location does not change the trace's bytes)."""
    trace = simulate(load(BAOZI)).trace
    assert trace.header.producer["real_program"] == "../examples/baozi/coroutines.py"


def test_suspended_generators_are_closed_when_the_program_ends():
    """As in Python, where the consumers' last reference goes when producer()
    returns: each gets GeneratorExit at its yield (a 'close' transfer) and ends."""
    trace = simulate(load(BAOZI)).trace
    names = {u.id: u.name for u in trace.units}
    closes = [names[e.peer] for e in trace.select("send") if e.obj == "close"]
    assert closes == ["c1", "c2"]
    for name in ("c1", "c2"):
        unit = trace.unit_by_name(name).id
        assert [e.kind for e in trace if e.unit == unit][-4:] == ["switch", "run", "stop", "exit"]
        assert len(trace.select("run", unit)) == 7   # started, 5 buns, closed
