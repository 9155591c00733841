"""The observable events two traces are aligned on: their ``emit`` lines."""

from __future__ import annotations

from typing import NamedTuple

from ..trace import Trace


class Emit(NamedTuple):
    """One printed line: its event index, raw time (ns), unit and label."""

    index: int
    t: int
    unit: int
    label: str


def emits(trace: Trace) -> list[Emit]:
    """Every ``emit`` event of ``trace`` in trace order (unlabelled ones skipped)."""
    times = trace.times()
    out = []
    for i in trace.indices("emit"):
        ev = trace[i]
        if ev.label is not None:
            out.append(Emit(i, times[i], ev.unit, ev.label))
    return out
