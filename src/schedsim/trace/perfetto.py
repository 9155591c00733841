"""Export a trace to Chrome Trace Event JSON, the format ui.perfetto.dev opens.

Layout of the export:

* one Chrome *process* per schedsim process, one *thread* lane per unit in it
  (the process's own lane, its threads, and each coroutine as its own lane
  right under its thread), named by ``M`` metadata events and sorted in
  process → thread → coroutine order;
* every state interval of :func:`~schedsim.trace.unit_states` as an ``X``
  slice named after the state (running, switching, blocked, ...);
* a ``CPUs`` process with a lane per CPU showing which unit ran there
  (:func:`cpu_slices`), when the trace knows its CPUs;
* every ``emit`` (and ``mark``) as an ``i`` instant named by its label;
* OS counters (``counter`` events) as ``C`` counter tracks in the unit's process;
* every ``cause`` link (send→recv, release→wake, ...) as an ``s``/``f`` flow.

Times are microseconds (floats) of trace time, as Perfetto expects; the
trace header (source, producer, time scale) goes into ``otherData``.
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from typing import Iterable

from ..fsutil import atomic_write_text
from .events import Unit
from .states import Interval, links, unit_states
from .store import Trace

_DEPTH = {"process": 0, "thread": 1, "coroutine": 2}
_ON_CPU = ("running", "switching")


def _us(ns: int) -> float:
    return ns / 1000.0


# -- lanes ---------------------------------------------------------------------

def lane_order(trace: Trace) -> list[Unit]:
    """Units depth-first: each process, then its threads, each followed by its coroutines.

    Child processes come after their parent's threads; orphans (no process
    ancestor) come last.
    """
    out: list[Unit] = []
    placed: set[int] = set()

    def visit(unit: Unit) -> None:
        out.append(unit)
        placed.add(unit.id)
        kids = trace.children(unit.id)
        for kid in sorted(kids, key=lambda k: (_DEPTH[k.kind] != _DEPTH[unit.kind] + 1, k.id)):
            if kid.id not in placed:
                visit(kid)

    for unit in trace.units:
        if unit.id not in placed and unit.parent is None:
            visit(unit)
    for unit in trace.units:
        if unit.id not in placed:
            visit(unit)
    return out


def _lane_ids(trace: Trace) -> dict[int, tuple[int, int]]:
    """Unit id → (pid, tid) in the export (synthetic, so never colliding)."""
    orphan_pid = len(trace.units) + 1
    ids = {}
    for unit in trace.units:
        proc = trace.process_of(unit)
        ids[unit.id] = (proc.id + 1 if proc else orphan_pid, unit.id + 1)
    return ids


def _lane_name(unit: Unit) -> str:
    extra = f" [tid {unit.tid}]" if unit.tid is not None else ""
    if unit.kind == "coroutine":
        return f"{unit.name} (coroutine){extra}"
    if unit.kind == "process":
        return f"{unit.name} (process)"
    return unit.name + extra


def _metadata(trace: Trace, ids: dict[int, tuple[int, int]]) -> list[dict]:
    out: list[dict] = []
    named: set[int] = set()
    for order, unit in enumerate(lane_order(trace)):
        pid, tid = ids[unit.id]
        if pid not in named:
            named.add(pid)
            proc = trace.process_of(unit)
            pname = proc.name if proc else "(no process)"
            if proc is not None and proc.pid is not None:
                pname += f" [pid {proc.pid}]"
            out.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                        "args": {"name": pname}})
            out.append({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                        "args": {"sort_index": len(named)}})
        out.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                    "args": {"name": _lane_name(unit)}})
        out.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                    "args": {"sort_index": order}})
    return out


# -- per-CPU view ----------------------------------------------------------------

def _running_index(trace: Trace, intervals: list[Interval]) -> dict[int, tuple[list, list]]:
    runs: dict[int, tuple[list, list]] = {}
    for iv in intervals:
        if iv.state in _ON_CPU and iv.cpu is not None:
            starts, ivs = runs.setdefault(iv.unit, ([], []))
            starts.append(iv.start)
            ivs.append(iv)
    return runs


def _cpu_of(trace: Trace, iv: Interval, runs: dict) -> int | None:
    """The interval's CPU, else the CPU its nearest running ancestor was on."""
    if iv.cpu is not None:
        return iv.cpu
    parent = trace.units[iv.unit].parent
    while parent is not None and trace.units[parent].kind != "process":
        starts, ivs = runs.get(parent, ((), ()))
        k = bisect_right(starts, iv.start) - 1
        if k >= 0 and ivs[k].start <= iv.start < ivs[k].end:
            return ivs[k].cpu
        parent = trace.units[parent].parent
    return None


def _flatten(trace: Trace, items: list[Interval]) -> list[Interval]:
    """Disjoint slices: where intervals overlap, the deepest unit (then switching) wins."""
    points = sorted({p for iv in items for p in (iv.start, iv.end)})
    starting: dict[int, list[Interval]] = {}
    for iv in items:
        starting.setdefault(iv.start, []).append(iv)
    active: list[Interval] = []
    out: list[Interval] = []
    for a, b in zip(points, points[1:]):
        active = [iv for iv in active if iv.end > a] + starting.get(a, [])
        if not active:
            continue
        top = max(active, key=lambda iv: (_DEPTH[trace.units[iv.unit].kind],
                                          iv.state == "switching", iv.start))
        last = out[-1] if out else None
        if last and last.end == a and (last.unit, last.state) == (top.unit, top.state):
            out[-1] = last._replace(end=b)
        else:
            out.append(Interval(top.unit, top.state, a, b, top.reason, top.cpu))
    return out


