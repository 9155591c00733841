"""Every scenario in scenarios/ simulates, keeps the invariants, and shows what
its lesson claims."""

from pathlib import Path

import pytest
from model_helpers import check_invariants, emit_time, labels

from schedsim.model import metrics, simulate
from schedsim.profile import load_profile
from schedsim.scenario import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ALL = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
MS = 1_000_000


def sim(name: str):
    return simulate(load(SCENARIOS / f"{name}.yaml")).trace


@pytest.mark.parametrize("name", ALL)
def test_scenario_runs_and_keeps_the_invariants(name):
    trace = sim(name)
    assert len(trace.select("emit")) > 0
    check_invariants(trace)


@pytest.mark.parametrize("variant", ["threads", "processes", "asyncio"])
def test_baozi_variants_print_the_coroutine_lines(variant):
    reference = labels(sim("baozi-coroutines"))
    trace = sim(f"baozi-{variant}")
    assert sorted(labels(trace)) == sorted(reference) and len(reference) == 17
    for n in range(1, 6):   # each bun is made before it is eaten, and eaten by both
        made = emit_time(trace, f"[producer]做好了新包子 {n}")
        assert made < emit_time(trace, f"[c1] 正在吃包子 {n}")
        assert made < emit_time(trace, f"[c2] 正在吃包子 {n}")
    assert 5_000 * MS < trace.duration < 5_100 * MS
    scenario = load(SCENARIOS / f"baozi-{variant}.yaml")
    assert scenario.real.program.name == f"{variant}.py" and scenario.real.time_scale == 0.01


def test_baozi_variants_keep_the_coroutine_order():
    reference = labels(sim("baozi-coroutines"))
    for variant in ("threads", "processes", "asyncio"):
        assert labels(sim(f"baozi-{variant}")) == reference, variant


def test_baozi_processes_copy_values_through_ipc():
    trace = sim("baozi-processes")
    buns = [e for e in trace.select("send") if e.obj in ("inbox-c1", "inbox-c2")]
    assert [e.value for e in buns] == [n for n in range(1, 6) for _ in (1, 2)] + [None, None]
    senders = {trace.units[trace.units[e.unit].parent].name for e in buns}
    assert senders == {"main"}
    replies = [e for e in trace.select("recv") if e.obj.startswith("replies-")]
    assert [e.value for e in replies[:2]] == ["ready", "ready"]


def test_fork_memory_children_and_threads_see_what_they_should():
    lines = labels(sim("fork-memory"))
    # the child and the helper thread run at once: only each one's own order is fixed
    assert sorted(lines) == sorted(["child: x = 1", "helper thread: x = 2",
                                    "child: x = 3 after its own write", "parent: x = 2"])
    assert lines.index("child: x = 1") < lines.index("child: x = 3 after its own write")
    assert lines[-1] == "parent: x = 2"


def test_fork_memory_reads_record_the_value_seen():
    trace = sim("fork-memory")
    reads: dict = {}
    for e in trace.select("mem"):
        if e.reason == "read":
            reads.setdefault(trace.units[trace.units[e.unit].parent].name, []).append(e.value)
    assert reads == {"child": [1, 3], "parent": [2, 2]}


def test_switch_costs_order_coroutine_thread_process():
    trace = sim("switch-costs")
    coro = emit_time(trace, "coroutines done") - emit_time(trace, "coroutines start")
    threads = emit_time(trace, "threads done") - emit_time(trace, "coroutines done")
    procs = emit_time(trace, "processes done") - emit_time(trace, "threads done")
    assert coro * 100 < threads < procs


def test_idle_wakeup_answers_later_after_the_cpus_idled():
    trace = sim("idle-wakeup")
    sent = {e.value: e.t for e in trace.select("send") if e.obj == "requests"}
    late = {e.label.removeprefix("served "): e.t - sent[e.label.removeprefix("served ")]
            for e in trace.select("emit")}
    p = load_profile()
    hot = p.cost("cross_cpu_wakeup")
    assert [late[f"hot {i}"] for i in (1, 2, 3)] == pytest.approx([hot] * 3, abs=1_000)
    cold = hot + p.idle_wakeup(100 * MS) + p.cold_start(100 * MS)
    assert [late[f"cold {i}"] for i in (1, 2, 3)] == pytest.approx([cold] * 3, abs=1_000)


