"""Traces built by hand with ``Trace.append``, following the agreed event patterns."""

from __future__ import annotations

import pytest

from schedsim.trace import Header, Trace

S = 1_000_000_000


def transfer(tr: Trace, t: int, src: int, dst: int, cost: int, value=None, label=None,
             cpu: int = 0) -> int:
    """R→G generator transfer and the return back to R; returns the time after it."""
    send = tr.append(t, src, "send", peer=dst, obj="send" if value is not None else "next",
                     value=value)
    tr.append(t, dst, "switch", peer=src, level="coroutine", cost=cost, cpu=cpu)
    tr.append(t + cost, dst, "run", cause=send, cpu=cpu)
    if value is not None:
        tr.append(t + cost, dst, "recv", cause=send, value=value)
    if label:
        tr.append(t + cost, dst, "emit", label=label)
    tr.append(t + cost, dst, "stop", reason="yield")
    tr.append(t + cost, src, "switch", peer=dst, level="coroutine", cost=cost, cpu=cpu)
    tr.append(t + 2 * cost, src, "run", cpu=cpu)
    return t + 2 * cost


def build_baozi(source: str = "sim", scale: float = 1.0, cost: int = 1000,
                rounds: int = 5) -> Trace:
    """The seed's producer/consumer: c1 and c2 primed, then ``rounds`` buns."""
    header = Header(source=source, time_scale=scale,
                    producer={"scenario": "scenarios/baozi-coroutines.yaml"} if source == "sim"
                    else {"program": "examples/baozi/coroutines.py"})
    tr = Trace(header)
    proc = tr.new_unit("process", "main").id
    main = tr.new_unit("thread", "main", proc).id
    c1 = tr.new_unit("coroutine", "c1", main).id
    c2 = tr.new_unit("coroutine", "c2", main).id
    tr.append(0, proc, "spawn")
    tr.append(0, main, "spawn", peer=proc)
    tr.append(0, main, "run", cpu=0)
    t = transfer(tr, 0, main, c1, cost, label="c1准备开始吃包子啦...")
    t = transfer(tr, t, main, c2, cost, label="c2准备开始吃包子啦...")
    sleep = int(S * scale)
    for n in range(1, rounds + 1):
        tr.append(t, main, "emit", label=f"[producer]做好了新包子 {n}",
                  style=[{"start": 0, "end": 10, "sgr": "32;1"}])
        tr.append(t, main, "block", reason="sleep", value=sleep)
        t += sleep
        tr.append(t, main, "wake")
        tr.append(t, main, "run", cpu=0)
        t = transfer(tr, t, main, c1, cost, value=n, label=f"[c1] 正在吃包子 {n}")
        t = transfer(tr, t, main, c2, cost, value=n, label=f"[c2] 正在吃包子 {n}")
    tr.append(t, main, "exit")
    tr.append(t, proc, "exit")
    return tr


@pytest.fixture
def baozi() -> Trace:
    """A simulated baozi trace (1 µs coroutine switches)."""
    return build_baozi()


@pytest.fixture
def baozi_real() -> Trace:
    """A 'real' baozi trace with time scale 0.01 and no CPU numbers' worth of cost."""
    return build_baozi("real", scale=0.01, cost=300)


def build_two_threads() -> Trace:
    """Two threads of one process on two CPUs plus a child process, a lock hand-off."""
    tr = Trace(Header(source="sim", producer={"scenario": "two-threads.yaml"}))
    p = tr.new_unit("process", "app").id
    a = tr.new_unit("thread", "worker-a", p).id
    b = tr.new_unit("thread", "worker-b", p).id
    child = tr.new_unit("process", "child", p).id
    ct = tr.new_unit("thread", "main", child).id
    tr.append(0, a, "spawn", peer=p)
    tr.append(0, b, "spawn", peer=p)
    tr.append(0, a, "run", cpu=0)
    tr.append(0, b, "switch", level="thread", cost=5000, cpu=1)
    tr.append(5000, b, "run", cpu=1)
    tr.append(100_000, b, "block", reason="gil")
    rel = tr.append(200_000, a, "send", obj="lock:L")
    tr.append(200_000, b, "wake", cause=rel)
    tr.append(200_000, b, "run", cpu=1)
    tr.append(250_000, ct, "spawn", peer=p)
    tr.append(250_000, ct, "switch", level="process", cost=20_000, cpu=0)
    tr.append(250_000, a, "stop", reason="preempt")
    tr.append(270_000, ct, "run", cpu=0)
    tr.append(300_000, ct, "emit", label="child says hi")
    tr.append(400_000, ct, "exit")
    tr.append(400_000, a, "run", cpu=0)
    tr.append(500_000, a, "exit")
    tr.append(500_000, b, "exit")
    return tr


@pytest.fixture
def two_threads() -> Trace:
    """See :func:`build_two_threads`."""
    return build_two_threads()


@pytest.fixture
def make_baozi():
    """The :func:`build_baozi` factory, for tests that need variants."""
    return build_baozi