def cpu_slices(trace: Trace, intervals: list[Interval] | None = None) -> dict[int, list[Interval]]:
    """Per CPU, disjoint slices of who was on it: running or switching, innermost unit.

    A coroutine's interval without a CPU inherits the CPU of the thread it
    runs on; where a thread and its coroutine overlap, the coroutine shows.
    Empty when the trace records no CPUs.
    """
    intervals = unit_states(trace) if intervals is None else intervals
    runs = _running_index(trace, intervals)
    per_cpu: dict[int, list[Interval]] = {}
    for iv in intervals:
        if iv.state in _ON_CPU:
            cpu = _cpu_of(trace, iv, runs)
            if cpu is not None:
                per_cpu.setdefault(cpu, []).append(iv._replace(cpu=cpu))
    return {cpu: _flatten(trace, items) for cpu, items in sorted(per_cpu.items())}


# -- events ----------------------------------------------------------------------

def _slice(iv: Interval, name: str, pid: int, tid: int, cat: str) -> dict:
    args = {k: v for k, v in (("reason", iv.reason), ("cpu", iv.cpu)) if v is not None}
    out = {"ph": "X", "name": name, "cat": cat, "ts": _us(iv.start),
           "dur": _us(iv.end - iv.start), "pid": pid, "tid": tid}
    if args:
        out["args"] = args
    return out


def _state_slices(intervals: Iterable[Interval], ids) -> list[dict]:
    return [_slice(iv, iv.state, *ids[iv.unit], "state") for iv in intervals]


def _cpu_tracks(trace: Trace, intervals: list[Interval]) -> list[dict]:
    per_cpu = cpu_slices(trace, intervals)
    if not per_cpu:
        return []
    pid = len(trace.units) + 2
    out = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "CPUs"}},
           {"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
            "args": {"sort_index": -1}}]
    for cpu, slices in per_cpu.items():
        out.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": cpu + 1,
                    "args": {"name": f"CPU {cpu}"}})
        out.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": cpu + 1,
                    "args": {"sort_index": cpu}})
        for iv in slices:
            name = trace.units[iv.unit].name
            if iv.state == "switching":
                name = f"switch → {name}"
            out.append(_slice(iv, name, pid, cpu + 1, "cpu"))
    return out


def _instants(trace: Trace, ids) -> list[dict]:
    out = []
    for kind in ("emit", "mark"):
        for i in trace.indices(kind):
            ev = trace[i]
            pid, tid = ids[ev.unit]
            out.append({"ph": "i", "s": "t", "name": ev.label or kind, "cat": kind,
                        "ts": _us(ev.t), "pid": pid, "tid": tid, "args": {"event": i}})
    return out


def _counters(trace: Trace, ids) -> list[dict]:
    """``counter`` events (OS counters of a unit) as Chrome counter tracks, one per name."""
    out = []
    for i in trace.indices("counter"):
        ev = trace[i]
        if not isinstance(ev.value, dict):
            continue
        pid, tid = ids[ev.unit]
        name = trace.units[ev.unit].name
        for key, number in sorted(ev.value.items()):
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                out.append({"ph": "C", "name": f"{name} {key}", "cat": "counter",
                            "ts": _us(ev.t), "pid": pid, "tid": tid, "args": {key: number}})
    return out


def _flows(trace: Trace, ids) -> list[dict]:
    out = []
    for n, link in enumerate(links(trace), 1):
        src, dst = trace[link.src], trace[link.dst]
        name = f"{src.kind}→{dst.kind}"
        for ph, ev, index in (("s", src, link.src), ("f", dst, link.dst)):
            pid, tid = ids[ev.unit]
            flow = {"ph": ph, "id": n, "name": name, "cat": "cause", "ts": _us(ev.t),
                    "pid": pid, "tid": tid, "args": {"event": index}}
            if ph == "f":
                flow["bp"] = "e"
            out.append(flow)
    return out


_PH_ORDER = {"X": 0, "i": 1, "C": 2, "s": 3, "f": 4}


def to_chrome(trace: Trace) -> dict:
    """The trace as a Chrome Trace Event JSON object (see the module doc)."""
    ids = _lane_ids(trace)
    intervals = unit_states(trace)
    meta = _metadata(trace, ids)
    cpu = _cpu_tracks(trace, intervals)
    timed = (_state_slices(intervals, ids) + [e for e in cpu if e["ph"] != "M"]
             + _instants(trace, ids) + _counters(trace, ids) + _flows(trace, ids))
    timed.sort(key=lambda e: (e["ts"], _PH_ORDER[e["ph"]], -e.get("dur", 0.0)))
    header = trace.header
    other = {"schema": "schedsim.trace/1", "source": header.source,
             "producer": header.producer, "time_scale": header.time_scale,
             "version": header.version}
    return {"traceEvents": meta + [e for e in cpu if e["ph"] == "M"] + timed,
            "displayTimeUnit": "ms", "otherData": other}


def save(trace: Trace, path: str | os.PathLike) -> None:
    """Write :func:`to_chrome` of ``trace`` to ``path`` atomically (UTF-8 JSON)."""
    text = json.dumps(to_chrome(trace), ensure_ascii=False, separators=(",", ":"))
    atomic_write_text(path, text + "\n")
