"""Fixtures for the trace contract's tests."""

import pytest

from schedsim.trace import Header, Trace


def _small_trace() -> Trace:
    tr = Trace(Header("sim", version="test"))
    tr.new_unit("process", "main")
    tr.new_unit("thread", "main", 0)
    tr.new_unit("coroutine", "c1", 1)
    tr.append(0, 1, "run", cpu=0)
    s = tr.append(5, 1, "send", peer=2, obj="send", value=1)
    tr.append(5, 2, "switch", peer=1, level="coroutine", cost=13, cpu=0)
    tr.append(18, 2, "run", cause=s, cpu=0)
    tr.append(18, 2, "recv", cause=s, value=1)
    tr.append(20, 2, "emit", label="[c1] 正在吃包子 1")
    tr.append(30, 2, "stop", reason="yield")
    return tr



@pytest.fixture
def small_trace():
    """A factory for a fresh seven-event trace: a thread sends 1 to coroutine c1."""
    return _small_trace
