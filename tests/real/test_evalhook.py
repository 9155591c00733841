"""The compiled PEP 523 eval-frame generator hook (schedsim._speedups.EvalGeneratorHook).

It must append the raw tuples the pure-Python profile hook appends (up to
the two documented differences: ``send(None)`` is a ``next`` and a
generator finalised without an explicit ``close()`` is entered by a
``close``), for every thread at once, survive fork, and leave the
interpreter as it found it.
"""

import gc
import os
import subprocess
import sys
import threading

import pytest

from schedsim import _speedups
from schedsim.real import genhook
from schedsim.real.rawlog import CHUNK, GEND, GRESUME, GSTART, GYIELD, WARN, RawLog, read_raw

from . import hookprog
from .conftest import PYTHON
from .hookprog import (CODES, PACKED, Log, consumer, exercise, generator_in_child, in_a_thread,
                       in_forked_child, inner, normalized)
pytestmark = pytest.mark.skipif(not _speedups.available(),
                                reason="C extension schedsim._speedups._genhook not built")


def program():
    """Sends, next, throw (caught and escaping), close, yield from, a for-loop, a thread."""
    exercise()
    for _ in inner():
        pass
    in_a_thread()


def eval_hook(log, chunk=CHUNK, packed=None):
    return _speedups.EvalGeneratorHook(log.events, log.flush, genhook.code_info, CODES, chunk,
                                       packed)


def record(factory, body=program):
    return hookprog.record(factory, body)


@pytest.mark.parametrize("packed", [None, PACKED], ids=["tuples", "packed"])
def test_eval_hook_records_what_the_python_hook_records(packed):
    py = normalized(record(genhook.ProfileHook).expanded())
    ev = normalized(record(lambda lg: eval_hook(lg, 64, packed)).expanded())
    assert len(py) > 100
    assert ev == py
    hows = {e[3] for e in ev if e[0] == GRESUME}
    assert hows == {"send", "next", "throw", "close"}
    assert len({e[1] for e in ev}) == 2                 # main thread and the worker


def test_send_none_is_next_and_finalisation_is_close():
    def body():
        c = consumer()
        c.send(None)                                    # priming by send(None)
        c.send(None)
        del c                                           # finalised while suspended
    ev = normalized(record(eval_hook, body).expanded())
    assert [e[0] for e in ev] == [GSTART, GYIELD, GRESUME, GYIELD, GRESUME, GEND]
    assert ev[0][4] == "next" and ev[2][3] == "next" and ev[4][3] == "close"


def test_install_and_uninstall_are_idempotent_and_restore_the_default():
    log = Log()
    hook = eval_hook(log)
    assert _speedups.eval_owner() == "default"
    hook.install()
    hook.install()
    assert _speedups.eval_owner() == "hook"
    assert sys.getprofile() is None                     # no profile function is needed
    hook.uninstall()
    hook.uninstall()
    assert _speedups.eval_owner() == "default"
    c = consumer()
    next(c)
    assert log.expanded() == []                              # nothing recorded after uninstall


def test_refuses_when_another_eval_function_is_installed():
    first, second = eval_hook(Log()), eval_hook(Log())
    first.install()
    try:
        with pytest.raises(RuntimeError, match="another schedsim hook"):
            second.install()
        second.uninstall()                              # not installed: leaves first alone
        assert _speedups.eval_owner() == "hook"
    finally:
        first.uninstall()
    _speedups.eval_floor(1)
    try:
        with pytest.raises(RuntimeError, match="floor"):
            second.install()
    finally:
        _speedups.eval_floor(0)
    assert _speedups.eval_owner() == "default"


def test_make_hook_falls_back_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv(_speedups.ENV_HOOK, "eval")
    log = RawLog(str(tmp_path), {"pid": os.getpid()})
    _speedups.eval_floor(1)                             # somebody else's eval function
    try:
        hook = genhook.make_hook(log)
    finally:
        _speedups.eval_floor(0)
    assert hook.kind == "profile"
    log.close()
    assert [e[3] for e in read_raw(log.path)[1] if e[0] == WARN] == [
        "another eval-frame function (floor) is installed: generators are recorded with "
        "the profile hook instead"]


