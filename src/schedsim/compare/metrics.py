"""Per-unit distributions: CPU time, runnable wait, blocked time, switches.

Derived from :func:`schedsim.trace.unit_states` (so they agree with the
diagrams), and, for real runs, from the OS counters the tracer sampled.

Time scaling: ``--time-scale`` shrinks only a real program's *sleeps*, not
its work, so blocked time is converted to model time through the trace's
clock (:mod:`.timing`) while CPU, runnable and switching time, and the OS
counters, are kept as measured.

OS counters are read from the header's ``meta["counters"]`` (totals keyed
by unit id, unit name or native tid) or else from ``counter`` events
(cumulative samples: last minus first, or the only sample).  Names
understood (aliases in brackets): ``run_ns`` [``cpu_ns``], ``wait_ns``,
``slices``, ``voluntary`` [``voluntary_ctxt_switches``], ``involuntary``
[``nonvoluntary``, ``nonvoluntary_ctxt_switches``].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..trace import Trace, unit_states
from .timing import Clock, quantile, trace_clock

COUNTER_NAMES = {"run_ns": "run_ns", "cpu_ns": "run_ns", "wait_ns": "wait_ns",
                 "slices": "slices", "voluntary": "voluntary",
                 "voluntary_ctxt_switches": "voluntary", "involuntary": "involuntary",
                 "nonvoluntary": "involuntary", "nonvoluntary_ctxt_switches": "involuntary"}

#: state -> the UnitMetrics list its interval lengths go to
_STATE_LISTS = {"running": "slices", "runnable": "waits", "blocked": "blocks",
                "gil_wait": "blocks", "switching": "switching"}


@dataclass
class UnitMetrics:
    """One unit's time in each state (ns), its switch counts, and its OS counters."""

    slices: list[float] = field(default_factory=list)     # running intervals
    waits: list[float] = field(default_factory=list)      # runnable intervals
    blocks: list[float] = field(default_factory=list)     # blocked / GIL-wait intervals
    switching: list[float] = field(default_factory=list)  # switch-cost intervals
    switches_in: int = 0
    switches_out: int = 0
    os: dict[str, float] = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        """Total running time."""
        return sum(self.slices)

    @property
    def runnable(self) -> float:
        """Total time ready but not running."""
        return sum(self.waits)

    @property
    def blocked(self) -> float:
        """Total time blocked (GIL waits included)."""
        return sum(self.blocks)

    def summary(self) -> dict:
        """Totals, counts and p50/p95/max of each interval list."""
        out: dict = {"cpu": self.cpu, "runnable": self.runnable, "blocked": self.blocked,
                     "switching": sum(self.switching), "switches_in": self.switches_in,
                     "switches_out": self.switches_out}
        for name in ("slices", "waits", "blocks"):
            xs = getattr(self, name)
            out[name] = {"n": len(xs), "p50": quantile(xs, 0.5) if xs else None,
                         "p95": quantile(xs, 0.95) if xs else None, "max": max(xs, default=None)}
        out["os"] = dict(self.os)
        return out


def _canonical(values: dict) -> dict[str, float]:
    return {COUNTER_NAMES[k]: float(v) for k, v in values.items()
            if k in COUNTER_NAMES and isinstance(v, (int, float)) and not isinstance(v, bool)}


def os_counters(trace: Trace) -> dict[int, dict[str, float]]:
    """Per unit id, the OS counter totals the trace carries (canonical names)."""
    table = trace.header.meta.get("counters") if isinstance(trace.header.meta, dict) else None
    if isinstance(table, dict) and table:
        keys = {}
        for u in trace.units:
            for key in (str(u.id), u.name, None if u.tid is None else str(u.tid)):
                if key is not None:
                    keys.setdefault(key, u.id)
        return {keys[str(k)]: _canonical(v) for k, v in table.items()
                if str(k) in keys and isinstance(v, dict)}
    samples: dict[int, list[dict]] = {}
    for i in trace.indices("counter"):
        ev = trace[i]
        if isinstance(ev.value, dict):
            samples.setdefault(ev.unit, []).append(_canonical(ev.value))
    out = {}
    for unit, seq in samples.items():
        first, last = seq[0], seq[-1]
        out[unit] = ({k: v - first.get(k, 0.0) for k, v in last.items()} if len(seq) > 1
                     else dict(last))
    return out


def unit_metrics(trace: Trace, clock: Clock | None = None) -> dict[int, UnitMetrics]:
    """Every unit's :class:`UnitMetrics` (blocked time in model time, see module doc).

    Switches in are ``run`` events; switches out are ``stop`` and ``block`` events.
    """
    clock = clock or trace_clock(trace, "sleeps")
    out = {u.id: UnitMetrics() for u in trace.units}
    for iv in unit_states(trace):
        name = _STATE_LISTS.get(iv.state)
        if name is not None:
            length = (clock.model(iv.end) - clock.model(iv.start) if name == "blocks"
                      else iv.end - iv.start)
            getattr(out[iv.unit], name).append(length)
    for i in trace.indices("run"):
        out[trace[i].unit].switches_in += 1
    for kind in ("stop", "block"):
        for i in trace.indices(kind):
            out[trace[i].unit].switches_out += 1
    for unit, counters in os_counters(trace).items():
        out[unit].os = counters
    return out


@dataclass
class UnitComparison:
    """The metrics of one expected unit beside those of its actual counterpart."""

    expected_name: str
    actual_name: str
    expected: UnitMetrics
    actual: UnitMetrics

    def to_json(self) -> dict:
        """A plain-dict view."""
        return {"expected_unit": self.expected_name, "actual_unit": self.actual_name,
                "expected": self.expected.summary(), "actual": self.actual.summary()}


def compare_units(expected: Trace, actual: Trace, pairs,
                  clocks: tuple[Clock, Clock] | None = None) -> list[UnitComparison]:
    """Side-by-side metrics for each paired thread or coroutine (``pairs``: UnitPairs)."""
    ce, ca = clocks or (None, None)
    me, ma = unit_metrics(expected, ce), unit_metrics(actual, ca)
    return [UnitComparison(p.expected_name, p.actual_name, me[p.expected], ma[p.actual])
            for p in pairs if expected.units[p.expected].kind != "process"]
