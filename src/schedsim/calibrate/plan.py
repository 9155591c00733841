"""What ``schedsim calibrate`` measures, in which order, with how many samples.

A plan is a list of :class:`Step`; each step runs one probe and stores its
figure in a :class:`Figures` under a fixed key.  ``quick`` budgets keep the
whole plan to a few seconds (it runs in the test suite); full budgets take
about a minute and add the 1 s sleep.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field, replace
from typing import Callable

from . import cold, idle, inproc, procs, tracer
from .affinity import allowed_cpus, two_cpus
from .stats import Line, Stat, pool

MS = 1_000_000


@dataclass(frozen=True)
class Budget:
    """Sample counts: ``n`` operations per batch, ``reps`` batches (or single samples)."""

    n_fast: int        # generator operations per batch
    n_task: int        # asyncio operations per batch
    n_handoff: int     # thread/process round trips per batch
    reps: int          # batches per figure
    starts: int        # thread starts
    forks: int         # forks per memory size
    fork_mib: tuple[int, ...]
    cow_mib: int       # MiB a child writes in the copy-on-write probe
    mp_starts: int     # spawn / forkserver starts
    ipc_kib: tuple[int, ...]   # up to the 64 KiB pipe buffer: beyond it the cost is not linear
    n_ipc: int
    sleeps: tuple[tuple[int, int], ...]  # (duration ns, samples)
    gil_seconds: float
    idles: tuple[tuple[int, int], ...] = ()  # (idle ns, samples) for the idle curves
    async_sleeps: tuple[tuple[int, int], ...] = ()  # (duration ns, samples): asyncio.sleep
    cold_samples: int = 40   # per kind of code run cold (10 ms idle each)


# the curves' 10 ms points decide the baozi verdicts (their sleeps are 10 ms): with 10
# samples their medians moved 2-3x between runs minutes apart, and the runs whose idle
# wake-up or asyncio overshoot came out lowest were the ones beyond the noise
QUICK = Budget(n_fast=50_000, n_task=2_000, n_handoff=1_000, reps=7, starts=200, forks=7,
               fork_mib=(0, 32, 64), cow_mib=16, mp_starts=3, ipc_kib=(0, 4, 16, 64), n_ipc=200,
               sleeps=((0, 50), (MS, 30), (10 * MS, 40), (100 * MS, 5)), gil_seconds=0.5,
               idles=((MS, 30), (10 * MS, 40), (100 * MS, 5)),
               async_sleeps=((MS // 10, 20), (MS, 30), (10 * MS, 40), (100 * MS, 5)))
FULL = Budget(n_fast=200_000, n_task=10_000, n_handoff=4_000, reps=15, starts=1_000, forks=20,
              fork_mib=(0, 64, 128, 256), cow_mib=64, mp_starts=20, ipc_kib=(0, 1, 4, 16, 32, 64),
              n_ipc=2_000, sleeps=((0, 300), (MS, 200), (10 * MS, 100), (100 * MS, 30),
                                   (1_000 * MS, 10)), gil_seconds=3.0,
              idles=((MS, 100), (10 * MS, 60), (100 * MS, 20)),
              async_sleeps=((MS // 10, 100), (MS, 100), (10 * MS, 60), (100 * MS, 20)),
              cold_samples=60)


@dataclass
class Figures:
    """Everything measured so far; ``skipped`` says what was not, and why."""

    stats: dict[str, Stat] = field(default_factory=dict)
    lines: dict[str, Line] = field(default_factory=dict)
    overshoot: list[tuple[int, Stat]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    idle_wakeup: list[tuple[int, Stat]] = field(default_factory=list)
    cold_start: list[tuple[int, Stat]] = field(default_factory=list)
    asyncio_overshoot: list[tuple[int, Stat]] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One probe: ``run(budget)`` returns a value that ``store`` files into Figures.

    ``drifts``: its figure follows the machine's state of the moment (what an idle
    spell costs: timers, wake-ups, code run cold), so :func:`measure` may take its
    samples in slices, between runs of what it is meant to predict.
    """

    name: str
    run: Callable[[Budget], object]
    store: Callable[[Figures, object], None]
    needs_two_cpus: bool = False
    drifts: bool = False


def _stat(key: str) -> Callable[[Figures, object], None]:
    return lambda f, v: f.stats.__setitem__(key, v)


def _stats(f: Figures, values: dict) -> None:
    f.stats.update(values)


def _line(key: str) -> Callable[[Figures, object], None]:
    return lambda f, v: f.lines.__setitem__(key, v)


def _one() -> tuple[int, int]:
    cpu = allowed_cpus()[0]
    return cpu, cpu