def test_eval_hook_wrapper_falls_back_at_install(tmp_path, monkeypatch):
    monkeypatch.setenv(_speedups.ENV_HOOK, "eval")
    log = RawLog(str(tmp_path), {"pid": os.getpid()})
    hook = genhook.make_hook(log)
    assert hook.kind == "eval"
    _speedups.eval_floor(1)                             # appears between set-up and install
    try:
        hook.install()
        assert hook.kind == "profile" and sys.getprofile() is hook.profiler
        c = consumer()
        next(c)
        hook.uninstall()
    finally:
        _speedups.eval_floor(0)
    assert sys.getprofile() is None
    log.close()
    events = read_raw(log.path)[1]
    warn = [e[3] for e in events if e[0] == WARN]
    assert len(warn) == 1 and warn[0].startswith("another eval-frame function is installed")
    assert [e[0] for e in events if e[0] in CODES] == [GSTART, GYIELD]  # by the fallback


@pytest.mark.parametrize("env, kind", [("eval", "eval"), ("auto", "eval"), ("", "eval"),
                                       ("profile", "profile"), ("c", "profile"),
                                       ("python", "python")])
def test_make_hook_follows_the_environment(tmp_path, monkeypatch, env, kind):
    monkeypatch.setenv(_speedups.ENV_HOOK, env)
    log = RawLog(str(tmp_path), {"pid": os.getpid()})
    assert genhook.make_hook(log).kind == kind
    log.close()


def test_threads_started_before_install_are_recorded():
    log = Log()
    hook = eval_hook(log)
    go, done = threading.Event(), []

    def early():
        go.wait()
        c = consumer()
        next(c)
        done.append(c.send("x"))
    t = threading.Thread(target=early)
    t.start()                                           # running before the hook exists
    hook.install()
    go.set()
    t.join()
    hook.uninstall()
    assert done == [1]
    ev = [e for e in log.expanded() if e[2] == t.native_id]
    assert [(e[0], e[4] if e[0] == GRESUME else None) for e in ev] == [
        (GSTART, None), (GYIELD, None), (GRESUME, "send"), (GYIELD, None),
        (GRESUME, "close"), (GEND, None)]              # finalised as early() returns


def test_resumer_is_the_calling_function():
    def driver():
        c = consumer()
        next(c)
        c.send(1)
    ev = record(eval_hook, driver).expanded()
    assert ev[0][4:] == ("consumer", "next", "test_resumer_is_the_calling_function.<locals>"
                                             ".driver")
    assert ev[2][4:] == ("send", "test_resumer_is_the_calling_function.<locals>.driver")


def test_a_failing_code_info_is_reported_and_the_program_goes_on(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)

    def broken(code):
        raise LookupError("no info")
    log = Log()
    hook = _speedups.EvalGeneratorHook(log.events, log.flush, broken, CODES, CHUNK)
    hook.install()
    try:
        c = consumer()
        next(c)
        with pytest.raises(ValueError, match="kept"):  # the thrown exception is not lost
            c.throw(ValueError("kept"))
    finally:
        hook.uninstall()
    assert seen and {type(u.exc_value) for u in seen} == {LookupError}
    assert log.expanded() == []


def test_generator_uninstalling_the_hook_records_no_yield():
    log = Log()
    hook = eval_hook(log)

    def stopper():
        hook.uninstall()
        yield
    hook.install()
    g = stopper()
    next(g)
    assert [e[0] for e in log.expanded()] == [GSTART]


@pytest.mark.parametrize("packed", [None, PACKED], ids=["tuples", "packed"])
def test_fork_child_keeps_recording_with_its_own_thread_id(packed):
    log = Log()
    hook = eval_hook(log, packed=packed)
    hook.install()
    c = consumer()
    next(c)                                             # buffered in the parent (packed)
    pid, child = in_forked_child(lambda: generator_in_child(log, hook, Log.expanded))
    hook.uninstall()
    assert child == repr([(GSTART, pid, "consumer"), (GYIELD, pid, "")])
    assert [e[0] for e in log.expanded()] == [GSTART, GYIELD]


