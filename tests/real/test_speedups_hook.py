"""The optional C generator hook (schedsim._speedups) against the pure-Python one.

The C hook must append exactly the raw tuples the pure-Python hook of
schedsim.real.genhook appends; these tests run the same generator program
under both and compare.  Without the built extension only the fallback
selection is tested (the comparisons skip, saying why).
"""

import sys
import threading
import time

import pytest

from schedsim import _speedups
from schedsim.real import genhook
from schedsim.real.rawlog import CHUNK, GRESUME, GSTART, GYIELD

from . import hookprog
from .hookprog import (CODES, PACKED, Log, consumer, exercise, generator_in_child, in_a_thread,
                       in_forked_child, normalized)
needs_c = pytest.mark.skipif(not _speedups.available(),
                             reason="C extension schedsim._speedups._genhook not built")


def program():
    """Sends, next, throw (caught and uncaught), close, yield from, finalisation, a thread."""
    exercise()
    d = consumer()
    next(d)
    del d                      # finalised while suspended
    in_a_thread()


def record(hook_factory, body=program):
    return hookprog.record(hook_factory, body)


def py_hook(log):
    return genhook.ProfileHook(log)


def c_hook(log, chunk=CHUNK):
    return _speedups.CGeneratorHook(log.events, log.flush, genhook.code_info, CODES, chunk)


@needs_c
def test_c_hook_records_the_same_raw_events_as_python_hook():
    py, c = normalized(record(py_hook).all()), normalized(record(c_hook).all())
    assert len(py) > 100
    assert c == py
    hows = {e[3] for e in py if e[0] == GRESUME}
    assert hows >= {"send", "next", "throw", "close"}   # the program exercised them all
    assert len({e[1] for e in py}) == 2                 # main thread and the worker


@needs_c
def test_c_hook_times_are_monotonic_clock_and_tids_native():
    import time
    before = time.perf_counter_ns()
    events = record(c_hook).all()
    after = time.perf_counter_ns()
    times = [e[1] for e in events]
    assert before <= times[0] and times[-1] <= after
    assert events[0][2] == threading.get_native_id()


@needs_c
def test_c_hook_flushes_full_chunks():
    log = record(lambda lg: c_hook(lg, chunk=16))
    assert log.flushes >= 5 and len(log.events) < 16
    assert normalized(log.all()) == normalized(record(py_hook).all())


@needs_c
def test_c_hook_after_fork_records_the_child_thread_id():
    log = Log()
    hook = c_hook(log)
    hook.install()

    def child():  # record a generator, report its tids
        del log.events[:]
        c = consumer()
        next(c)
        return repr(sorted({e[2] for e in log.events}))
    pid, data = in_forked_child(child)
    hook.uninstall()
    assert data == repr([pid])   # a forked process's main thread has tid == pid


def test_fallback_when_not_wanted(monkeypatch):
    monkeypatch.setenv(_speedups.ENV_HOOK, "python")
    assert _speedups.c_generator_hook([], lambda: None, genhook.code_info, CODES, 8) is None


def test_fallback_when_not_built(monkeypatch):
    monkeypatch.setattr(_speedups, "_genhook", None)
    monkeypatch.delenv(_speedups.ENV_HOOK, raising=False)
    assert not _speedups.available()
    assert _speedups.c_generator_hook([], lambda: None, genhook.code_info, CODES, 8) is None
    with pytest.raises(RuntimeError, match="not built"):
        _speedups.CGeneratorHook([], lambda: None, genhook.code_info, CODES, 8)


@needs_c
def test_c_hook_rejects_bad_codes():
    with pytest.raises(TypeError):
        _speedups.CGeneratorHook([], lambda: None, genhook.code_info, (1, 2), 8)


def test_profile_is_removed_after_uninstall():
    hook_factory = c_hook if _speedups.available() else py_hook
    record(hook_factory)
    assert sys.getprofile() is None and threading.getprofile() is None




