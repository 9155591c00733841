"""Figures from a trace (simulated or real): per unit, per CPU and overall.

Per unit: CPU time, runnable time (waiting for a CPU), blocked time, GIL
wait, switches in and out, response time (spawn to first run), and the mean
latency of its I/O requests (``send`` obj io → ``recv`` obj io); a process's
figures are the sums over its threads.  Per CPU:
busy, idle and switching time (thread and process switches, plus coroutine
switches spent inside a running thread).  Overall: makespan, total switch
overhead and its share of CPU capacity.  For every CPU, busy + idle +
switching = makespan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..trace import Trace, unit_states

UNIT_COLUMNS = ("cpu", "runnable", "blocked", "gil_wait", "switches_in", "switches_out",
                "response", "io_latency")


@dataclass
class Metrics:
    """The figures of one trace."""

    units: list[dict] = field(default_factory=list)
    cpus: list[dict] = field(default_factory=list)
    overall: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-ready dict: {units, cpus, overall}."""
        return {"units": self.units, "cpus": self.cpus, "overall": self.overall}

    def unit(self, name: str, kind: str | None = None) -> dict:
        """The row of the first unit called ``name`` or with that path
        (``process/thread/coroutine``), optionally of ``kind``."""
        for row in self.units:
            if name in (row["name"], row["path"]) and (kind is None or row["kind"] == kind):
                return row
        raise KeyError(name)


def _unit_rows(trace: Trace) -> list[dict]:
    def path(u) -> str:
        return u.name if u.parent is None or u.kind == "process" else \
            f"{path(trace.units[u.parent])}/{u.name}"

    rows = [{"id": u.id, "name": u.name, "path": path(u), "kind": u.kind, "cpu": 0, "runnable": 0, "blocked": 0,
             "gil_wait": 0, "switching": 0, "switches_in": 0, "switches_out": 0,
             "response": None, "io_latency": None} for u in trace.units]
    last_state: dict[int, tuple[str, int]] = {}
    for iv in unit_states(trace):
        row = rows[iv.unit]
        span = iv.end - iv.start
        state = iv.state
        if state == "running":
            row["cpu"] += span
        elif state in ("runnable", "blocked", "gil_wait", "switching"):
            row[state] += span
        on = state in ("running", "switching")
        prev = last_state.get(iv.unit)
        was_on = prev is not None and prev[0] in ("running", "switching") and prev[1] == iv.start
        if on and not was_on:
            row["switches_in"] += 1
        if not on and prev is not None and prev[0] in ("running", "switching"):
            row["switches_out"] += 1
        last_state[iv.unit] = (state, iv.end)
    for unit, (state, _end) in last_state.items():
        if state in ("running", "switching"):   # left the CPU by exiting (or the trace ended)
            rows[unit]["switches_out"] += 1
    _sum_processes(trace, rows)
    return rows


SUMMED = ("cpu", "runnable", "blocked", "gil_wait", "switching", "switches_in", "switches_out")


def _sum_processes(trace: Trace, rows: list[dict]) -> None:
    """A process's figures are the sums over its threads (as ``ps`` reports them)."""
    for u in trace.units:
        if u.kind == "process":
            row = rows[u.id]
            threads = [rows[c.id] for c in trace.units if c.parent == u.id and c.kind == "thread"]
            for key in SUMMED:
                row[key] = sum(t[key] for t in threads)


def _responses_and_io(trace: Trace, rows: list[dict]) -> None:
    spawned: dict[int, int] = {}
    io: dict[int, list[int]] = {}
    times = trace.times()
    for i, ev in enumerate(trace):
        if ev.kind == "spawn":
            spawned[ev.unit] = ev.t
        elif ev.kind == "run" and rows[ev.unit]["response"] is None and ev.unit in spawned:
            rows[ev.unit]["response"] = ev.t - spawned[ev.unit]
        elif ev.kind == "recv" and ev.obj == "io" and ev.cause is not None:
            io.setdefault(ev.unit, []).append(ev.t - times[ev.cause])
    for unit, lat in io.items():
        rows[unit]["io_latency"] = sum(lat) // len(lat)


