"""Threads on CPUs: fifo/rr, switch costs, queues, locks, events, join, GIL."""

from model_helpers import HEAD, check_invariants, emit_time, emits, labels, run

from schedsim.model import metrics


def two_threads(policy="rr", cpus=1, extra=""):
    return HEAD + f"""machine: {{cpus: {cpus}, policy: {policy}, quantum: 10ms}}
processes:
  p:
{extra}    threads:
      a: [{{compute: 25ms}}, {{emit: a done}}]
      b: [{{compute: 25ms}}, {{emit: b done}}]
"""


def test_fifo_runs_each_thread_to_completion():
    trace = run(two_threads("fifo"))
    assert labels(trace) == ["a done", "b done"]
    assert emit_time(trace, "a done") == 25_000_000
    assert emit_time(trace, "b done") == 50_002_500          # one thread switch (2.5 µs)
    check_invariants(trace)


def test_round_robin_alternates_quanta_and_charges_switches():
    trace = run(two_threads("rr"))
    stops = [(trace.units[e.unit].name, e.t) for e in trace.select("stop")]
    assert stops == [("a", 10_000_000), ("b", 20_002_500), ("a", 30_005_000),
                     ("b", 40_007_500)]
    assert all(e.cost == 2_500 and e.level == "thread" for e in trace.select("switch"))
    assert emit_time(trace, "b done") == 50_000_000 + 5 * 2_500
    check_invariants(trace)


def test_two_cpus_run_two_threads_in_parallel():
    trace = run(two_threads("rr", cpus=2))
    assert emit_time(trace, "a done") == emit_time(trace, "b done") == 25_000_000
    assert {e.cpu for e in trace.select("run")} == {0, 1}
    check_invariants(trace)


def test_gil_serialises_cpu_bound_threads_even_on_two_cpus():
    trace = run(two_threads("rr", cpus=2, extra="    gil: true\n"))
    done = max(emit_time(trace, "a done"), emit_time(trace, "b done"))
    assert done >= 50_000_000                       # no gain from the second CPU
    blocks = [e for e in trace.select("block") if e.reason == "gil"]
    assert len(blocks) >= 4                          # forced hand-offs every 5 ms
    m = metrics(trace)
    assert m.unit("a")["gil_wait"] > 10_000_000 and m.unit("b")["gil_wait"] > 10_000_000
    check_invariants(trace)


def test_gil_forced_switch_interval_is_configurable():
    text = two_threads("fifo", cpus=2, extra="    gil: true\n").replace(
        "quantum: 10ms}", "quantum: 10ms, costs: {gil_switch_interval: 1ms}}")
    trace = run(text)
    handoffs = [e for e in trace.select("send") if e.obj == "GIL"]
    assert len(handoffs) > 40                         # 50 ms of work / 1 ms interval


QUEUE = HEAD + """machine: {cpus: 1, policy: fifo}
processes:
  p:
    queues: {q: 1}
    threads:
      main:
        - spawn: consumer
        - repeat: 3
          as: n
          do: [{put: {queue: q, value: "{n}"}}, {emit: "put {n}"}]
        - join: consumer
        - emit: joined
      consumer:
        - repeat: 3
          do: [{get: {queue: q, as: x}}, {emit: "got {x}"}, {compute: 1ms}]
"""


def test_bounded_queue_blocks_the_producer_and_hands_values_over():
    trace = run(QUEUE)
    assert labels(trace) == ["put 1", "put 2", "got 1", "got 2", "put 3", "got 3", "joined"]
    recvs = [e for e in trace.select("recv") if e.obj == "q"]
    assert [e.value for e in recvs] == [1, 2, 3]
    assert all(trace[e.cause].kind == "send" and trace[e.cause].value == e.value for e in recvs)
    blocked = [e.reason for e in trace.select("block")]
    assert "send" in blocked and "recv" in blocked and "join" in blocked
    check_invariants(trace)


def test_thread_start_waits_until_the_new_thread_runs():
    trace = run(HEAD + """processes:
  p:
    threads:
      main: [{spawn: w}, {emit: started}]
      w: [{emit: hello from w}]
""")
    assert labels(trace) == ["hello from w", "started"]
    w = trace.unit_by_name("w").id
    spawn = trace.select("spawn", w)[0]
    assert spawn.cost == 43_000 and spawn.t == 43_000


