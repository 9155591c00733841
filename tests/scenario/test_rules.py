"""Located errors for scenarios that cross process boundaries or act on units
they may not act on (issue 3, items 3 and 4)."""

import pytest

from schedsim.errors import ScenarioError
from schedsim.scenario import loads

TWO = """\
schedsim: 1
processes:
  parent:
    vars: {x: 0}
    queues: {q: 0}
    locks: [L]
    events: [E]
    threads:
      main: [{spawn: child}, {OP}]
      worker: [{emit: w}]
  child:
    start: spawn
    threads:
      main: [{OP2}]
  other:
    threads:
      main: [{OP3}]
"""


def scenario(op="emit: a", op2="emit: b", op3="emit: c"):
    return TWO.replace("{OP}", op).replace("{OP2}", op2).replace("{OP3}", op3)


def error(**ops) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        loads(scenario(**ops), "r.yaml")
    return info.value


def test_the_template_itself_is_valid():
    s = loads(scenario(), "r.yaml")
    assert s.system.processes["child"].parent == "parent"
    assert s.system.processes["child"].autostart is False
    assert s.system.processes["other"].autostart is True


def test_in_process_queue_across_processes_is_rejected_with_reason():
    err = error(op2="put: {queue: q, value: 1}")
    assert err.line == 14 and err.path[:4] == ("processes", "child", "threads", "main")
    assert err.message == ("in-process queue 'q' belongs to process 'parent'; process 'child' "
                           "cannot use it: processes share no memory, so they talk through "
                           "IPC channels (declare it under top-level 'ipc:')")


def test_variable_of_another_process_is_rejected_unless_forked():
    err = error(op2="read: x")
    assert "variable 'x' belongs to process 'parent'" in err.message
    forked = scenario(op2="read: x").replace("start: spawn", "start: fork")
    assert loads(forked).system.processes["child"].start == "fork"


def test_lock_and_event_of_another_process_are_rejected():
    assert "lock 'L' belongs to process 'parent'" in error(op3="lock: L").message
    assert "event 'E' belongs to process 'parent'" in error(op3="set: E").message


def test_a_thread_may_join_only_threads_of_its_own_process():
    err = error(op2="join: worker")
    assert err.message == ("a thread may only join threads of its own process; 'worker' is a "
                           "thread of process 'parent'")


def test_a_process_may_only_wait_for_its_own_children():
    err = error(op3="join: child")
    assert err.message == ("process 'other' may only join its own children; 'child' is not "
                           "one of them (its parent is 'parent')")
    err = error(op="kill: other")
    assert "may only kill its own children" in err.message
    assert "it is not started by any process" in err.message


def test_threads_cannot_be_killed():
    assert "Python cannot kill threads" in error(op="kill: worker").message


def test_the_parent_may_join_and_kill_its_child():
    loads(scenario(op="join: child"))
    loads(scenario(op="kill: child"))


def test_a_process_has_one_parent():
    err = error(op3="spawn: child")
    assert "already spawned by 'parent'" in err.message or \
        "already spawned by 'other'" in err.message


def test_main_thread_cannot_be_spawned():
    assert "is the main thread" in error(op="spawn: main").message


def test_asyncio_queue_must_be_awaited():
    text = """\
schedsim: 1
processes:
  p:
    queues: {aq: {kind: asyncio}}
    threads:
      main:
        asyncio: true
        program: [{get: aq}]
"""
    with pytest.raises(ScenarioError) as info:
        loads(text)
    assert "asyncio queue: use 'await: {get: ...}'" in info.value.message


def test_await_outside_a_task_is_rejected():
    text = "schedsim: 1\nprocesses:\n  p:\n    threads:\n      main: [{await: {sleep: 1ms}}]\n"
    with pytest.raises(ScenarioError) as info:
        loads(text)
    assert "await only works inside an asyncio task" in info.value.message
