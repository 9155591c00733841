"""Building and running a simulation: processes, threads, their lifecycles.

:func:`simulate` is the entry point: it lays out the units (processes, then
their threads, then the threads' coroutines), opens a trace (in memory or
streamed to a file), starts every process that nobody spawns, runs SimPy to
the end and returns a :class:`SimResult`.
"""

from __future__ import annotations

import copy
import os
import random
from dataclasses import dataclass
from typing import Any

import simpy

from .. import __version__
from ..errors import SchedsimError
from ..profile import TRACER_COSTS, load_profile
from ..trace import Header, Recorder, Trace, TraceWriter, Unit
from . import aio, interp  # noqa: F401 - aio registers its handlers
from .coro import Coro
from .feeder import Feeder, feeder_channels, feeder_loop, feeder_spec
from .gil import GIL
from .machine import Scheduler
from .sync import make_sync_objects
from .thread import Thread


@dataclass
class SimResult:
    """What a simulation produced: the trace (None when streamed to ``path``),
    the number of events, the end time (makespan, ns) and the seed used."""

    trace: Trace | None
    events: int
    makespan: int
    seed: int
    path: str | None = None


class Process:
    """The runtime state of a process: its address space, GIL, threads and
    sync objects."""

    def __init__(self, sim, spec, unit: int) -> None:
        self.sim = sim
        self.spec = spec
        self.name = spec.name
        self.unit = unit
        self.memory: dict[str, Any] = copy.deepcopy(spec.vars)
        self.gil = GIL(sim, self) if spec.gil else None
        self.threads: dict[str, Thread] = {}
        self.parent: Process | None = None
        self.started = False
        self.live = 0
        self.done = False
        self.joiners: list = []
        self.exit_index: int | None = None
        self.startup = 0          # CPU time the main thread spends before its program:
                                  # an interpreter start-up (spawn), copy-on-write (fork)
        # the first-use costs (COW_FIRST_USE's) this process still owes: all of them from
        # a fork it took part in (as parent or child); each is paid, and removed, by the
        # first use of its kind after that fork, which writes pages the fork left shared
        self.cow_pending: set[str] = set()
        # kind of code (cold.COLD_KINDS) -> when a unit of this process last ran it
        self.last_run: dict[str, int] = {}
        self.feeders: dict[str, Feeder] = {}   # IPC channel -> this process's feeder
        self.queues, self.locks, self.events = make_sync_objects(sim, spec)


def _process_order(processes: dict) -> list:
    """Processes with parents after their parents (declaration order otherwise)."""
    out, seen = [], set()

    def visit(spec) -> None:
        if spec.name in seen:
            return
        seen.add(spec.name)
        out.append(spec)
        for child in processes.values():
            if child.parent == spec.name:
                visit(child)

    for spec in processes.values():
        if spec.parent is None:
            visit(spec)
    for spec in processes.values():   # a parent cycle is rejected by the scenario layer
        visit(spec)
    return out


