"""The real tracer on threads: lanes, blocking calls, queue links, joins, counters."""

import pytest

from schedsim.real import trace_program

from .conftest import EXPECTED, ROOT, cause_links, emits, owner_of


@pytest.fixture(scope="module")
def threads_run():
    return trace_program(ROOT / "examples/baozi/threads.py", time_scale=0.01)


def test_threads_example_prints_17_lines_on_its_threads(threads_run):
    trace = threads_run.trace
    assert threads_run.status == 0
    got = emits(trace)
    assert [label for _, label in got] == EXPECTED
    lane = {"producer": "MainThread", "c1": "c1", "c2": "c2"}
    assert all(unit == lane[owner_of(label)] for unit, label in got)
    threads = [u for u in trace.units if u.kind == "thread"]
    assert len({u.tid for u in threads}) == len(threads) == 3
    main = trace.unit_by_name("MainThread").id
    for name in ("c1", "c2"):
        spawn = trace.select("spawn", trace.unit_by_name(name).id)[0]
        assert spawn.peer == main


def test_queue_puts_cause_gets_and_wakes(threads_run):
    trace = threads_run.trace
    links = cause_links(trace)
    assert len(links) == 12  # 5 buns + the final None, to each consumer
    for send, recv in links:
        assert send.kind == "send" and send.obj == recv.obj == "queue.Queue"
        assert trace.units[send.unit].name == "MainThread"
        assert trace.units[recv.unit].name in ("c1", "c2") and send.t <= recv.t
    blocked = [e for e in trace.select("block") if e.obj == "queue.Queue.get"]
    assert len(blocked) >= 10
    wakes = [w for w in trace.select("wake") if w.cause is not None
             and trace[w.cause].kind == "send"]
    assert len(wakes) >= 10


def test_join_waits_on_the_thread_and_wakes_at_its_exit(threads_run):
    trace = threads_run.trace
    joins = [trace.indices("block")[i] for i, e in enumerate(trace.select("block"))
             if e.reason == "join"]
    assert joins
    for index in joins:
        block = trace[index]
        assert trace.units[block.peer].name in ("c1", "c2")
        wake = next(trace[i] for i in range(index + 1, len(trace))
                    if trace[i].kind == "wake" and trace[i].unit == block.unit)
        if wake.cause is not None:
            assert trace[wake.cause].kind == "exit" and trace[wake.cause].unit == block.peer


def test_counters_sampled_per_thread_with_totals(threads_run):
    trace = threads_run.trace
    totals = trace.header.meta["counters"]
    assert totals["threads"] == 3 and totals["run_ns"] > 0
    for name in ("MainThread", "c1", "c2"):
        unit = trace.unit_by_name(name)
        samples = trace.select("counter", unit.id)
        assert len(samples) >= 2
        assert set(samples[0].value) == {"run_ns", "wait_ns", "slices", "voluntary",
                                         "involuntary"}
        assert unit.attrs["counters"]["run_ns"] == (samples[-1].value["run_ns"]
                                                    - samples[0].value["run_ns"])


def test_a_started_thread_counts_from_zero_and_its_end_reads_its_whole_life(threads_run):
    """The start sample is not read (the kernel starts a new thread's counters at
    zero; reading cost the program up to 300 µs in a fresh fork): zeros at the
    thread's first run, then a real end sample."""
    trace = threads_run.trace
    for name in ("c1", "c2"):
        unit = trace.unit_by_name(name)
        first, last = trace.select("counter", unit.id)[0], trace.select("counter", unit.id)[-1]
        assert set(first.value.values()) == {0}
        own = [e for e in trace if e.unit == unit.id and e.kind not in ("spawn", "run")]
        assert own[0] == first                           # before anything the thread does
        assert last.value["run_ns"] > 0 and last.value["slices"] >= 1
        assert unit.attrs["counters"] == last.value


