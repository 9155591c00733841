"""The real tracer on asyncio: a lane per task, steps, awaits, loop callbacks."""

import pytest

from schedsim.real import trace_program

from .conftest import EXPECTED, ROOT, cause_links, emits, owner_of


@pytest.fixture(scope="module")
def aio_run():
    return trace_program(ROOT / "examples/baozi/asyncio.py", time_scale=0.01)


def test_asyncio_example_prints_17_lines_on_its_tasks(aio_run):
    trace = aio_run.trace
    assert aio_run.status == 0
    got = emits(trace)
    assert [label for _, label in got] == EXPECTED
    assert all(unit == owner_of(label) for unit, label in got)
    tasks = {u.name: u for u in trace.units if u.attrs.get("task")}
    assert set(tasks) == {"Task-1", "c1", "c2", "producer"}  # asyncio's own tasks hidden
    assert all(u.kind == "coroutine" and trace.units[u.parent].kind == "thread"
               for u in tasks.values())
    assert trace.duration < 2_000_000_000  # asyncio.sleep is scaled too


def test_task_steps_and_what_they_awaited(aio_run):
    trace = aio_run.trace
    producer = trace.unit_by_name("producer").id
    waits = [(e.reason, e.obj) for e in trace.select("block", producer)]
    assert waits.count(("sleep", "asyncio.sleep")) == 5
    # the sleep's (scaled) length, like time.sleep's, so compare can stretch only that
    assert [e.value for e in trace.select("block", producer) if e.reason == "sleep"] == \
        [10_000_000] * 5
    assert ("wait", "asyncio.Queue.join") in waits
    c1 = trace.unit_by_name("c1").id
    assert ("recv", "asyncio.Queue.get") in [(e.reason, e.obj) for e in trace.select("block", c1)]
    assert len(trace.select("run", c1)) == len(trace.select("switch", c1)) >= 6
    ends = {trace.units[e.unit].name: e.value for e in trace.select("exit")
            if trace.units[e.unit].attrs.get("task")}
    assert ends == {"Task-1": "done", "producer": "done", "c1": "done", "c2": "done"} or \
        ends["c1"] == "cancelled"


def test_asyncio_sleep_zero_is_a_yield_not_a_timed_sleep(aio_run):
    """main's ``await asyncio.sleep(0)`` only yields to the loop: compare must not
    stretch it like a scaled sleep (it once turned 0.1 ms into 10 ms of model time)."""
    trace = aio_run.trace
    main = trace.unit_by_name("Task-1").id
    assert [e.reason for e in trace.select("block", main)].count("sleep") == 0
    assert ("yield", "asyncio.sleep") in [(e.reason, e.obj) for e in trace.select("stop", main)]


def test_asyncio_queue_links_and_loop_lane(aio_run):
    trace = aio_run.trace
    links = cause_links(trace)
    assert len(links) == 10
    assert all(trace.units[s.unit].name == "producer" and s.obj == "asyncio.Queue"
               for s, _ in links)
    loop = trace.unit_by_name("event loop")
    assert loop.attrs.get("loop") and trace.select("run", loop.id)
    assert all(e.label for e in trace.select("run", loop.id))
