"""A recorded run's raw files, built into a trace: the bytes must not change.

``data/raw_mixed/`` holds the raw files of one traced run of
``data/raw_mixed/program.py`` (generators, a thread hand-off through a
queue, asyncio tasks, a sleep, a coloured line, a forked child) and
``expected.jsonl``, the trace the builder made of them (plus the counter
samples and kernel events below) before the build was restructured for
speed (commit 2d0f138).  The fast build, with the compiled column helper
and with its pure-Python twin, must write the very same bytes.  The
expected trace was checked by reading it: the child process is a child of
the main one, the worker task's lines are on its lane, the queue get is
caused by its put, the samples and kernel events sit at their times.
"""

from pathlib import Path

import pytest

from schedsim.real.build import build_trace
from schedsim.real.kernel import KIN, KOUT, KWAKE
from schedsim.real.rawlog import EMIT, START, read_raw
from schedsim.trace import Header, save

DATA = Path(__file__).parent / "data" / "raw_mixed"
MAIN, CHILD = 25204, 25206  # the pids (= main thread ids) of the recorded run


def recorded_inputs():
    """The arguments of ``build_trace`` for the recorded run (samples and kernel made up).

    Samples and kernel events share times with raw events, so the order of
    equal times across streams is exercised.
    """
    files = [read_raw(str(p)) for p in sorted(DATA.glob("raw-*.bin"))]
    times = sorted(ev[1] for _, evs in files for ev in evs)
    start = next(ev[1] for ev in files[0][1] if ev[0] == START)
    mid = times[len(times) // 2]
    child_line = next(ev[1] for ev in files[1][1] if ev[0] == EMIT)
    samples = [(start, MAIN, MAIN, (1, 2, 3, 4, 5)), (mid, MAIN, MAIN, (2, 4, 6, 8, 10)),
               (mid, CHILD, CHILD, (0, 0, 1, 0, 0))]
    kernel = [(KIN, start, MAIN, 0, None), (KOUT, mid, MAIN, 0, "block"),
              (KWAKE, mid, MAIN, 1, None), (KIN, child_line, CHILD, 1, None)]
    header = Header(source="real", producer={"program": "program.py"}, version="fixture",
                    meta={"status": 0, "timed_out": False})
    return header, files, 0, samples, kernel


def test_recorded_run_builds_the_same_bytes_as_before(tmp_path, column_impl):
    out = tmp_path / "trace.jsonl"
    save(build_trace(*recorded_inputs()), out)
    assert out.read_bytes() == (DATA / "expected.jsonl").read_bytes()


def test_recorded_run_covers_every_stream_and_mode():
    trace = build_trace(*recorded_inputs())
    kinds = {e.kind for e in trace}
    assert {"send", "recv", "block", "wake", "emit", "counter", "spawn", "exit"} <= kinds
    names = [u.name for u in trace.units]
    assert "worker" in names and "counter#1" in names and "producer" in names
    assert sum(1 for e in trace if e.label == "kernel") == 4
    child = trace.units[[u.pid for u in trace.units].index(CHILD)]
    assert child.kind == "process" and child.parent == 0
