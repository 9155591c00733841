"""Shared helpers for model tests: simulate YAML text, check invariants."""

from __future__ import annotations

from collections import defaultdict

from schedsim.model import metrics, simulate
from schedsim.scenario import loads
from schedsim.trace import unit_states

HEAD = "schedsim: 1\n"


def run(text: str, **kw):
    """Simulate scenario text; returns the trace."""
    return simulate(loads(text, "t.yaml"), **kw).trace


def emits(trace) -> list[tuple[str, str]]:
    """(unit name, label) of every emit, in order."""
    return [(trace.units[e.unit].name, e.label) for e in trace.select("emit")]


def labels(trace) -> list[str]:
    """Labels of every emit, in order."""
    return [e.label for e in trace.select("emit")]


def emit_time(trace, label: str) -> int:
    """Time of the first emit with ``label``."""
    return next(e.t for e in trace.select("emit") if e.label == label)


def intervals(trace, kinds=("thread",)):
    """State intervals of units of the given kinds."""
    k = [u.kind for u in trace.units]
    return [iv for iv in unit_states(trace) if k[iv.unit] in kinds]


def check_invariants(trace) -> None:
    """Assert the model's invariants on a simulated trace."""
    ivs = intervals(trace, ("thread",))
    # no CPU runs two threads at once
    per_cpu = defaultdict(list)
    for iv in ivs:
        if iv.state in ("running", "switching"):
            assert iv.cpu is not None, iv
            per_cpu[iv.cpu].append(iv)
    for cpu, lst in per_cpu.items():
        lst.sort(key=lambda iv: (iv.start, iv.end))
        for a, b in zip(lst, lst[1:]):
            assert a.end <= b.start, f"CPU {cpu} runs {a} and {b} at once"
    # busy + idle + switching = makespan on every CPU
    m = metrics(trace)
    ncpu = trace.header.machine["cpus"]
    assert len(m.cpus) == ncpu
    for row in m.cpus:
        assert row["busy"] >= 0 and row["idle"] >= 0 and row["switching"] >= 0, row
        assert row["busy"] + row["idle"] + row["switching"] == m.overall["makespan"]
    # a coroutine runs only while its thread is running
    running = defaultdict(list)
    for iv in ivs:
        if iv.state in ("running", "switching"):
            running[iv.unit].append((iv.start, iv.end))
    for iv in intervals(trace, ("coroutine",)):
        if iv.state in ("running", "switching") and iv.end > iv.start:
            parent = trace.units[iv.unit].parent
            assert any(s <= iv.start and iv.end <= e for s, e in running[parent]), \
                f"coroutine {trace.units[iv.unit].name} runs off CPU: {iv}"
    # nothing acts while blocked: emits, sends, receives, memory happen on a running thread
    check_acts_on_cpu(trace)
    check_blocked_threads_stay_put(trace)


def check_blocked_threads_stay_put(trace) -> None:
    """A blocked thread neither switches in nor runs until it is woken."""
    kinds = [u.kind for u in trace.units]
    blocked = set()
    for ev in trace:
        if kinds[ev.unit] != "thread":
            continue
        if ev.kind == "block":
            assert ev.unit not in blocked, f"{ev}: blocked twice"
            blocked.add(ev.unit)
        elif ev.kind == "wake":
            assert ev.unit in blocked, f"{ev}: woken while not blocked"
            blocked.discard(ev.unit)
        elif ev.kind in ("run", "switch", "stop"):
            assert ev.unit not in blocked, f"{ev}: while blocked"


def check_acts_on_cpu(trace, running=None) -> None:
    """Every emit/send/recv/mem of a thread or coroutine happens while its thread is on
    a CPU (replaying run/switch → on, stop/block/exit → off)."""
    kinds = [u.kind for u in trace.units]
    on = {}
    for ev in trace:
        u = ev.unit
        if kinds[u] == "thread":
            if ev.kind in ("run", "switch"):
                on[u] = True
            elif ev.kind in ("stop", "block", "exit", "wake", "spawn"):
                on[u] = False
        if ev.kind not in ("emit", "send", "recv", "mem") or kinds[u] == "process":
            continue
        th = u if kinds[u] == "thread" else trace.units[u].parent
        assert on.get(th), f"{ev} happens while thread {trace.units[th].name} is off CPU"
