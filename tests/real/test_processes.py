"""The real tracer on processes: fork, spawn, forkserver, os.fork, links across processes."""

import pytest

from schedsim.real import trace_program

from .conftest import EXPECTED, ROOT, cause_links, emits, owner_of


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_processes_example_in_every_start_method(method):
    run = trace_program(ROOT / "examples/baozi/processes.py", [method], time_scale=0.01)
    trace = run.trace
    assert run.status == 0
    got = [(trace.units[trace.units[e.unit].parent].name, e.label)
           for e in trace.select("emit")]
    assert [label for _, label in got] == EXPECTED
    proc = {"producer": "processes.py", "c1": "c1", "c2": "c2"}
    assert all(name == proc[owner_of(label)] for name, label in got)
    root = trace.unit_by_name("processes.py")
    for name in ("c1", "c2"):
        child = trace.unit_by_name(name)
        assert child.kind == "process" and child.pid != root.pid
        creator = "forkserver" if method == "forkserver" else "processes.py"
        assert trace.units[child.parent].name == creator
        assert trace.select("exit", child.id)[0].value == 0
    links = cause_links(trace)
    assert len(links) == 24  # 2 ready + 10 eaten replies, 12 inbox items
    assert all(trace.units[s.unit].pid != trace.units[r.unit].pid for s, r in links)


def test_os_fork_child_traced_with_its_status(program):
    path = program("""
        import os
        pid = os.fork()
        if pid == 0:
            print("child", flush=True)
            os._exit(3)
        os.waitpid(pid, 0)
        print("parent")
    """)
    trace = trace_program(path).trace
    procs = [u for u in trace.units if u.kind == "process"]
    assert len(procs) == 2 and procs[1].parent == procs[0].id
    assert trace.select("exit", procs[1].id)[0].value == 3
    spawn = trace.select("spawn", procs[1].id)[0]
    assert trace.units[spawn.peer].name == "MainThread"
    owners = {label: trace.units[trace.units[e_unit].parent].pid
              for e_unit, label in ((e.unit, e.label) for e in trace.select("emit"))}
    assert owners["child"] == procs[1].pid and owners["parent"] == procs[0].pid
    joins = [e for e in trace.select("block", 1) if e.reason == "join"]
    assert joins and joins[0].peer == procs[1].id
    # the child's thread is new to the kernel: its start counters are zero (not read),
    # its end counters count its whole life (the kernel may not have booked a short
    # child's run time yet: it updates it at ticks and switches, so >= 0)
    child_thread = next(u for u in trace.units if u.parent == procs[1].id)
    start, end = trace.select("counter", child_thread.id)
    assert set(start.value.values()) == {0}
    assert all(end.value[k] >= 0 for k in start.value)
    assert child_thread.attrs["counters"] == end.value


def test_pipe_send_recv_linked_across_processes(program):
    path = program("""
        import multiprocessing as mp
        def child(conn):
            conn.send(conn.recv() + 1)
        if __name__ == "__main__":
            a, b = mp.Pipe()
            p = mp.get_context("fork").Process(target=child, args=(b,))
            p.start()
            a.send(41)
            print(a.recv())
            p.join()
    """)
    trace = trace_program(path).trace
    assert [e.label for e in trace.select("emit")] == ["42"]
    links = cause_links(trace)
    assert len(links) == 2
    assert all(s.obj == "multiprocessing.Connection" for s, _ in links)
    assert {trace.units[s.unit].pid for s, _ in links} == {u.pid for u in trace.units
                                                          if u.kind == "process"}


def test_spawned_child_traces_its_generators_and_threads(program):
    path = program("""
        import multiprocessing as mp, threading
        def gen():
            yield 1
        def child():
            print(sum(gen()))
            t = threading.Thread(target=print, args=("from a thread",), name="helper")
            t.start(); t.join()
        if __name__ == "__main__":
            p = mp.get_context("spawn").Process(target=child, name="kid")
            p.start(); p.join()
    """)
    trace = trace_program(path).trace
    kid = trace.unit_by_name("kid")
    gens = [u for u in trace.units if u.kind == "coroutine"]
    assert [g.name for g in gens] == ["gen#1"] and gens[0].pid == kid.pid
    helper = trace.unit_by_name("helper")
    assert helper.pid == kid.pid and helper.parent == kid.id
    assert {e.label: trace.units[e.unit].name for e in trace.select("emit")} == {
        "1": "MainThread", "from a thread": "helper"}
