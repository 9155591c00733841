"""Processes: fork and spawn costs, IPC copies, kill, join; cross-CPU costs."""

import pytest
from model_helpers import HEAD, check_invariants, emit_time, labels, run

from schedsim.errors import ScenarioError


def test_fork_costs_the_parent_per_mib_and_spawn_costs_the_child():
    trace = run(HEAD + """processes:
  parent:
    memory: 100
    threads:
      main: [{spawn: [f, s]}, {emit: parent goes on}, {join: [f, s]}]
  f: {start: fork, threads: {main: [{emit: forked child runs}]}}
  s: {start: spawn, threads: {main: [{emit: spawned child runs}]}}
""")
    f_spawn = trace.select("spawn", trace.unit_by_name("f").id)[0]
    s_spawn = trace.select("spawn", trace.unit_by_name("s").id)[0]
    assert f_spawn.cost == 1_000_000 + 100 * 12_000 and f_spawn.reason == "fork"
    assert f_spawn.t == f_spawn.cost                       # the parent paid, on its CPU
    assert s_spawn.cost == 71_000_000 and s_spawn.t == f_spawn.t   # the parent did not
    assert emit_time(trace, "parent goes on") == f_spawn.t
    assert emit_time(trace, "spawned child runs") >= s_spawn.t + 71_000_000
    check_invariants(trace)


def test_a_forked_child_copies_the_pages_it_writes_before_its_program():
    """writes: 2 MiB at the default cow_per_mib (700 µs) is 1.4 ms of the child's CPU
    time between its spawn and its first line; the parent pays only the fork."""
    trace = run(HEAD + """processes:
  parent:
    threads:
      main: [{spawn: c}, {emit: parent goes on}, {join: c}]
  c: {start: fork, writes: 2, threads: {main: [{emit: child runs}]}}
""")
    spawn = trace.select("spawn", trace.unit_by_name("c").id)[0]
    assert spawn.cost == 1_000_000 + 12_000           # fork of the default 1 MiB
    assert emit_time(trace, "parent goes on") == spawn.t
    # one CPU: the parent runs on to its join, then the child switches in and copies
    runs = [e for e in trace.select("run") if trace.units[e.unit].name == "main"
            and trace.units[trace.units[e.unit].parent].name == "c"]
    assert emit_time(trace, "child runs") == runs[0].t + 1_400_000
    check_invariants(trace)


def test_a_process_ends_after_its_feeder_thread_ends():
    """feeder_exit: multiprocessing's exit handler wakes the feeder, joins it and closes
    the queue; the child's process exit comes that much later (here 300 µs)."""
    text = HEAD + """machine: {cpus: 1, policy: fifo, costs: {feeder_exit: %s}}
ipc: {q: 0}
processes:
  p:
    threads:
      main: [{spawn: c}, {get: q}, {join: c}]
  c: {start: fork, threads: {main: [{put: {queue: q, value: 1}}, {emit: done}]}}
"""
    ends = []
    for cost in ("0", "300us"):
        trace = run(text % cost)
        c = trace.unit_by_name("c").id
        ends.append(trace.select("exit", c)[0].t - emit_time(trace, "done"))
    assert ends[1] - ends[0] == 300_000


def test_open_charges_each_channel_where_the_program_creates_it():
    """open: [a, b] is two multiprocessing.Queue() calls: 2 × ipc_create (170 µs by
    default) of the opener's CPU before its next operation."""
    trace = run(HEAD + """ipc: {a: 0, b: 0}
processes:
  p:
    threads:
      main: [{emit: before}, {open: [a, b]}, {emit: after}]
""")
    assert emit_time(trace, "after") - emit_time(trace, "before") == 2 * 170_000


def test_open_names_ipc_channels_only():
    with pytest.raises(ScenarioError) as info:
        run(HEAD + """ipc: {ch: 0}
processes:
  p:
    queues: {q: 0}
    threads:
      main: [{open: q}]
""")
    assert info.value.line == 7
    assert info.value.message == ("open creates IPC channels (multiprocessing.Queue()); 'q' is "
                                  "not one; IPC channels: ch")


def test_writes_is_a_number_of_mib_zero_included():
    with pytest.raises(ScenarioError) as info:
        run(HEAD + "processes:\n  p: {writes: -1, threads: {main: [{emit: x}]}}\n")
    assert "writes" in str(info.value)
    assert info.value.message.endswith("expected a number >= 0, found an integer -1")
    run(HEAD + "processes:\n  p: {writes: 0, threads: {main: [{emit: x}]}}\n")  # the default


