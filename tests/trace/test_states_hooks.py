"""State intervals, cause links, and the instrument hooks."""

import pytest

from schedsim.trace import Header, Instrument, Recorder, Trace, links, unit_states
from schedsim.trace.hooks import InstrumentWarning



def test_states_follow_the_documented_machine(small_trace):
    ivs = [(iv.unit, iv.state, iv.start, iv.end) for iv in unit_states(small_trace(), end=40)]
    assert ivs == [
        (1, "running", 0, 40),          # the thread stays on the CPU throughout
        (2, "switching", 5, 18),        # the coroutine switch cost
        (2, "running", 18, 30),
        (2, "suspended", 30, 40),       # a coroutine stopped at a yield is suspended
    ]


def test_block_wake_and_gil_states():
    tr = Trace(Header("sim"))
    tr.new_unit("process", "p")
    tr.new_unit("thread", "t", 0)
    tr.append(0, 1, "spawn")
    tr.append(2, 1, "run", cpu=1)
    tr.append(4, 1, "block", reason="sleep")
    tr.append(9, 1, "wake")
    tr.append(10, 1, "block", reason="gil")
    tr.append(12, 1, "run", cpu=0)
    tr.append(15, 1, "stop", reason="preempt")
    tr.append(16, 1, "exit")
    got = [(iv.state, iv.start, iv.end, iv.reason) for iv in unit_states(tr)]
    assert got == [("runnable", 0, 2, None), ("running", 2, 4, None), ("blocked", 4, 9, "sleep"),
                   ("runnable", 9, 10, None), ("gil_wait", 10, 12, "gil"),
                   ("running", 12, 15, None), ("runnable", 15, 16, "preempt")]


def test_links_come_from_cause_fields(small_trace):
    assert links(small_trace()) == [(1, 3), (1, 4)]


class Counting(Instrument):
    def __init__(self):
        self.kinds = []

    def event_recorded(self, index, t, unit, kind, fields):
        self.kinds.append((index, kind))


class Broken(Instrument):
    def event_recorded(self, index, t, unit, kind, fields):
        raise ZeroDivisionError("bug in a user's hook")


def test_faulty_instrument_is_removed_and_recording_goes_on(small_trace):
    tr = small_trace()
    good, bad = Counting(), Broken()
    rec = Recorder(tr, [bad, good])
    with pytest.warns(InstrumentWarning, match="ZeroDivisionError"):
        rec.record(40, 1, "run")
    rec.record(41, 1, "emit", label="x")
    assert rec.instruments == [good]
    assert good.kinds == [(7, "run"), (8, "emit")]
    assert tr[8].label == "x"
