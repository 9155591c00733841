"""A CPU that idled wakes slowly: the profile's idle wake-up and cold start."""

from model_helpers import HEAD, check_invariants, emit_time, loads, run

from schedsim.model import simulate
from schedsim.profile import Profile, load_profile

MS = 1_000_000

# flat beyond 1 ms, so the figures below do not depend on the exact idle time
FLAT = Profile(name="flat", idle_wakeup_curve=((0, 0), (MS, 50_000)),
               cold_start_curve=((0, 0), (MS, 20_000)))

SCENARIO = HEAD + """machine: {cpus: 2, policy: fifo}
processes:
  p:
    queues: {q: 0}
    threads:
      waiter: [{get: {queue: q, as: x}}, {emit: "got {x}"}]
      sender: [{sleep: 10ms}, {put: {queue: q, value: 1}}, {emit: sent}]
"""


def switches(trace, name):
    unit = trace.unit_by_name(name).id
    return [e.cost for e in trace.select("switch") if e.unit == unit]


def test_a_timer_wake_pays_the_cold_start_and_a_woken_thread_the_wake_up_too():
    trace = simulate(loads(SCENARIO, "t.yaml"), profile=FLAT).trace
    # the sender's sleep ends on a CPU idle for 10 ms: its overshoot already holds
    # the timer's wake-up latency, so only the cold start is added
    assert switches(trace, "sender")[-1] == 20_000
    # the waiter is woken by the sender's put onto the other idle CPU (where it did
    # not run before: a migration): both, on top of the hot cross-CPU wake-up
    assert switches(trace, "waiter")[-1] == 50_000 + 20_000 + FLAT.cost("cross_cpu_wakeup")
    check_invariants(trace)


def test_a_cpu_handed_over_busy_costs_no_idle_extra():
    text = HEAD + """machine: {cpus: 1, policy: fifo}
processes:
  p:
    threads:
      a: [{compute: 5ms}, {emit: a}]
      b: [{compute: 5ms}, {emit: b}]
"""
    trace = simulate(loads(text, "t.yaml"), profile=FLAT).trace
    costs = [e.cost for e in trace.select("switch")]
    assert costs == [load_profile().cost("thread_switch")]


def test_a_thread_blocked_long_pays_the_cold_start_even_on_a_busy_cpu():
    """One CPU, never idle: b blocks on the queue while a computes 5 ms, then a puts and
    blocks itself.  The CPU passes straight from a to b (no idle extra), but b was away
    5 ms: its caches are as cold as after a sleep, so it pays the cold start."""
    text = HEAD + """machine: {cpus: 1, policy: fifo}
processes:
  p:
    queues: {q: 0}
    threads:
      b: [{get: q}, {emit: got}]
      a: [{compute: 5ms}, {put: {queue: q, value: 1}}, {sleep: 1ms}]
"""
    trace = simulate(loads(text, "t.yaml"), profile=FLAT).trace
    switch = load_profile().cost("thread_switch")
    # b ran first (no switch); back from its 5 ms wait it pays the switch and the flat
    # 20 µs of cold start
    assert switches(trace, "b") == [switch + 20_000]
    # a: in as b blocks (it never ran, nothing is cold), then back from its sleep
    assert switches(trace, "a") == [switch, switch + 20_000]
    check_invariants(trace)


def test_idle_curves_stretch_with_the_sleep_scale():
    p = load_profile()
    q = p.for_sleep_scale(0.01)
    assert q.idle_wakeup(1_000 * MS) == p.idle_wakeup(10 * MS)
    assert q.cold_start(100 * MS) == p.cold_start(MS)


def test_a_wake_onto_another_idle_cpu_pays_the_cross_cpu_wakeup_without_migrating():
    """The server stays on its own CPU, but each request wakes it there from the
    client's: an interrupt to another CPU, what calibrate measures as 2-CPU minus
    1-CPU hand-off."""
    text = HEAD + """machine: {cpus: 2, policy: fifo}
processes:
  p:
    queues: {q: 0}
    threads:
      server: [{repeat: 2, do: [{get: {queue: q, as: x}}, {emit: "got {x}"}]}]
      client: [{put: {queue: q, value: 1}}, {compute: 2ms}, {put: {queue: q, value: 2}}]
"""
    trace = simulate(loads(text, "t.yaml"), profile=FLAT).trace
    server = trace.unit_by_name("server").id
    last = [e for e in trace.select("switch") if e.unit == server][-1]
    assert last.reason is None                         # not a migration
    assert last.cost == FLAT.cost("cross_cpu_wakeup") + 50_000 + 20_000


def test_a_device_wake_pays_the_idle_wake_up_but_no_interrupt_from_another_cpu():
    text = HEAD + """machine: {cpus: 1, policy: fifo}
processes:
  p:
    threads:
      t: [{io: 10ms}, {emit: done}]
"""
    trace = simulate(loads(text, "t.yaml"), profile=FLAT).trace
    assert [e.cost for e in trace.select("switch")] == [50_000 + 20_000]