def test_ipc_put_costs_per_message_and_kib_and_copies():
    trace = run(HEAD + """ipc: {ch: 0}
processes:
  a:
    threads:
      main: [{spawn: b}, {put: {queue: ch, value: hello, size: 10}}, {join: b}]
  b:
    threads:
      main: [{get: {queue: ch, as: m}}, {emit: "b got {m}"}]
""")
    send_index = [i for i in trace.indices("send") if trace[i].obj == "ch"][0]
    send = trace[send_index]
    spawn_b = trace.select("spawn", trace.unit_by_name("b").id)[0]
    # the first put starts the queue's feeder thread (feeder_start), then returns; it is
    # also a's first thread start since it forked b, in pages the two still share
    assert send.t - spawn_b.t == 150_000 + 150_000
    feeder = trace.unit_by_name("QueueFeederThread (ch)")
    assert feeder.attrs == {"feeder": "ch", "daemon": True}
    assert trace.units[feeder.parent].name == "a"
    # the feeder pickles and writes (per message and per KiB) before b can read it
    recv = [e for e in trace.select("recv") if e.obj == "ch"][0]
    assert recv.cause == send_index                  # b's recv names a's put
    assert recv.t - send.t >= 16_600 + 10 * 300
    assert labels(trace) == ["b got hello"]
    check_invariants(trace)


def test_kill_stops_a_child_where_it_is():
    trace = run(HEAD + """machine: {cpus: 2}
processes:
  parent:
    threads:
      main: [{spawn: child}, {sleep: 10ms}, {kill: child}, {join: child}, {emit: reaped}]
  child:
    threads:
      main: [{emit: child starts}, {compute: 1s}, {emit: never printed}]
""")
    assert labels(trace) == ["child starts", "reaped"]
    child_thread = [u for u in trace.units if u.kind == "thread" and u.parent ==
                    trace.unit_by_name("child").id][0]
    exit_ev = trace.select("exit", child_thread.id)[0]
    assert exit_ev.value == -15 and trace[exit_ev.cause].obj == "SIGTERM"
    assert trace.duration < 20_000_000
    check_invariants(trace)


def test_a_thread_woken_on_another_cpu_pays_the_cross_cpu_cost():
    trace = run(HEAD + """machine: {cpus: 2, policy: fifo}
processes:
  p:
    events: [go]
    threads:
      main: [{spawn: w}, {compute: 1ms}, {set: go}, {compute: 1ms}]
      w: [{wait: go}, {emit: woken}]
""")
    w, main = trace.unit_by_name("w").id, trace.unit_by_name("main").id
    woken = trace.select("wake", w)[0]
    onto = next(e for e in trace.select("switch", w) if e.t >= woken.t)
    main_cpu = next(e.cpu for e in reversed(trace.select("run", main)) if e.t <= woken.t)
    assert onto.cpu != main_cpu and onto.cost >= 37_000     # the other CPU, woken remotely
    check_invariants(trace)


def test_sending_to_a_finished_generator_is_a_located_error():
    with pytest.raises(ScenarioError) as info:
        run(HEAD + """processes:
  p:
    threads:
      main:
        coroutines: {g: [{recv: x}]}
        program: [{start: g}, {send: {to: g, value: 1}}, {send: {to: g, value: 2}}]
""")
    assert info.value.line == 7 and "raises StopIteration" in info.value.message


def test_a_generator_that_ends_records_stop_and_exit():
    trace = run(HEAD + """processes:
  p:
    threads:
      main:
        coroutines: {g: [{recv: x}, {emit: "got {x}"}]}
        program: [{start: g}, {send: {to: g, value: 7}}, {emit: back}]
""")
    g = trace.unit_by_name("g").id
    kinds = [e.kind for e in trace if e.unit == g]
    assert kinds[-2:] == ["stop", "exit"] and trace.select("stop", g)[-1].reason == "exit"
    assert labels(trace) == ["got 7", "back"]


def test_blocking_call_in_a_task_blocks_the_whole_loop():
    text = HEAD + """processes:
  p:
    threads:
      main:
        asyncio: true
        program: [{spawn: [a, b]}, {await: {join: [a, b]}}]
        tasks:
          a: [{sleep: 10ms}, {emit: a slept (blocking)}]
          b: [{await: {sleep: 1ms}}, {emit: b woke}]
"""
    trace = run(text)
    # b's 1 ms timer fires while a's time.sleep holds the thread: b runs only after
    assert labels(trace) == ["a slept (blocking)", "b woke"]
    assert emit_time(trace, "b woke") > 10_000_000
    nonblocking = run(text.replace("{sleep: 10ms}", "{await: {sleep: 10ms}}"))
    assert labels(nonblocking) == ["b woke", "a slept (blocking)"]
    check_invariants(trace)