def _two() -> tuple[int, int]:
    pair = two_cpus()
    assert pair is not None, "step needs two CPUs; the plan checks before running it"
    return pair


def _sleeps(b: Budget) -> list[tuple[int, Stat]]:
    return [(d, inproc.sleep_overshoot(d, k)) for d, k in b.sleeps]


def _handoff(kind: str, cpus: Callable[[], tuple[int, int]]) -> Callable[[Budget], Stat]:
    return lambda b: inproc.thread_handoff(kind, cpus(), b.n_handoff, b.reps)


def _pipe(cpus: Callable[[], tuple[int, int]]) -> Callable[[Budget], Stat]:
    return lambda b: procs.process_pingpong(cpus(), b.n_handoff, b.reps)


def _set_overshoot(f: Figures, v) -> None:
    f.overshoot = v


def _curve(probe: Callable[[int, int], Stat]) -> Callable[[Budget], list[tuple[int, Stat]]]:
    return lambda b: [(d, probe(d, k)) for d, k in b.idles]


def _set(attr: str) -> Callable[[Figures, object], None]:
    return lambda f, v: setattr(f, attr, v)


STEPS: tuple[Step, ...] = (
    Step("generator switch", lambda b: inproc.generator_switch(b.n_fast, b.reps),
         _stat("generator_switch")),
    Step("generator create", lambda b: inproc.generator_create(b.n_fast // 5, b.reps),
         _stat("generator_create")),
    Step("asyncio task switch", lambda b: inproc.task_switch(b.n_task, b.reps),
         _stat("task_switch")),
    Step("asyncio queue hand-off", lambda b: inproc.task_queue_handoff(b.n_task, b.reps),
         _stat("task_queue_handoff")),
    Step("asyncio create_task", lambda b: inproc.task_create(b.n_task, b.reps),
         _stat("task_create")),
    Step("thread hand-off (Lock), 1 CPU", _handoff("lock", _one), _stat("thread_lock_1cpu")),
    Step("thread hand-off (Lock), 2 CPUs", _handoff("lock", _two), _stat("thread_lock_2cpu"),
         needs_two_cpus=True),
    Step("thread hand-off (queue.Queue), 1 CPU", _handoff("queue", _one),
         _stat("thread_queue_1cpu")),
    Step("thread hand-off (queue.Queue), 2 CPUs", _handoff("queue", _two),
         _stat("thread_queue_2cpu"), needs_two_cpus=True),
    Step("thread start + join", lambda b: inproc.thread_start(b.starts), _stat("thread_start")),
    Step("thread exit (return -> join), 1 CPU",
         lambda b: inproc.thread_exit(_one()[0], b.starts), _stat("thread_exit_1cpu")),
    Step("print a line to a pipe", lambda b: inproc.print_line(b.n_handoff, b.reps),
         _stat("print_line")),
    Step("print a line through the tracer's tap",
         lambda b: tracer.print_line_tapped(b.n_handoff, b.reps), _stat("print_line_tapped")),
    Step("process ping-pong (os.pipe), 1 CPU", _pipe(_one), _stat("process_pipe_1cpu")),
    Step("process ping-pong (os.pipe), 2 CPUs", _pipe(_two), _stat("process_pipe_2cpu"),
         needs_two_cpus=True),
    Step("fork vs parent memory", lambda b: procs.fork_cost(b.fork_mib, b.forks),
         _line("fork_vs_mib")),
    Step("process exit after a queue message, 1 CPU",
         lambda b: procs.process_exit_after_a_queue(_one()[0], b.forks),
         _stat("process_exit_queue_1cpu")),
    Step("copy-on-write after fork", lambda b: procs.cow_cost(b.cow_mib, b.forks),
         _stat("cow_per_mib")),
    Step("first thread start after fork", lambda b: procs.cow_thread_start(b.forks),
         _stat("cow_thread_start")),
    Step("multiprocessing.Queue creation", lambda b: procs.ipc_create(4 * b.forks),
         _stat("ipc_create")),
    Step("multiprocessing.Queue first put", lambda b: procs.feeder_start(b.forks),
         _stat("feeder_start")),
    Step("first message after fork", lambda b: procs.first_message_after_fork(b.forks),
         _stat("first_message_after_fork")),
    Step("process exit (return -> join), 1 CPU",
         lambda b: procs.process_exit(_one()[0], b.forks), _stat("process_exit_1cpu")),
    Step("multiprocessing spawn start", lambda b: procs.mp_start("spawn", b.mp_starts),
         _stat("mp_spawn")),
    Step("multiprocessing forkserver start",
         lambda b: procs.mp_start("forkserver", b.mp_starts), _stat("mp_forkserver")),
    Step("IPC (multiprocessing.Queue) vs payload",
         lambda b: procs.ipc_cost(b.ipc_kib, b.n_ipc, b.reps, _one()[0]), _line("ipc_vs_kib")),
    Step("sleep overshoot", _sleeps, _set_overshoot, drifts=True),
    Step("asyncio.sleep overshoot",
         lambda b: [(d, inproc.asyncio_sleep_overshoot(d, k)) for d, k in b.async_sleeps],
         _set("asyncio_overshoot"), drifts=True),
    Step("idle wake-up", _curve(idle.idle_wakeup), _set("idle_wakeup"), drifts=True),
    Step("cold start", _curve(idle.cold_start), _set("cold_start"), drifts=True),
    Step("code run cold, by kind", lambda b: cold.thread_kinds(b.cold_samples), _stats,
         drifts=True),
    Step("asyncio code run cold, by kind", lambda b: cold.asyncio_kinds(b.cold_samples),
         _stats, drifts=True),
    Step("a printed line run cold, with and without the tap",
         lambda b: tracer.cold_lines(b.cold_samples), _stats, drifts=True),
    Step("GIL hand-off period", lambda b: inproc.gil_handoff_period(b.gil_seconds),
         _stat("gil_handoff_period")),
    # last: it imports the tracer into this interpreter, which the fork probes would weigh
    Step("asyncio task steps, plain and traced",
         lambda b: tracer.task_steps(b.n_task, b.reps, b.cold_samples), _stats,
         drifts=True),
)


def measure(budget: Budget, progress: Callable[[str, int, int], None] | None = None, *,
            slices: int = 1, pause: Callable[[int], None] = lambda _k: None,
            steps: tuple[Step, ...] | None = None) -> Figures:
    """Run every step of ``steps`` (default :data:`STEPS`) in this process;
    ``progress(name, done, total)`` before each and once at the end.  A step the
    machine refuses (an OSError, a failed child) lands in ``skipped`` with the reason.

    With ``slices`` > 1 the steady steps run first, then the drifting ones
    (:attr:`Step.drifts`) ``slices`` times, each on its share of the samples
    (:func:`slice_budget`), with ``pause(k)`` between slice ``k`` and the next:
    the caller's own runs go there.  Each drifting figure pools its slices'
    samples (:func:`~.stats.pool`), so it comes from the same seconds as those runs.
    """
    steps = STEPS if steps is None else steps
    steady = [s for s in steps if not (s.drifts and slices > 1)]
    drifting = [s for s in steps if s.drifts and slices > 1]
    figures, total = Figures(), len(steady) + len(drifting) * slices
    for done, step in enumerate(steady):
        _run(step, budget, figures, progress, done, total)
    parts: dict[str, list] = {step.name: [] for step in drifting}
    done = len(steady)
    for k in range(slices):
        if k:
            pause(k - 1)
        share = slice_budget(budget, k, slices)
        for step in drifting:
            value = _run(step, share, figures, progress, done, total, store=False)
            done += 1
            if value is not None:
                parts[step.name].append(value)
    for step in drifting:
        if parts[step.name]:
            figures.skipped.pop(step.name, None)
            step.store(figures, pool(parts[step.name]))
    if progress:
        progress("done", total, total)
    return figures


def _run(step: Step, budget: Budget, figures: Figures, progress, done: int, total: int,
         store: bool = True):
    """Run one step: its value (stored unless ``store`` is False), None when refused."""
    if progress:
        progress(step.name, done, total)
    if step.needs_two_cpus and two_cpus() is None:
        figures.skipped[step.name] = "only one CPU is available to this process"
        return None
    try:
        value = step.run(budget)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        # the machine refused (no fork, no affinity, a child that failed): say so, go on
        figures.skipped[step.name] = f"{type(exc).__name__}: {exc}"
        return None
    if store:
        step.store(figures, value)
    return value


def slice_budget(budget: Budget, k: int, slices: int) -> Budget:
    """Slice ``k`` of ``slices`` of the drifting steps' samples: each count split as
    evenly as it goes (the first slices take the remainder); a point left with no
    sample in this slice is not measured in it, but code run cold takes at least one
    sample a slice.  The asyncio step program runs once plainly and once traced a
    slice, on its share of the batches of hot steps (``reps``, which no other
    drifting step uses): a traced run's trace is built from every step it made."""
    def share(n: int) -> int:
        return n // slices + (1 if k < n % slices else 0)

    def points(pairs: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        return tuple((d, share(n)) for d, n in pairs if share(n) > 0)
    return replace(budget, sleeps=points(budget.sleeps), idles=points(budget.idles),
                   async_sleeps=points(budget.async_sleeps),
                   cold_samples=max(1, share(budget.cold_samples)),
                   reps=max(1, share(budget.reps)))