def test_creation_cost_order_generator_thread_fork_spawn():
    trace = sim("creation-cost")
    t = [emit_time(trace, x) for x in ("start", "10 generators created", "10 threads created",
                                       "10 processes forked", "2 processes spawned")]
    gens, threads, forks, spawns = (b - a for a, b in zip(t, t[1:]))
    assert gens < 10_000 < threads < 1 * MS < forks
    assert spawns / 2 > forks / 10 * 10     # one spawn costs more than ten forks


def test_gil_threads_gain_nothing_processes_do():
    trace = sim("gil-threads-vs-processes")
    threads = emit_time(trace, "threads done") - emit_time(trace, "threads start")
    procs = emit_time(trace, "processes done") - emit_time(trace, "threads done")
    assert threads >= 200 * MS and procs < 105 * MS


def test_processes_with_event_loops_use_both_cpus():
    m = metrics(sim("processes-coroutines"))
    assert len(m.cpus) == 2
    assert all(row["busy"] > 0.9 * m.overall["makespan"] for row in m.cpus)


def _io(name):
    trace = sim(f"io-{name}")
    return metrics(trace).unit("student"), trace


def test_the_four_io_combinations_differ_as_the_seed_says():
    sb, _ = _io("sync-blocking")
    snb, _ = _io("sync-nonblocking")
    ab, ab_trace = _io("async-blocking")
    anb, anb_trace = _io("async-nonblocking")
    # blocking: the caller sits off the CPU while the device works
    assert sb["blocked"] >= 50 * MS and sb["cpu"] == 30 * MS
    # non-blocking polling: never blocked, on the CPU the whole time, result seen late
    assert snb["blocked"] == 0 and snb["cpu"] >= 80 * MS and snb["io_latency"] > 50 * MS
    # async + blocking wait: the call returns at once, the wait blocks
    order = [e.kind for e in ab_trace.select("send") + ab_trace.select("block")]
    assert order == ["send", "block"] and ab["blocked"] >= 50 * MS
    # async + callback: the other work overlaps the device; done at 50 ms, not 80 (plus
    # the wake-up of the CPU that idled from 30 ms to 50 ms)
    p = load_profile()
    waking = p.idle_wakeup(20 * MS) + p.cold_start(20 * MS)
    assert anb["io_latency"] == anb_trace.duration == 50 * MS + waking
    assert labels(anb_trace) == ["order", "other work done", "got the meal"]


def test_fifo_convoy_and_round_robin_response():
    fifo, rr = sim("policy-fifo"), sim("policy-rr")
    assert emit_time(fifo, "keystroke 1 echoed") > 200 * MS
    assert emit_time(rr, "keystroke 1 echoed") < 12 * MS
    assert metrics(rr).unit("editor")["response"] <= 10 * MS + 10_000


def test_priority_misses_a_deadline_edf_does_not():
    prio, edf = sim("policy-priority"), sim("policy-edf")
    assert [e.label for e in prio.select("mark")] == ["deadline miss"]
    assert edf.select("mark") == []


def test_fair_share_follows_nice_weights():
    trace = sim("policy-fair")
    normal, background = (trace.unit_by_name(n).id for n in ("normal", "background"))
    until = emit_time(trace, "normal done")
    ran = {normal: 0, background: 0}
    from schedsim.trace import unit_states
    for iv in unit_states(trace):
        if iv.unit in ran and iv.state == "running" and iv.start < until:
            ran[iv.unit] += min(iv.end, until) - iv.start
    ratio = ran[normal] / ran[background]
    assert 2.5 < ratio < 3.6          # weights 1024 : 335 ≈ 3.06


def test_lost_update_loses_an_update_only_without_the_lock():
    trace = sim("lost-update")
    (label,) = labels(trace)
    unlocked = int(label.split("=")[1].split(",")[0])
    assert unlocked < 6 and label.endswith("locked counter = 6")
