"""Lanes of a Gantt chart: optional CPU lanes, then one per unit, grouped
process → thread → coroutine."""

from __future__ import annotations

from dataclasses import dataclass

from ..trace import Trace, Unit
from ..trace.perfetto import lane_order

#: heights in data units: a unit lane, a process header row, a CPU lane
LANE = 1.0
HEADER = 0.55
CPU_LANE = 0.8

_DEPTH = {"process": 0, "thread": 1, "coroutine": 2}


@dataclass(frozen=True)
class Lane:
    """A row of the chart spanning [top, top + height), y growing downwards.

    A unit lane has ``unit``; a CPU lane has ``cpu`` (and no unit); a header
    row names a process whose work is drawn in its threads' lanes.
    """

    unit: Unit | None
    top: float
    height: float
    depth: int
    header: bool = False
    cpu: int | None = None
    title: str | None = None
    group: bool = False

    @property
    def bar(self) -> tuple[float, float]:
        """(y, height) of the bar: a unit's in the lower part (labels go above), a CPU's centred."""
        if self.cpu is not None:
            return self.top + 0.15 * self.height, 0.7 * self.height
        return self.top + 0.55 * self.height, 0.36 * self.height

    @property
    def mid(self) -> float:
        """The vertical centre of the bar."""
        y, h = self.bar
        return y + h / 2

    @property
    def label(self) -> str:
        """The lane's name as shown at its left."""
        if self.cpu is not None:
            return f"CPU {self.cpu}"
        if self.title:
            return self.title
        if self.header:
            return f"{self.unit.name} (process)"
        return self.unit.name


def layout(trace: Trace, cpus: list[int] = ()) -> list[Lane]:
    """Lanes top to bottom: a lane per CPU in ``cpus``, then the units.

    A process with several threads gets a thin header row instead of a lane
    (its activity is drawn in its threads' lanes); a process with one thread
    shares that thread's lane, named ``process / thread``.  ``group`` marks
    the first row of each process.
    """
    lanes = [Lane(None, n * CPU_LANE, CPU_LANE, 0, cpu=cpu) for n, cpu in enumerate(cpus)]
    top = len(lanes) * CPU_LANE + (0.25 if lanes else 0.0)
    merged: dict[int, str] = {}  # thread id -> its process's name, for one-thread processes
    for unit in lane_order(trace):
        depth = _DEPTH[unit.kind] - (1 if _in_merged(trace, unit, merged) else 0)
        threads = [k for k in trace.children(unit.id) if k.kind == "thread"]
        if unit.kind == "process" and len(threads) == 1:
            merged[threads[0].id] = unit.name
            continue
        header = unit.kind == "process" and bool(threads)
        height = HEADER if header else LANE
        title = f"{merged[unit.id]} / {unit.name}" if unit.id in merged else None
        lanes.append(Lane(unit, top, height, depth, header, title=title,
                          group=unit.kind == "process" or unit.id in merged))
        top += height
    return lanes


def _in_merged(trace: Trace, unit: Unit, merged: dict[int, str]) -> bool:
    """Whether ``unit`` is, or lives in, a thread that took over its process's row."""
    while unit is not None and unit.kind != "process":
        if unit.id in merged:
            return True
        unit = trace.units[unit.parent] if unit.parent is not None else None
    return False


def total_height(lanes: list[Lane]) -> float:
    """Where the last lane ends."""
    return max((lane.top + lane.height for lane in lanes), default=0.0)