class Sim:
    """One simulation run."""

    def __init__(self, system, units: list[Unit], profile, costs: dict, seed: int) -> None:
        self.system = system
        self.env = simpy.Environment()
        self.rec = None  # set to the sink's append (or a Recorder's record) before run()
        self.units = units
        self.profile = profile
        self.costs = costs
        self.rng = random.Random(seed)
        self.sched = Scheduler(system.machine, lambda: self.env.now)
        self.channels = make_sync_objects(self, None, system.channels)[0]
        self.processes: dict[str, Process] = {}

    # -- layout ------------------------------------------------------------------
    def layout(self) -> None:
        """Create the runtime objects, one unit each, in header order."""
        units = self.units
        for spec in _process_order(self.system.processes):
            parent = self.processes.get(spec.parent) if spec.parent else None
            unit = len(units)
            attrs = {"gil": True} if spec.gil else {}
            units.append(Unit(unit, "process", spec.name, parent.unit if parent else None,
                              attrs=attrs))
            proc = self.processes[spec.name] = Process(self, spec, unit)
            proc.parent = parent
            for tspec in spec.threads.values():
                self._layout_thread(proc, tspec)
            for name in feeder_channels(spec, self.channels):
                th = self._layout_thread(proc, feeder_spec(name), {"feeder": name,
                                                                     "daemon": True})
                th.feeder = proc.feeders[name] = Feeder(self.channels[name], th)

    def _layout_thread(self, proc: Process, tspec, extra: dict | None = None) -> Thread:
        units = self.units
        attrs = {k: getattr(tspec, k) for k in ("priority", "nice", "period", "deadline")
                 if getattr(tspec, k)}
        attrs.update(extra or {})
        if tspec.asyncio:
            attrs["asyncio"] = True
        th = Thread(self, proc, tspec, len(units))
        units.append(Unit(th.unit, "thread", tspec.name, proc.unit, attrs=attrs))
        proc.threads[tspec.name] = th
        th.coros = {}
        for cspec in tspec.coroutines.values():
            coro = Coro(cspec, len(units), th)
            units.append(Unit(coro.unit, "coroutine", cspec.name, th.unit,
                              attrs={"kind": cspec.kind}))
            th.coros[cspec.name] = coro
        return th

    # -- costs -------------------------------------------------------------------
    def switch_cost(self, prev, th, index: int) -> tuple[int, str | None, bool]:
        """(cost, level, migrated) of putting ``th`` on CPU ``index`` after ``prev``.

        ``cross_cpu_wakeup`` is paid when the thread moves to another CPU than
        it last ran on, or when another unit woke it onto an idle CPU (the
        waker keeps its own: the wake-up is an interrupt to the other CPU,
        which is what ``schedsim calibrate`` measures as 2-CPU minus 1-CPU
        hand-off).  The profile's cold start is added for the longer of the
        CPU's idle time and the time ``th`` was blocked (its caches went cold
        either way); on a CPU that had been idle, its idle wake-up too unless a
        timer woke ``th`` (a sleep's overshoot already holds that latency).
        """
        migrate = th.last_cpu is not None and th.last_cpu != index
        cpu, costs = self.sched.cpus[index], self.costs
        # (idle for 0 ns: the waker's own CPU, freed as the waker blocked right after)
        remote = cpu.from_idle and cpu.idled > 0 and th.woken_by == "unit"
        cost = costs["cross_cpu_wakeup"] if migrate or remote else 0
        cold = max(cpu.idled, th.blocked_for)
        if cold:
            cost += self.profile.cold_start(cold)
        if cpu.idled:
            if th.woken_by in ("unit", "device"):
                cost += self.profile.idle_wakeup(cpu.idled)
        if prev is None or prev is th:
            return cost, ("thread" if cost else None), migrate
        if prev.process is th.process:
            return cost + costs["thread_switch"], "thread", migrate
        return cost + costs["process_switch"], "process", migrate

    # -- lifecycles ----------------------------------------------------------------
    def start_process(self, proc: Process, creator: int | None = None, cost: int | None = None,
                      how: str | None = None, memory: dict | None = None) -> None:
        """Record ``proc``'s spawn and start its autostart threads."""
        proc.started = True
        if memory is not None:
            proc.memory = memory
        self.rec(self.env.now, proc.unit, "spawn", peer=creator, cost=cost, reason=how)
        if how in ("spawn", "forkserver"):
            proc.startup = cost
        for th in proc.threads.values():
            if th.spec.autostart:
                self.start_thread(th, creator)

    def start_thread(self, th: Thread, creator: int | None = None, cost: int | None = None) -> None:
        """Record ``th``'s spawn and start its SimPy process."""
        th.started = True
        th.woken_by = "unit" if creator is not None else "start"
        th.process.live += 1
        th.record("spawn", peer=creator, cost=cost)
        th.proc = self.env.process(self._thread_body(th))

    def _thread_body(self, th: Thread):
        th.t0 = self.env.now
        if th.spec.period:
            th.abs_deadline = self.env.now + (th.spec.deadline or th.spec.period)
        try:
            yield from th.get_cpu()
            if th.process.startup and th is next(iter(th.process.threads.values())):
                yield from th.spend(th.process.startup)   # interpreter start-up or COW
            if th.on_start is not None:
                th.on_start(th.last_run, None)
            if th.feeder is not None:
                yield from feeder_loop(th)
            elif th.spec.period:
                yield from interp.HANDLERS["__periodic__"](th)
            elif th.spec.asyncio:
                yield from interp.HANDLERS["__asyncio__"](th)
            else:
                ctx = interp.Ctx(th, th.unit, th.spec.name)
                yield from interp.run(ctx, th.spec.program)
            yield from self._finish_thread(th)
        except simpy.Interrupt as exc:
            if exc.cause != "kill":
                raise
            self._killed(th)

    def _killed(self, th: Thread) -> None:
        """``th``'s process was terminated: it stops wherever it was."""
        th.killed = True
        if th.process.gil is not None:
            th.process.gil.abandon(th)
        for unit in reversed(th.stack):
            self.rec(self.env.now, unit, "stop", reason="exit")
        th.stack.clear()
        self._close_coroutines(th)
        self._end_thread(th, th.record("exit", cause=th.kill_cause, value=-15, cpu=th.cpu))

    def _finish_thread(self, th: Thread):
        yield from interp.HANDLERS["__drain__"](th)
        for coro in th.coros.values():
            if coro.spec.kind == "generator" and coro.started and not coro.done:
                yield from interp.close_suspended(th, coro)
        self._close_coroutines(th)
        if not th.spec.autostart:         # a started thread's teardown, before join sees it
            yield from th.spend(self.costs["thread_exit"])
        proc = th.process
        if not proc.spec.autostart and proc.live == 1:   # a started process's last thread:
            yield from th.spend(self.costs["process_exit"])   # its clean-up and exit
        if th.gil_held:
            th.process.gil.release(th)
        self._end_thread(th, th.record("exit", cpu=th.cpu))

    def _close_coroutines(self, th: Thread) -> None:
        """Coroutines still suspended when their thread ends are closed (``exit``)."""
        for coro in th.coros.values():
            if coro.started and not coro.done:
                coro.done = True
                coro.exit_index = th.record("exit", unit=coro.unit)

    def _end_thread(self, th: Thread, exit_index: int) -> None:
        th.done = True
        th.exit_index = exit_index
        if th.cpu is not None:
            self.sched.release(th)
        for ev in th.joiners:
            ev.succeed((th.exit_index, None, None))
        proc = th.process
        proc.live -= 1
        if th.feeder is None and proc.feeders and not any(
                t.started and not t.done and t.feeder is None for t in proc.threads.values()):
            for feeder in proc.feeders.values():      # multiprocessing's atexit join
                feeder.close(exit_index)
        if proc.live == 0:
            self._finish_process(proc)

    def _finish_process(self, proc: Process) -> None:
        proc.done = True
        proc.exit_index = self.rec(self.env.now, proc.unit, "exit", value=0)
        for ev in proc.joiners:
            ev.succeed((proc.exit_index, None, None))

    def run(self) -> int:
        """Start the root processes and run to the end; returns the makespan (ns)."""
        for proc in self.processes.values():
            if proc.spec.autostart:
                self.start_process(proc)
        try:
            self.env.run(until=self.system.until)
        except SchedsimError as exc:
            # SimPy re-raises a failed process's exception as a copy made from
            # its args; the original (with file, line and path) is the cause
            original = exc.__cause__
            raise (original if isinstance(original, SchedsimError) else exc) from None
        return int(self.env.now)