LOCKS = HEAD + """machine: {cpus: 2, policy: fifo}
processes:
  p:
    locks: [L]
    events: [go]
    threads:
      main: [{spawn: [a, b]}, {compute: 1ms}, {set: go}, {join: [a, b]}]
      a: [{wait: go}, {lock: L}, {emit: a in}, {compute: 2ms}, {emit: a out}, {unlock: L}]
      b: [{wait: go}, {lock: L}, {emit: b in}, {compute: 1ms}, {emit: b out}, {unlock: L}]
"""


def test_lock_excludes_and_event_releases_all_waiters():
    """One set wakes both waiters.  a gets the idle CPU 1 and pays the wake-up of a CPU
    that idled 1 ms (cross-CPU, idle wake-up, cold start: 54.4 µs); b takes CPU 0, which
    main frees as it blocks in join (a migration and the cold start of a thread blocked
    1 ms: 45.7 µs), so b takes L first and a waits on it until b lets go."""
    trace = run(LOCKS)
    assert labels(trace) == ["b in", "b out", "a in", "a out"]
    a = trace.unit_by_name("a").id
    # handed over at the unlock; a's CPU has idled since a blocked: a remote wake-up
    handover = [e for e in trace.select("switch", a) if e.t == emit_time(trace, "b out")]
    assert len(handover) == 1 and handover[0].cost > 37_000
    assert emit_time(trace, "a in") == emit_time(trace, "b out") + handover[0].cost
    lock_blocks = [e for e in trace.select("block", a) if e.reason == "lock"]
    assert len(lock_blocks) == 1
    wakes = trace.select("wake", a)
    assert trace[wakes[-1].cause].obj == "L"
    assert [trace[w.cause].obj for w in (trace.select("wake", a)[-2],
                                          trace.select("wake", trace.unit_by_name("b").id)[-1])
            ] == ["go", "go"]
    check_invariants(trace)


def test_unlock_without_holding_is_a_located_error():
    import pytest
    from schedsim.errors import ScenarioError
    with pytest.raises(ScenarioError) as info:
        run(HEAD + "processes:\n  p:\n    locks: [L]\n    threads:\n      main: [{unlock: L}]\n")
    assert info.value.line == 6 and "does not hold" in info.value.message


def test_metrics_rows_add_up():
    m = metrics(run(two_threads("rr", cpus=2)))
    assert m.overall["cpus"] == 2
    for row in m.cpus:
        assert row["busy"] + row["idle"] + row["switching"] == m.overall["makespan"]
    a = m.unit("a")
    assert a["cpu"] == 25_000_000 and a["switches_in"] == 1 and a["switches_out"] == 1
    assert m.to_json()["overall"]["makespan"] == 25_000_000


def test_emits_name_their_threads():
    assert emits(run(two_threads("fifo"))) == [("a", "a done"), ("b", "b done")]


def test_printing_costs_the_emit_cost_before_the_line_appears():
    text = HEAD + """machine: {cpus: 1, costs: {emit: 4us}}
processes:
  p:
    threads:
      a: [{emit: one}, {emit: two}]
"""
    trace = run(text)
    assert [e.t for e in trace.select("emit")] == [4_000, 8_000]
    assert metrics(trace).unit("a")["cpu"] == 8_000


def test_a_started_thread_pays_its_teardown_before_join_sees_it():
    """thread_exit: CPython clears a finished thread's state before it releases the
    lock join() waits on; the main thread (autostarted) ends with its process instead."""
    text = HEAD + """machine: {cpus: 1, policy: fifo, costs: {thread_exit: 30us}}
processes:
  p:
    threads:
      main: [{spawn: w}, {join: [w]}, {emit: joined}]
      w: [{compute: 1ms}, {emit: w done}]
"""
    trace = run(text)
    w = trace.unit_by_name("w").id
    done, exit_ = emit_time(trace, "w done"), trace.select("exit", w)[0].t
    assert exit_ - done == 30_000                      # w spends its teardown on the CPU
    # then the joiner switches back in, with the cold start of a thread blocked 2.5 µs
    # (woken as w started, it then waited for the CPU): 2.5 µs × 6 µs/ms = 15 ns
    assert emit_time(trace, "joined") == exit_ + 2_500 + 15
    main = trace.unit_by_name("main").id
    assert trace.select("exit", main)[0].t == emit_time(trace, "joined")
    check_invariants(trace)