def c_packed(log, chunk=CHUNK):
    return _speedups.CGeneratorHook(log.events, log.flush, genhook.code_info, CODES, chunk,
                                    PACKED)


@needs_c
def test_packed_mode_expands_to_the_same_events():
    log = record(lambda lg: c_packed(lg, chunk=64))
    raw = log.all()
    assert {e[0] for e in raw} == {PACKED}          # only blocks, one per 64 records
    assert log.flushes == len(raw)                  # each block is written out at once
    assert all(len(e[3]) == 64 * _speedups.RECORD.size for e in raw[:-1])
    names = [n for e in raw for n in e[4]]
    assert len(names) == len(set(names))            # each name is sent once
    expanded = _speedups.expand_packed(raw, PACKED, CODES)
    assert normalized(expanded) == normalized(record(py_hook).all())


@needs_c
def test_packed_mode_keeps_other_events_in_place_and_drains_on_uninstall():
    log = Log()
    hook = c_packed(log)
    log.events.append(("other", 1))
    hook.install()
    c = consumer()
    next(c)
    assert log.events == [("other", 1)]             # still buffered in C
    hook.uninstall()
    expanded = _speedups.expand_packed(log.all(), PACKED, CODES)
    assert expanded[0] == ("other", 1)
    assert [e[0] for e in expanded[1:]] == [GSTART, GYIELD]


@needs_c
def test_packed_mode_fork_child_drops_the_parents_buffer():
    log = Log()
    hook = c_packed(log)
    hook.install()
    c = consumer()
    next(c)                                         # two records buffered in the parent
    pid, child = in_forked_child(lambda: generator_in_child(
        log, hook, lambda lg: _speedups.expand_packed(lg.all(), PACKED, CODES)))
    hook.uninstall()
    assert child == repr([(GSTART, pid, "consumer"), (GYIELD, pid, "")])
    parent = _speedups.expand_packed(log.all(), PACKED, CODES)
    assert [e[0] for e in parent] == [GSTART, GYIELD]


def test_expand_packed_decodes_records_without_the_extension():
    rec = _speedups.RECORD
    blob = (rec.pack(10, 0xABC, 7, 0, 1, 0, 1) + rec.pack(11, 0xABC, 7, -1, -1, 2, 0)
            + rec.pack(12, 0xABC, 7, -1, 1, 1, 2))
    events = [("x",), (PACKED, 10, 7, blob, ("gen", "main"))]
    assert _speedups.expand_packed(events, PACKED, CODES) == [
        ("x",), (GSTART, 10, 7, 0xABC, "gen", "send", "main"), (GYIELD, 11, 7, 0xABC),
        (GRESUME, 12, 7, 0xABC, "throw", "main")]


def clocked():
    while True:
        yield time.perf_counter_ns()


@needs_c
@pytest.mark.parametrize("packed", [None, PACKED], ids=["tuples", "packed"])
def test_c_hook_times_agree_with_perf_counter(packed):
    """Each resume is stamped before, each yield after, the generator's own clock reading
    (within 1 µs), also once the TSC extrapolation is calibrated (after 10 ms)."""
    log = Log()
    hook = _speedups.CGeneratorHook(log.events, log.flush, genhook.code_info, CODES, CHUNK,
                                    packed)
    g = clocked()
    hook.install()
    inside = [next(g)]
    while inside[-1] - inside[0] < 30_000_000 and len(inside) < 2_000_000:
        inside.append(next(g))
    hook.uninstall()
    events = _speedups.expand_packed(log.all(), PACKED, CODES)
    resumes = [e[1] for e in events if e[0] in (GSTART, GRESUME)]
    yields = [e[1] for e in events if e[0] == GYIELD]
    assert len(resumes) == len(yields) == len(inside)
    late = [(r, p, y) for r, p, y in zip(resumes, inside, yields) if not r - 1000 <= p <= y + 1000]
    assert late == []
