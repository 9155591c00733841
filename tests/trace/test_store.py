"""The in-memory trace: columns round-trip into events, invariants raise."""

import pytest

from schedsim.trace import Event, Header, Trace, Unit


def test_events_read_back_as_recorded(small_trace):
    tr = small_trace()
    assert len(tr) == 7
    assert tr[1] == Event(5, 1, "send", peer=2, obj="send", value=1)
    assert tr[-1] == Event(30, 2, "stop", reason="yield")
    assert [e.kind for e in tr] == ["run", "send", "switch", "run", "recv", "emit", "stop"]
    assert tr[2].fields() == {"cpu": 0, "cost": 13, "peer": 1, "level": "coroutine"}


def test_select_and_indices_filter_by_kind_and_unit(small_trace):
    tr = small_trace()
    assert tr.indices("run") == [0, 3]
    assert tr.indices("run", unit=2) == [3]
    assert [e.label for e in tr.select("emit")] == ["[c1] 正在吃包子 1"]
    assert tr.duration == 30


def test_strings_are_interned_not_copied_per_event(small_trace):
    tr = small_trace()
    for i in range(1000):
        tr.append(100 + i, 2, "emit", label="same label")
    assert tr.nbytes() / len(tr) <= 60  # columns only: ~53 bytes an event


def test_out_of_order_events_are_refused(small_trace):
    tr = small_trace()
    with pytest.raises(ValueError, match="time order"):
        tr.append(1, 1, "run")


def test_unknown_unit_is_refused(small_trace):
    tr = small_trace()
    with pytest.raises(ValueError, match="unknown unit 9"):
        tr.append(40, 9, "run")


def test_unit_ids_must_be_dense_and_parents_earlier():
    tr = Trace(Header("real"))
    with pytest.raises(ValueError, match="0..n-1"):
        tr.add_unit(Unit(3, "process", "p"))
    tr.new_unit("process", "p")
    with pytest.raises(ValueError, match="parent 5"):
        tr.new_unit("thread", "t", 5)
    with pytest.raises(ValueError, match="unit kind"):
        tr.new_unit("fiber", "f", 0)


def test_header_source_is_checked():
    with pytest.raises(ValueError, match="source"):
        Header("simulated")
