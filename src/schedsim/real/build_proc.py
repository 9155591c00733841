"""Builder part: processes and OS counters (see :mod:`.build`).

A process unit is made at its first raw event, child of its parent's
process unit (``parent``: who created it), with ``spawn`` {peer: the unit
that forked or started it} + ``run``, and ends with ``stop`` {reason: exit}
+ ``exit`` {value: its exit status, as its parent collected it when known}.
Multiprocessing children take their ``Process`` name.  ``counter`` events
carry a thread's OS counters; per-thread deltas (last - first sample) go
into the thread unit's ``attrs["counters"]`` and their totals into the
header's ``meta["counters"]``.
"""

from __future__ import annotations

import os

from . import rawlog as raw
from .kernel import KIN, KOUT
from .procfs import NAMES


def process_name(meta: dict) -> str:
    """A readable name for a traced process from its command line."""
    if meta.get("program"):
        return os.path.basename(meta["program"])
    argv = meta.get("cmdline") or []
    text = " ".join(argv)
    for marker, name in (("multiprocessing.forkserver", "forkserver"),
                         ("multiprocessing.resource_tracker", "resource_tracker"),
                         ("multiprocessing.spawn", "spawned")):
        if marker in text:
            return name
    script = next((a for a in argv[1:] if a.endswith(".py")), None)
    return os.path.basename(script) if script else f"pid {meta['pid']}"


class ProcMixin:
    """Processes, their parentage and exit, and OS counters."""

    def init_proc(self) -> None:
        """The process part of the builder's state."""
        self.forks: dict[int, int] = {}          # child pid -> creating unit
        self.forkers: dict[int, tuple] = {}      # child pid -> (pid, tid) that created it
        self.child_names: dict[int, str] = {}    # child pid -> multiprocessing name
        self.samples: dict[int, list] = {}       # thread unit -> [first, last] values

    def process(self, meta: dict, t: int) -> int:
        """The unit of the process ``meta`` describes (made on first sight)."""
        pid = meta["pid"]
        unit = self.procs.get(pid)
        if unit is not None:
            return unit
        parent_meta = self.metas.get(meta.get("ppid"))
        parent = self.process(parent_meta, t) if parent_meta is not None else None
        name = self.child_names.get(pid) or process_name(meta)
        unit = self.trace.new_unit("process", name, parent, pid=pid).id
        self.procs[pid] = unit
        creator = self.forks.pop(pid, None)
        if creator is None and self.forkers.get(pid, (None,))[0] in self.procs:
            creator = self.running(*self.forkers[pid], t)  # its fork is recorded just after
        self.rec(t, unit, "spawn", peer=parent if creator is None else creator)
        self.rec(t, unit, "run")
        self.thread(pid, meta["tid"], t, meta.get("thread"))
        return unit

    def end_process(self, pid: int, t: int, status) -> None:
        """Close the process's threads, then the process itself (once)."""
        unit = self.procs.get(pid)
        if unit is None or unit in self.exited:
            return
        for (p, _tid), thread in self.threads.items():
            if p == pid:
                self.end_unit(thread, t)
        self.end_unit(unit, t, self.reaped.get(pid, status))

    def on_exit(self, pid, t, tid, args) -> None:
        """A process recorded its exit."""
        self.end_process(pid, t, args[0])

    def forked(self, pid, t, tid, args) -> None:
        """``os.fork`` returned in the parent: remember (or make) the child."""
        child = args[0]
        if child not in self.procs:
            self.forks[child] = self.running(pid, tid, t)
            if child in self.metas:
                self.process(self.metas[child], t)

    def child_started(self, pid, t, tid, args) -> None:
        """A multiprocessing child started: its name and creator."""
        child, name = args
        self.child_names[child] = name
        unit = self.procs.get(child)
        if unit is not None:
            self.trace.units[unit].name = name
        elif child not in self.forks:
            self.forks[child] = self.running(pid, tid, t)

    # -- counters ----------------------------------------------------------------
    def counter(self, pid, t, tid, args) -> None:
        """OS counters sampled for a thread."""
        target, values = args
        unit = self.threads.get((pid, target))
        if unit is None:
            unit = self.thread(pid, target, t)
        self.rec(t, unit, "counter", value=dict(zip(NAMES, values)))
        seen = self.samples.setdefault(unit, [values, values])
        seen[1] = values

    def sampled(self, pid: int, t: int, ev: tuple) -> None:
        """A counter sample taken by the tracer from outside (known threads only)."""
        if (pid, ev[3]) in self.threads and self.threads[(pid, ev[3])] not in self.exited:
            self.counter(pid, t, ev[2], ev[3:])

    def kernel(self, t: int, ev: tuple) -> None:
        """A scheduler event from perf, on the thread it concerns (if it is known)."""
        code, _, tid, cpu, how = ev
        unit = self.by_tid.get(tid)
        if unit is None or unit in self.exited:
            return
        if code == KIN:
            self.rec(t, unit, "run", cpu=cpu, label="kernel")
        elif code == KOUT:
            self.rec(t, unit, "stop", reason=how, cpu=cpu, label="kernel")
        else:
            self.rec(t, unit, "wake", cpu=cpu, label="kernel")

    def finish_header(self) -> None:
        """Warnings and counter totals into the header; per-thread deltas into units."""
        meta = self.trace.header.meta
        if self.warnings:
            meta["warnings"] = list(self.warnings)
        hooks = sorted({m["hook"] for m in self.metas.values() if m.get("hook")})
        if hooks:
            meta["hook"] = hooks[0] if len(hooks) == 1 else hooks
        if not self.samples:
            return
        totals = dict.fromkeys(NAMES, 0)
        for unit, (first, last) in self.samples.items():
            delta = {n: b - a for n, a, b in zip(NAMES, first, last)}
            self.trace.units[unit].attrs["counters"] = delta
            for name in NAMES:
                totals[name] += delta[name]
        meta["counters"] = {**totals, "threads": len(self.samples)}

    HANDLERS = {
        raw.EXIT: on_exit, raw.FORKED: forked, raw.PCHILD: child_started, raw.COUNTER: counter,
    }