def test_a_multiprocessing_queue_put_returns_before_the_feeder_writes():
    """Queue.put buffers and notifies the queue's feeder thread; the process ends only
    after its feeder has flushed (multiprocessing joins it at exit)."""
    trace = run(HEAD + """machine: {cpus: 2}
ipc: {ch: 0}
processes:
  a:
    threads:
      main:
        - spawn: b
        - put: {queue: ch, value: 1, size: 64}
        - emit: put returned
  b:
    start: fork
    threads:
      main: [{get: {queue: ch, as: m}}, {emit: "b got {m}"}]
""")
    feeder = trace.unit_by_name("QueueFeederThread (ch)").id
    a = trace.unit_by_name("a").id
    assert emit_time(trace, "put returned") < emit_time(trace, "b got 1")
    # the feeder spends the IPC cost: per message and per KiB
    running = [e for e in trace.select("run") if e.unit == feeder]
    assert running and trace.select("exit", feeder)[0].t - running[0].t >= 16_600 + 64 * 300
    # the process ends after its feeder, which ends after the last other thread
    assert trace.select("exit", a)[0].t >= trace.select("exit", feeder)[0].t
    check_invariants(trace)


def test_each_side_of_a_fork_pays_its_first_send_once():
    """cow_first_send (1 ms here) is charged to the feeder of the first message each
    process sends after a fork it took part in: the child's first, the parent's first
    (whichever queue), never a second one, nor in a process started by spawn."""
    trace = run(HEAD + """machine: {cpus: 2, policy: fifo, costs: {cow_first_send: 1ms}}
ipc: {up: 0, sup: 0, down: 0, down2: 0}
processes:
  p:
    threads:
      main:
        - spawn: [c, s]
        - get: up
        - get: up
        - get: sup
        - put: {queue: down, value: 1}
        - put: {queue: down2, value: 2}
        - join: [c, s]
  c:
    start: fork
    threads:
      main:
        - put: {queue: up, value: a}
        - put: {queue: up, value: b}
        - get: down2
        - get: down
  s: {start: spawn, threads: {main: [{put: {queue: sup, value: x}}]}}
""")
    # from each put to its get (each getter waits for its message here)
    recvs = {e.value: e for e in trace.select("recv")}
    latency = {v: e.t - trace[e.cause].t for v, e in recvs.items()}
    assert latency["a"] >= 1_000_000 and latency[1] >= 1_000_000
    assert latency["x"] < 500_000 and latency[2] < 500_000     # (wake-ups from idle)
    # b waited in the buffer behind a; its own pickling and write cost no extra
    assert recvs["b"].t - recvs["a"].t < 500_000
    check_invariants(trace)


def test_no_feeder_for_a_process_that_never_puts_to_ipc():
    trace = run(HEAD + """ipc: {ch: 0}
processes:
  a:
    threads:
      main: [{spawn: b}, {get: {queue: ch, as: m}}]
  b:
    threads:
      main: [{put: {queue: ch, value: 1}}]
""")
    feeders = [u for u in trace.units if u.attrs.get("feeder")]
    assert [(trace.units[u.parent].name, u.attrs["feeder"]) for u in feeders] == [("b", "ch")]



def test_a_started_process_ends_after_its_clean_up():
    """process_exit: after a started process's last thread, its clean-up and exit take
    time before the parent's join returns; the root process ends with the program."""
    trace = run(HEAD + """machine: {cpus: 1, policy: fifo, costs: {process_exit: 400us}}
processes:
  parent:
    threads:
      main: [{spawn: child}, {join: child}, {emit: joined}]
  child:
    threads:
      main: [{emit: child done}]
""")
    child = trace.unit_by_name("child")
    done = emit_time(trace, "child done")
    assert trace.select("exit", child.id)[0].t == done + 400_000
    joined = emit_time(trace, "joined")
    switch = [e for e in trace.select("switch") if e.t == done + 400_000]
    assert joined == done + 400_000 + switch[0].cost          # then the parent switches in
    parent = trace.unit_by_name("parent")
    assert trace.select("exit", parent.id)[0].t == joined      # no clean-up charged to it
    check_invariants(trace)