def test_eval_floor_modes():
    for mode in (1, 2, 1, 0):
        _speedups.eval_floor(mode)
        c = consumer()
        next(c)
        assert c.send(5) == 1
        assert _speedups.eval_owner() == ("default" if mode == 0 else "floor")
    with pytest.raises(ValueError):
        _speedups.eval_floor(3)


def test_traced_program_runs_under_the_eval_hook(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("from schedsim import _speedups\nprint(_speedups.eval_owner())\n")
    code = ("import sys; from schedsim.real import trace_program; "
            "r = trace_program(sys.argv[1]); print(r.status)")
    for env, owner in (("auto", "hook"), ("eval", "hook"), ("profile", "default")):
        out = subprocess.run([PYTHON, "-c", code, str(prog)], capture_output=True, text=True,
                             env={**os.environ, _speedups.ENV_HOOK: env}, check=True).stdout
        assert out.split() == [owner, "0"], env


def test_deep_recursion_raises_instead_of_overflowing_the_c_stack(tmp_path):
    """With an eval-frame function every Python call recurses in C: far past the usual
    limit, the hook raises RecursionError (naming the way out) before the stack ends."""
    prog = tmp_path / "p.py"
    prog.write_text(
        "import sys\nsys.setrecursionlimit(1_000_000)\n"
        "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
        "print(depth(5_000))\n"
        "try:\n    depth(300_000)\nexcept RecursionError as e:\n"
        "    print('limit', 'SCHEDSIM_HOOK=profile' in str(e))\n")
    code = ("import sys; from schedsim.real import trace_program; "
            "r = trace_program(sys.argv[1]); print(r.status)")
    out = subprocess.run([PYTHON, "-c", code, str(prog)], capture_output=True, text=True,
                         env={**os.environ, _speedups.ENV_HOOK: "eval"}, check=True).stdout
    assert out.split() == ["5000", "limit", "True", "0"]


def test_a_program_changing_the_profile_function_does_not_disturb_it(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("import sys\nsys.setprofile(None)\nsys.setprofile(lambda *a: None)\n"
                    "def g():\n    yield\nnext(g())\nprint('done')\n")
    code = ("import sys; from schedsim.real import trace_program; "
            "r = trace_program(sys.argv[1]); "
            "print([u.name for u in r.trace.units if u.kind == 'coroutine'], r.warnings)")
    out = subprocess.run([PYTHON, "-c", code, str(prog)], capture_output=True, text=True,
                         env={**os.environ, _speedups.ENV_HOOK: "eval"}, check=True).stdout
    assert out.splitlines() == ["done", "['g#1'] []"]


def test_uninstall_and_drop_while_another_thread_is_inside_a_generator():
    log = Log()
    hook = eval_hook(log)
    inside, go, out = threading.Event(), threading.Event(), []

    def waiting():
        inside.set()
        go.wait()
        yield "after"

    def run():
        out.append(next(waiting()))
    hook.install()
    t = threading.Thread(target=run)
    t.start()
    inside.wait()
    hook.uninstall()
    del hook                                            # the running frame keeps it alive
    gc.collect()
    go.set()
    t.join()
    assert out == ["after"]
    assert [e[0] for e in log.expanded()] == [GSTART]        # the yield came after the uninstall


@pytest.mark.parametrize("env", ["python", "auto"])
def test_the_trace_header_names_the_hook_that_recorded(program, env):
    from schedsim.real import trace_program
    path = program("""
        def gen():
            yield 1
        print(next(gen()))
    """)
    trace = trace_program(path, env={**os.environ, "SCHEDSIM_HOOK": env}).trace
    expected = "python" if env == "python" or not _speedups.available() else "eval"
    assert trace.header.meta["hook"] == expected