def test_code_a_process_has_not_run_for_a_while_costs_its_cold_extra():
    """cold_queue (50 µs at 10 ms): the producer's put 10 ms after the consumer's get
    last ran queue code in the process pays it in full (to within the cold-start curve's
    slope over the few µs beyond 10 ms); the put right after it pays ~nothing."""
    text = HEAD + """machine: {cpus: 1, policy: fifo, costs: {cold_queue: %s}}
processes:
  p:
    queues: {q: 0}
    threads:
      main:
        - spawn: c
        - sleep: 10ms
        - emit: awake
        - put: {queue: q, value: 1}
        - emit: put 1
        - put: {queue: q, value: 2}
        - emit: put 2
        - join: c
      c: [{get: q}, {get: q}]
"""
    cold, free = run(text % "50us"), run(text % "0")
    put_1 = emit_time(cold, "put 1") - emit_time(cold, "awake")
    put_2 = emit_time(cold, "put 2") - emit_time(cold, "put 1")
    assert 50_000 <= put_1 - (emit_time(free, "put 1") - emit_time(free, "awake")) < 50_500
    assert put_2 - (emit_time(free, "put 2") - emit_time(free, "put 1")) < 1_000
    check_invariants(cold)


def test_a_cold_extra_counts_time_as_the_time_scaled_run_does():
    """In a model of a run whose sleeps are scaled by 0.01, 1 s of model time since the
    queue code last ran is the real run's 10 ms: the put pays the cost measured at 10 ms."""
    text = HEAD + """machine: {cpus: 1, policy: fifo, costs: {cold_queue: %s}}
processes:
  p:
    queues: {q: 0}
    threads:
      main: [{spawn: c}, {sleep: 1s}, {emit: awake}, {put: {queue: q, value: 1}},
             {emit: put}, {join: c}]
      c: [{get: q}]
"""
    spans = []
    for cost in ("50us", "0"):
        trace = run(text % cost, sleep_scale=0.01)
        spans.append(emit_time(trace, "put") - emit_time(trace, "awake"))
    assert 50_000 <= spans[0] - spans[1] < 50_500


def _spans(trace):
    """(first line to the line after the 10 ms sleep, that line to the next one)."""
    awake = emit_time(trace, "awake")
    return awake - emit_time(trace, "first"), emit_time(trace, "again") - awake


def test_a_model_of_a_traced_run_charges_the_tracers_tap_on_each_line():
    """tap_line (1 µs) on every line and cold_tap (30 µs at 10 ms) on the first line
    after 10 ms without printing, only ``as_traced``: the second line right after the
    first pays the tap but ~nothing cold.  Without ``as_traced`` the same profile's
    tracer costs are 0, and the header says which model it is."""
    text = HEAD + """machine: {cpus: 1, policy: fifo, costs: {tap_line: 1us, cold_tap: %s}}
processes:
  p:
    threads:
      main: [{emit: first}, {sleep: 10ms}, {emit: awake}, {emit: again}]
"""
    cold, free = run(text % "30us", as_traced=True), run(text % "0", as_traced=True)
    untraced = run(text % "30us")
    assert 30_000 <= _spans(cold)[0] - _spans(untraced)[0] - 1_000 < 30_500
    assert 1_000 <= _spans(cold)[1] - _spans(untraced)[1] < 1_500     # 31 µs since: ~0.1 µs
    assert _spans(free)[1] - _spans(untraced)[1] == 1_000
    assert _spans(free)[0] - _spans(untraced)[0] == 1_000
    assert untraced.header.machine["costs"]["cold_tap"] == 0
    assert cold.header.machine["as_traced"] is True
    assert "as_traced" not in untraced.header.machine
    check_invariants(cold)


def test_a_model_of_a_traced_run_charges_the_tracers_wrapper_on_each_task_step():
    """trace_step (2 µs) on every task step and cold_trace_step (30 µs at 10 ms) on the
    first step after the 10 ms sleep, only ``as_traced``."""
    text = HEAD + """machine:
  cpus: 1
  policy: fifo
  costs: {trace_step: 2us, cold_trace_step: 30us}
processes:
  p:
    threads:
      main:
        asyncio: true
        program: [{emit: first}, {await: {sleep: 10ms}}, {emit: awake},
                  {await: {sleep: 0s}}, {emit: again}]
"""
    traced, untraced = run(text, as_traced=True), run(text)
    assert 32_000 <= _spans(traced)[0] - _spans(untraced)[0] < 32_500
    assert 2_000 <= _spans(traced)[1] - _spans(untraced)[1] < 2_500
    check_invariants(traced)
