"""Plain-text report of a calibration: every figure with its spread, then the
profile costs beside the shipped defaults."""

from __future__ import annotations

from ..profile import COSTS, DEFAULT_OVERSHOOT
from .plan import Figures
from .stats import Stat


def human_ns(ns: float) -> str:
    """``1234567`` -> ``'1.23 ms'``: ns, µs, ms or s with three significant digits."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def _row(label: str, s: Stat) -> str:
    return (f"  {label:<38} {human_ns(s.median):>10} {human_ns(s.p10):>10} "
            f"{human_ns(s.p90):>10} {s.n:>6}")


def _figure_rows(fig: Figures) -> list[str]:
    rows = [f"  {'figure (one-way unless noted)':<38} {'median':>10} {'p10':>10} {'p90':>10} "
            f"{'n':>6}"]
    rows += [_row(k, s) for k, s in fig.stats.items()]
    for key, line in fig.lines.items():
        rows += [_row(f"{key} @ {x:g}", s) for x, s in line.points]
        rows.append(f"  {key} fit: {human_ns(line.intercept)} + {human_ns(line.slope)} per unit")
    rows += [_row(f"sleep({human_ns(d)}) overshoot", s) for d, s in fig.overshoot]
    rows += [_row(f"asyncio.sleep({human_ns(d)}) overshoot", s)
             for d, s in fig.asyncio_overshoot]
    rows += [_row(f"idle {human_ns(d)}: wake-up extra", s) for d, s in fig.idle_wakeup]
    rows += [_row(f"idle {human_ns(d)}: cold start extra", s) for d, s in fig.cold_start]
    rows += [f"  skipped {k}: {why}" for k, why in fig.skipped.items()]
    return rows


def _cost_rows(costs: dict[str, int]) -> list[str]:
    rows = [f"  {'profile cost':<22} {'measured':>10} {'default':>10} {'ratio':>7}"]
    for name, (default, _) in COSTS.items():
        if name in costs:
            ratio = f"{costs[name] / default:.2f}" if default else "-"
            rows.append(f"  {name:<22} {human_ns(costs[name]):>10} {human_ns(default):>10} "
                        f"{ratio:>7}")
        else:
            rows.append(f"  {name:<22} {'(not measured)':>10} {human_ns(default):>10}")
    return rows


def _overshoot_rows(fig: Figures) -> list[str]:
    default = dict(DEFAULT_OVERSHOOT)
    return [f"  sleep {human_ns(d):>8}: overshoot {human_ns(s.median):>9} "
            f"(default {human_ns(default[d]) if d in default else '-'})"
            for d, s in fig.overshoot]


def busy_warning(machine: dict) -> str | None:
    """A warning when the 1-minute load average (before or after) exceeded half the CPUs."""
    loads = []
    for key in ("loadavg_before", "loadavg_after"):
        try:
            loads.append(float(str(machine.get(key, "")).split()[0]))
        except (IndexError, ValueError):
            pass
    cpus = machine.get("cpus") or 1
    if loads and max(loads) > cpus / 2:
        return (f"warning: the machine was busy (load average {max(loads):g} on {cpus} CPUs): "
                "hand-offs, forks and GIL periods come out inflated; calibrate on an idle machine")
    return None


def format_report(result) -> str:
    """The report for a :class:`~schedsim.calibrate.core.CalibrationResult`."""
    m = result.machine
    head = [f"machine: {m.get('cpu_model')}, {m.get('cpus')} CPUs, {m.get('kernel')}, "
            f"{m.get('python')}, {m.get('date')}",
            f"sys.getswitchinterval(): {human_ns(m.get('switch_interval_ns', 0))}, "
            f"load average {m.get('loadavg_before')} -> {m.get('loadavg_after')}, "
            f"prints buffered as a program's stdout: "
            f"{m.get('program_stdout', 'flushed per line (an older calibration)')}"]
    warning = busy_warning(m)
    if warning:
        head.append(warning)
    return "\n".join(head + ["", "figures:"] + _figure_rows(result) + ["", "profile:"]
                     + _cost_rows(result.costs()) + _overshoot_rows(result)
                     + _fit_rows(result.fitted())) + "\n"


def _fit_rows(fitted) -> list[str]:
    """How each residual cost was fitted (see :mod:`.fit`)."""
    if not fitted:
        return []
    rows = ["", "fitted so that the model reproduces each probe (one-way):",
            f"  {'cost':<18} {'probe':>10} {'model at 0':>11} {'cost':>10}"]
    for f in fitted:
        note = (f"  (the model stays {human_ns(f.excess)} above)" if f.excess else "")
        rows.append(f"  {f.cost:<18} {human_ns(f.measured):>10} {human_ns(f.model_without):>11} "
                    f"{human_ns(f.value):>10}{note}")
    return rows
