"""Invariants of the model over generated scenarios (hypothesis)."""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_helpers import check_invariants

from schedsim.model import simulate
from schedsim.scenario import loads
from schedsim.trace import save, unit_states

QUANTUM = 4_000_000
SETTINGS = settings(max_examples=int(os.environ.get("SCHEDSIM_EXAMPLES", "120")), deadline=None,
                    derandomize=not os.environ.get("SCHEDSIM_EXAMPLES"),
                    suppress_health_check=[HealthCheck.too_slow])

us = st.integers(1, 8_000).map(lambda n: f"{n}us")
compute = us.map(lambda d: {"compute": d})
sleep = us.map(lambda d: {"sleep": d})
io = us.map(lambda d: {"io": d})
emit = st.sampled_from(["a", "b", "c"]).map(lambda s: {"emit": s})
locked = us.map(lambda d: {"repeat": 1, "do": [{"lock": "L"}, {"compute": d}, {"unlock": "L"}]})
put = st.integers(0, 9).map(lambda v: {"put": {"queue": "q", "value": v}})
get = st.just({"get": "q"})
ipc_put = st.integers(0, 9).map(lambda v: {"put": {"queue": "ch", "value": v, "size": 2}})
ipc_get = st.just({"get": "ch"})
any_op = st.one_of(compute, sleep, io, emit, locked, put, get, ipc_put, ipc_get)


def generator_thread(draw) -> dict:
    """A thread driving a generator coroutine with send (which may compute or sleep)."""
    body = draw(st.lists(st.one_of(compute, emit, sleep), max_size=2))
    return {"coroutines": {"g": [{"emit": "ready"}, {"loop": [{"recv": "x"}, *body]}]},
            "program": [{"start": "g"},
                        {"repeat": draw(st.integers(1, 3)), "as": "n",
                         "do": [*draw(st.lists(compute, max_size=1)),
                                {"send": {"to": "g", "value": "{n}"}}]}]}


def asyncio_thread(draw) -> dict:
    """A thread running an event loop: tasks that compute, await and pass values."""
    step = st.one_of(compute, emit, us.map(lambda d: {"await": {"sleep": d}}),
                     us.map(lambda d: {"await": {"io": d}}), sleep)
    return {"asyncio": True,
            "program": [{"spawn": ["a", "b"]}, *draw(st.lists(step, max_size=2)),
                        {"await": {"put": {"queue": "aq", "value": 1}}},
                        {"await": {"join": ["a", "b"]}}],
            "tasks": {"a": draw(st.lists(step, min_size=1, max_size=3)),
                      "b": [{"await": {"get": "aq"}}, *draw(st.lists(step, max_size=2))]}}


@st.composite
def scenarios(draw, ops=any_op, policies=("fifo", "rr", "priority", "fair", "edf"),
              gil=None, cpus=None):
    """A scenario: 1-2 processes with 1-4 threads each, random programs."""
    procs = {}
    for p in range(draw(st.integers(1, 2))):
        threads = {}
        for t in range(draw(st.integers(1, 4))):
            threads[f"t{t}"] = {"priority": draw(st.integers(0, 3)),
                                "nice": draw(st.integers(-5, 5)),
                                "program": draw(st.lists(ops, min_size=1, max_size=6))}
        if draw(st.booleans()):
            threads["gens"] = generator_thread(draw)
        if draw(st.booleans()):
            threads["loop"] = asyncio_thread(draw)
        procs[f"p{p}"] = {"gil": draw(st.booleans()) if gil is None else gil,
                          "queues": {"q": 0, "aq": {"kind": "asyncio"}}, "locks": ["L"],
                          "threads": threads}
    if len(procs) == 2 and draw(st.booleans()):        # p1 becomes p0's child
        procs["p1"]["start"] = draw(st.sampled_from(["fork", "spawn"]))
        first = procs["p0"]["threads"]["t0"]["program"]
        first.insert(0, {"spawn": "p1"})
        first.append(draw(st.sampled_from([{"join": "p1"}, {"kill": "p1"}, {"emit": "x"}])))
    doc = {"schedsim": 1, "seed": draw(st.integers(0, 5)), "ipc": {"ch": 1},
           "machine": {"cpus": cpus or draw(st.integers(1, 3)),
                       "policy": draw(st.sampled_from(policies)), "quantum": "4ms"},
           "processes": procs}
    return json.dumps(doc)


def sim(text):
    return simulate(loads(text, "gen.yaml")).trace


@SETTINGS
@given(scenarios())
def test_generated_scenarios_keep_the_invariants(text):
    check_invariants(sim(text))


@SETTINGS
@given(text=scenarios())
def test_same_scenario_and_seed_give_identical_bytes(tmp_path_factory, text):
    d = tmp_path_factory.mktemp("det")
    save(sim(text), d / "a.jsonl")
    simulate(loads(text, "gen.yaml"), out=d / "b.jsonl")
    assert (d / "a.jsonl").read_bytes() == (d / "b.jsonl").read_bytes()


def _runnable_waits(trace):
    kinds = [u.kind for u in trace.units]
    return [iv for iv in unit_states(trace) if kinds[iv.unit] == "thread"
            and iv.state == "runnable"]


@SETTINGS
@given(scenarios(ops=st.one_of(compute, sleep, emit), policies=("rr",), gil=False))
def test_round_robin_gives_every_runnable_thread_a_turn(text):
    trace = sim(text)
    n = sum(1 for u in trace.units if u.kind == "thread")
    costs = trace.header.machine["costs"]
    switch = max(costs["thread_switch"], costs["process_switch"]) + costs["cross_cpu_wakeup"]
    bound = (n - 1) * (QUANTUM + switch)
    for iv in _runnable_waits(trace):
        assert iv.end - iv.start <= bound, (iv, bound)


@SETTINGS
@given(scenarios(ops=st.one_of(compute, sleep, emit, io), policies=("priority",), gil=False))
def test_preemptive_priority_never_runs_a_lower_priority_while_a_higher_waits(text):
    trace = sim(text)
    prio = {u.id: u.attrs.get("priority", 0) for u in trace.units if u.kind == "thread"}
    running = [iv for iv in unit_states(trace) if iv.unit in prio and iv.state == "running"]
    for wait in _runnable_waits(trace):
        for run in running:
            overlap = min(wait.end, run.end) - max(wait.start, run.start)
            assert not (overlap > 0 and prio[run.unit] < prio[wait.unit]), (wait, run)
