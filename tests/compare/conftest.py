"""Builders for small baozi-like traces, made with ``Trace.append`` directly."""

from __future__ import annotations

import pytest

from schedsim.trace import Header, Trace, Unit

S = 1_000_000_000  # one second in ns


def baozi_script(n: int = 5, switch: int = 13, eat_first: bool = False) -> list[tuple]:
    """The founding example as (t, unit, kind, fields) rows; ``cause`` is a row index.

    Units: 0 process, 1 thread (the producer), 2 and 3 the consumers c1, c2.
    ``eat_first`` gives a deliberately wrong model: the producer sends bun n
    before it says it made it.
    """
    rows: list[tuple] = []

    def add(t, unit, kind, **fields):
        rows.append((t, unit, kind, fields))
        return len(rows) - 1

    t = 0
    add(t, 0, "spawn")
    add(t, 1, "spawn")
    add(t, 1, "run", cpu=0)

    def transfer(to, value=None):
        nonlocal t
        send = add(t, 1, "send", peer=to, obj="send" if value is not None else "next",
                   value=value)
        add(t, to, "switch", peer=1, level="coroutine", cost=switch, cpu=0)
        t += switch
        add(t, to, "run", cause=send, cpu=0)
        if value is not None:
            add(t, to, "recv", cause=send, value=value)
            add(t, to, "emit", label=f"[c{to - 1}] 正在吃包子 {value}")
        else:
            add(t, to, "emit", label=f"c{to - 1}准备开始吃包子啦...")
        add(t, to, "stop", reason="yield")
        add(t, 1, "switch", peer=to, level="coroutine", cost=switch, cpu=0)
        t += switch
        add(t, 1, "run", cpu=0)

    transfer(2)
    transfer(3)
    for i in range(1, n + 1):
        if eat_first:
            transfer(2, i)
            transfer(3, i)
        add(t, 1, "emit", label=f"[producer]做好了新包子 {i}",
            style=[{"start": 0, "end": 10, "sgr": "32;1"}])
        add(t, 1, "block", reason="sleep", value=S)
        t += S
        add(t, 1, "wake")
        add(t, 1, "run", cpu=0)
        if not eat_first:
            transfer(2, i)
            transfer(3, i)
    add(t, 1, "exit")
    return rows


def make_trace(rows, names=("main", "main", "c1", "c2"), *, source="sim", scale=1.0,
               overshoot=0, shift=None, drop=(), producer=None) -> Trace:
    """A trace from ``rows``: times scaled by ``scale``, each wake ``overshoot`` ns late
    (accumulating), ``shift`` = {row: extra ns} for single late rows, ``drop`` rows left out."""
    kinds = ("process", "thread", "coroutine", "coroutine")
    parents = (None, 0, 1, 1)
    units = [Unit(i, kinds[i], names[i], parents[i]) for i in range(len(names))]
    trace = Trace(Header(source, producer=producer or {"name": "baozi"}, time_scale=scale), units)
    index: dict[int, int] = {}
    drift, last = 0, 0
    for r, (t, unit, kind, fields) in enumerate(rows):
        if kind == "wake":
            drift += overshoot
        if r in drop:
            continue
        fields = dict(fields)
        if kind == "block" and scale != 1:
            fields["value"] = round(fields["value"] * scale)  # a real run records the scaled sleep
        if "cause" in fields:
            fields["cause"] = index.get(fields["cause"])
        real_t = round(t * scale) + drift + (shift or {}).get(r, 0)
        last = max(last, real_t)
        index[r] = trace.append(last, unit, kind, **fields)
    return trace


def emit_row(rows, label: str) -> int:
    """The row index of the emit with ``label``."""
    return next(i for i, (_, _, kind, f) in enumerate(rows) if kind == "emit" and f["label"] == label)


@pytest.fixture
def rows():
    """The baozi script."""
    return baozi_script()