def test_daemon_and_raw_threads_are_not_lost(program):
    path = program("""
        import _thread, threading, time
        done = threading.Event()
        def raw():
            print("raw thread")
            done.set()
        _thread.start_new_thread(raw, ())
        done.wait()
        d = threading.Thread(target=lambda: print("daemon"), daemon=True, name="d")
        d.start(); d.join()
        print("main")
    """)
    trace = trace_program(path).trace
    owners = dict((label, unit) for unit, label in emits(trace))
    assert owners["main"] == "MainThread" and owners["daemon"] == "d"
    assert owners["raw thread"].startswith("thread-")
    assert trace.unit_by_name("d").attrs.get("daemon") is True
    assert len(threading_exits(trace)) == 3


def threading_exits(trace):
    return [e for e in trace.select("exit") if trace.units[e.unit].kind == "thread"]


def test_many_short_threads_each_get_a_lane(program):
    path = program("""
        import threading
        for i in range(30):
            t = threading.Thread(target=print, args=(f"t{i}",), name=f"w{i}")
            t.start(); t.join()
    """)
    trace = trace_program(path).trace
    got = emits(trace)
    assert got == [(f"w{i}", f"t{i}") for i in range(30)]
    assert len([u for u in trace.units if u.kind == "thread"]) == 31


def test_main_thread_ends_with_the_program_not_with_interpreter_teardown(program):
    """The main thread's ``exit`` is when the program's code returned; an atexit
    handler's 50 ms belong to the process's teardown only."""
    path = program("""
        import atexit, time
        atexit.register(time.sleep, 0.05)
        print("done")
    """)
    trace = trace_program(path).trace
    main = next(u.id for u in trace.units if u.kind == "thread")
    thread_end = trace.select("exit", main)[0].t
    process_end = trace.select("exit", 0)[0].t
    assert process_end - thread_end >= 40_000_000


def test_main_thread_waiting_for_threads_at_shutdown_ends_after_them(program):
    """A non-daemon thread still running when the code returns keeps the main
    thread (which joins it at shutdown) alive until it ends."""
    path = program("""
        import threading, time
        threading.Thread(target=time.sleep, args=(0.05,), name="late").start()
        print("main code done")
    """)
    trace = trace_program(path).trace
    ids = {u.name: u.id for u in trace.units}
    main = next(u.id for u in trace.units if u.kind == "thread")
    assert trace.select("exit", main)[0].t >= trace.select("exit", ids["late"])[0].t


def test_counters_read_from_inside_a_thread_match_procfs():
    """The fast in-thread sample agrees with the full /proc read."""
    import os
    import threading
    from schedsim.real.procfs import read_self, read_thread
    fast = read_self()
    full = read_thread(os.getpid(), threading.get_native_id())
    again = read_self()
    assert fast[0] <= full[0] <= again[0]              # run_ns only grows
    assert fast[3] <= full[3] <= again[3]              # voluntary switches
    assert fast[4] <= full[4] <= again[4]              # involuntary switches


def test_the_compiled_counter_reader_agrees_with_the_python_one(monkeypatch):
    """``_procstat`` (which holds the GIL over the read) gives the figures the
    os.pread path gives, read between two of them."""
    from schedsim.real import procfs
    if procfs._procstat is None:
        pytest.skip("the compiled reader is not built")
    fd = procfs.open_self()
    try:
        compiled = procfs._procstat
        with monkeypatch.context() as m:
            m.setattr(procfs, "_procstat", None)
            before = procfs.read_open(fd)
            middle = compiled.read_open(fd)
            after = procfs.read_open(fd)
        assert all(isinstance(x, int) for x in middle)
        for i in range(5):                              # each counter only grows
            assert before[i] <= middle[i] <= after[i], i
        assert compiled.read_open(-1) is None
    finally:
        procfs.close_self(fd)


