"""One line under each gallery diagram: what it teaches, with this trace's figures."""

from __future__ import annotations

from collections import Counter

from ..trace import Trace
from ..trace.perfetto import cpu_slices
from .dotout import human_ns
from .switches import switch_counts
from .topology import channel_use


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 thread``, ``2 threads`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def _kinds(trace: Trace, kinds=("process", "thread", "coroutine")) -> str:
    counts = Counter(u.kind for u in trace.units)
    parts = [plural(counts[k], k, "processes" if k == "process" else None)
             for k in kinds if counts[k]]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""


def percent(share: float) -> str:
    """A share as a percentage that stays meaningful when tiny: 37%, 0.42%, under 0.01%."""
    pct = 100 * share
    if pct >= 1:
        return f"{pct:.0f}%"
    return f"{pct:.2f}%" if pct >= 0.01 else "under 0.01%"


def busy_share(trace: Trace) -> float | None:
    """The share of CPU time spent running or switching, None when CPUs are unknown."""
    per_cpu = cpu_slices(trace)
    if not per_cpu or trace.duration == 0:
        return None
    busy = sum(iv.end - iv.start for slices in per_cpu.values() for iv in slices)
    return busy / (len(per_cpu) * trace.duration)


def gantt(trace: Trace) -> str:
    """What the timeline shows, and how busy the CPUs were."""
    workers = [u for u in trace.units if u.kind != "process"] or trace.units
    who = (f"the {workers[0].kind}" if len(workers) == 1 else
           "each of the " + (_kinds(trace, ("thread", "coroutine")) or _kinds(trace)))
    text = (f"When {who} ran, waited or was blocked, over "
            f"{human_ns(trace.duration)} of model time; arrows show who handed work to "
            "or woke whom")
    share = busy_share(trace)
    if share is None:
        return text + "."
    n = len(cpu_slices(trace))
    cpus = "The CPU was" if n == 1 else f"The {n} CPUs were"
    mostly = ": the program mostly waits" if share < 0.05 else ""
    return (text + f". {cpus} busy {percent(share)} of the time{mostly} (lanes on top, "
            "switches in red at their cost).")


def topology(trace: Trace) -> str:
    """Who shares memory, who talks to whom, through what."""
    direct, puts, gets = channel_use(trace)
    channels = {o for (_, o) in puts} | {o for (o, _) in gets}
    ipc = {o for o in channels if len({trace.process_of(trace.units[u]).id
                                       for (u, c) in puts if c == o}
                                      | {trace.process_of(trace.units[u]).id
                                         for (c, u) in gets if c == o}) > 1}
    talk = [plural(len(direct), "direct hand-off")] if direct else []
    if channels - ipc:
        talk.append(plural(len(channels - ipc), "in-process channel"))
    if ipc:
        talk.append(plural(len(ipc), "IPC channel") + " (copying data between processes)")
    return (f"Who lives where: {_kinds(trace)}; threads share their process's address "
            "space, a child process gets its own copy" + (
                "; " + ", ".join(talk) + "." if talk else "; nobody talks to anybody."))


def switches(trace: Trace) -> str:
    """How many switches of each level, and their total cost."""
    counts = switch_counts(trace)
    per_level: Counter = Counter()
    for (_, _, level), (n, _) in counts.items():
        per_level[level] += n
    total = sum(n for n, _ in counts.values())
    cost = sum(ns for _, ns in counts.values())
    levels = ", ".join(f"{n} {lvl}" for lvl, n in sorted(per_level.items()))
    return (f"Who handed the CPU to whom: {plural(total, 'switch', 'switches')} ({levels}) "
            f"costing {human_ns(cost)} in total; thicker edges happen more often.")


HB = ("What must happen before what among the printed lines: a real run may print them in "
      "any order that follows the arrows, and only in such an order.")