def _cpu_rows(trace: Trace, makespan: int) -> list[dict]:
    kinds = [u.kind for u in trace.units]
    cpus: dict[int, dict] = {}

    def row(cpu: int) -> dict:
        return cpus.setdefault(cpu, {"cpu": cpu, "busy": 0, "idle": 0, "switching": 0})

    for iv in unit_states(trace):
        if iv.cpu is None or iv.state not in ("running", "switching"):
            continue
        span = iv.end - iv.start
        if kinds[iv.unit] == "thread":
            row(iv.cpu)["busy" if iv.state == "running" else "switching"] += span
        elif kinds[iv.unit] == "coroutine" and iv.state == "switching":
            # a switch into a coroutine happens inside its running thread
            r = row(iv.cpu)
            r["busy"] -= span
            r["switching"] += span
    for cpu in range(int(trace.header.machine.get("cpus") or 0)):
        row(cpu)                                     # CPUs that never ran anything
    for r in cpus.values():
        r["idle"] = makespan - r["busy"] - r["switching"]
    return [cpus[k] for k in sorted(cpus)]


def metrics(trace: Trace) -> Metrics:
    """Measure ``trace``: per-unit, per-CPU and overall figures (times in ns)."""
    makespan = trace.duration
    rows = _unit_rows(trace)
    _responses_and_io(trace, rows)
    cpus = _cpu_rows(trace, makespan)
    n = len(cpus) or int(trace.header.machine.get("cpus") or 0)
    overhead = sum(r["switching"] for r in cpus)
    busy = sum(r["busy"] for r in cpus)
    capacity = makespan * n
    overall = {"makespan": makespan, "cpus": n, "busy": busy, "switch_overhead": overhead,
               "switch_share": overhead / capacity if capacity else 0.0,
               "utilisation": (busy + overhead) / capacity if capacity else 0.0,
               "switches": sum(r["switches_in"] for r in rows if r["kind"] == "thread"),
               "events": len(trace)}
    return Metrics(rows, cpus, overall)


def _ms(ns) -> str:
    """A time with a fitting unit: 226 ns, 13.2 µs, 1.700 ms, 5.0085 s."""
    if ns is None:
        return "-"
    if ns < 1_000:
        return f"{ns} ns"
    if ns < 1_000_000:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.3f} ms"
    return f"{ns / 1e9:.4f} s"


def format_metrics(m: Metrics) -> str:
    """The figures as aligned text tables (each time with its own unit)."""
    head = ["unit", "kind", "cpu", "runnable", "blocked", "gil wait", "in", "out",
            "response", "io latency"]
    body = [[r["path"], r["kind"], _ms(r["cpu"]), _ms(r["runnable"]), _ms(r["blocked"]),
             _ms(r["gil_wait"]), str(r["switches_in"]), str(r["switches_out"]),
             _ms(r["response"]), _ms(r["io_latency"])]
            for r in m.units if r["kind"] != "process"]
    out = [_table(head, body), ""]
    if m.cpus:
        out.append(_table(["cpu", "busy", "idle", "switching"],
                          [[str(r["cpu"]), _ms(r["busy"]), _ms(r["idle"]), _ms(r["switching"])]
                           for r in m.cpus]))
        out.append("")
    o = m.overall
    out.append(f"makespan {_ms(o['makespan'])} on {o['cpus']} CPU(s); utilisation "
               f"{o['utilisation']:.1%}; switch overhead {_ms(o['switch_overhead'])} "
               f"({o['switch_share']:.3%} of CPU time); {o['switches']} thread switches; "
               f"{o['events']} events")
    return "\n".join(out)


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    def line(cells):
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])