def test_a_forked_child_gets_a_fresh_descriptor_count():
    """Only the forking thread lives on in a child, and another thread may have held
    the count's lock at the fork: the child's count is new, and full."""
    from schedsim.real.threads import MAX_SAMPLE_FDS, ThreadWatch
    watch = ThreadWatch(None, lambda: None)
    assert watch.fds.take()
    watch.fds._lock.acquire()                 # as if another thread held it at the fork
    watch.forked()
    assert all(watch.fds.take() for _ in range(MAX_SAMPLE_FDS))
    assert not watch.fds.take()


def test_a_descriptor_opened_by_a_thread_keeps_reading_that_thread():
    """The end-of-thread sample reads the schedstat the thread opened as it started:
    the same figures as the path read, rising as the thread runs, and still that
    thread's while another thread runs."""
    import os
    import threading
    import time
    from schedsim.real.procfs import open_self, read_open, read_self, read_thread
    got = {}

    def worker():
        fd = open_self()
        first = read_open(fd)
        sum(range(200_000))                            # a few ms on the CPU,
        time.sleep(0.001)                              # accounted at the switch
        got["fd"], got["first"], got["later"] = fd, first, read_open(fd)
        got["path"], got["tid"] = read_self(), threading.get_native_id()
        got["after"] = read_open(fd)

    t = threading.Thread(target=worker)
    t.start()
    t.join(timeout=10)
    fd = got["fd"]
    try:
        assert got["first"][0] < got["later"][0] <= got["path"][0] <= got["after"][0]
        assert got["path"][2] <= got["after"][2]                       # slices
        main = read_thread(os.getpid(), threading.get_native_id())
        assert main is not None and main[0] != got["after"][0]
    finally:
        os.close(fd)


def test_a_thread_that_forks_ends_in_the_child_with_the_child_counters(program):
    """A worker thread forks; in the child that thread ends too. Its end sample there
    is the child's own (its tid), not the parent thread's through the inherited fd."""
    path = program("""
        import os, threading
        def work():
            pid = os.fork()
            if pid:
                os.waitpid(pid, 0)
        t = threading.Thread(target=work, name="forker")
        t.start(); t.join()
    """)
    from schedsim.real import trace_program
    trace = trace_program(path).trace
    forkers = [u for u in trace.units if u.name == "forker"]
    assert len(forkers) == 2                        # the parent's and the child's
    assert len({u.tid for u in forkers}) == 2
    for unit in forkers:                            # a start and an end sample each
        assert len(trace.select("counter", unit.id)) == 2, unit
        assert unit.attrs["counters"]["slices"] >= 1, unit    # it ran: the end saw it


def test_threads_beyond_the_descriptor_cap_are_sampled_the_slow_way(program):
    """At most MAX_SAMPLE_FDS (64) live threads hold their schedstat open; here 80 are
    alive at once: every one still gets its start and end samples, and the program
    ends with no descriptor of the tracer's left open."""
    path = program("""
        import os, threading

        def schedstats():
            n = 0
            for f in os.listdir("/proc/self/fd"):
                try:
                    n += os.readlink(f"/proc/self/fd/{f}").endswith("schedstat")
                except OSError:          # the descriptor listdir itself used
                    pass
            return n

        # start() returns before the thread's first profile event, where the tracer
        # opens the descriptor: count only once all 80 have reached their target
        ready = threading.Barrier(81)
        gate = threading.Event()

        def work():
            ready.wait()
            gate.wait()

        workers = [threading.Thread(target=work, name=f"w{i}", daemon=True)
                   for i in range(80)]
        for w in workers:
            w.start()
        ready.wait()
        held = schedstats()
        gate.set()
        for w in workers:
            w.join()
        print("held", held, "left", schedstats())
    """)
    from schedsim.real import trace_program
    trace = trace_program(path).trace
    workers = [u for u in trace.units if u.name.startswith("w")]
    assert len(workers) == 80
    for unit in workers:
        assert len(trace.select("counter", unit.id)) == 2, unit
    assert [e.label for e in trace.select("emit")] == ["held 64 left 0"]