def _header(scenario, system, profile, costs: dict, seed: int) -> Header:
    m = system.machine
    machine = {"cpus": m.cpus, "policy": m.policy, "profile": profile.name, "costs": costs}
    if m.policy == "rr":
        machine["quantum"] = m.quantum
    if m.policy == "fair":
        machine.update(min_granularity=m.min_granularity, latency=m.latency)
    producer = {"tool": "schedsim", "scenario": getattr(scenario, "file", None),
                "sha256": getattr(scenario, "sha256", None)}
    real = getattr(scenario, "real", None)
    if real is not None:  # what compare checks a real trace against; relative: no checkout path
        base = os.path.dirname(os.path.abspath(scenario.file))
        producer["real_program"] = os.path.relpath(real.program, base)
    return Header(source="sim", producer=producer, machine=machine, seed=seed,
                  version=__version__, meta={"name": getattr(scenario, "name", None)})


def simulate(scenario, *, seed: int | None = None, out: str | os.PathLike | None = None,
             instruments=(), sleep_scale: float = 1.0, profile=None,
             as_traced: bool = False) -> SimResult:
    """Simulate ``scenario`` (a :class:`schedsim.scenario.Scenario`, or anything
    with ``.system``); the same scenario and seed give the same trace, byte for byte.

    With ``out`` the trace is streamed to that file (``result.trace`` is None).
    ``sleep_scale`` models the real run it will be compared with: when that run's
    sleeps are scaled (``--time-scale 0.01``), a model sleep of 1 s overshoots like a
    real sleep of 10 ms, not like one of 1 s.  ``profile`` (a name, a path or a
    :class:`schedsim.profile.Profile`) replaces the one the scenario names; the
    scenario's own ``costs`` overrides still apply on top.  ``as_traced`` models the
    program as the tracer runs it: the tracer's own costs
    (:data:`~schedsim.profile.TRACER_COSTS`) are charged; otherwise they are 0.
    """
    system = scenario.system
    seed = system.seed if seed is None else seed
    if profile is None or isinstance(profile, (str, os.PathLike)):
        profile = load_profile(system.machine.profile if profile is None else profile)
    if sleep_scale != 1.0:
        profile = profile.for_sleep_scale(sleep_scale)
    costs = {**profile.costs, **system.machine.costs}
    if not as_traced:
        costs.update(dict.fromkeys(TRACER_COSTS, 0))
    units: list[Unit] = []
    header = _header(scenario, system, profile, costs, seed)
    if sleep_scale != 1.0:
        header.machine["sleep_scale"] = sleep_scale
    if as_traced:
        header.machine["as_traced"] = True
    sim = Sim(system, units, profile, costs, seed)
    sim.layout()
    sink = TraceWriter(out, header, units) if out is not None else Trace(header, units)
    try:
        recorder = Recorder(sink, list(instruments))
        for unit in units:
            recorder.unit_added(unit)
        sim.rec = recorder.record if recorder.instruments else sink.append
        makespan = sim.run()
        recorder.close()
    except BaseException as exc:
        if out is not None:
            sink.abort(exc)
        raise
    if out is not None:
        sink.close()
        return SimResult(None, len(sink), makespan, seed, os.fspath(out))
    return SimResult(sink, len(sink), makespan, seed)
