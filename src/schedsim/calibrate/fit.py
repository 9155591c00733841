"""Costs the model adds up to what calibration measured.

A probe times a whole path; the model charges that path as several costs.
A ``queue.Queue`` hand-off on one CPU, measured at 11.0 µs, is the
putter's ``queue_handoff`` *plus* the getter's ``thread_switch`` in the
model, so taking the measured figure as ``queue_handoff`` made the model's
hand-off 17.7 µs; a ``multiprocessing.Queue`` message (19.5 µs measured)
came out at 46 µs.  Here each *residual* cost is set instead so that the
model, simulating the probe as a scenario, takes what the probe measured.

The probes are fitted in order, each with the costs fitted before it:

===============  =====================================  ===========================
residual         probe (median)                         the model also charges
===============  =====================================  ===========================
thread_switch    Lock hand-off, 1 CPU                   nothing else
queue_handoff    queue.Queue hand-off, 1 CPU            thread_switch
ipc_per_message  multiprocessing.Queue message, 1 CPU   queue_handoff, switches
thread_exit      thread returns -> join returns, 1 CPU  the joiner's thread_switch
spawn_thread     Thread start() + join(), 2 CPUs        thread_exit, the wake-ups
cow_first_send   a fork child's first message to its    feeder_start,
                 blocked parent, 2 CPUs                 cow_thread_start,
                                                        ipc_per_message, wake-ups
process_exit     child returns -> join returns, 1 CPU   the parent's process_switch
feeder_exit      the same after a message, 1 CPU        process_exit, the feeder's
                                                        wake-up and thread_exit
===============  =====================================  ===========================

``cross_cpu_wakeup`` stays the 2-CPU minus the 1-CPU Lock hand-off: the
probe pins its two threads to different CPUs, which a scenario cannot say.

A cost enters its probe's path linearly, so two simulations fit it:
``residual = (measured - model(0)) / slope``, where ``slope`` is how much
one ns of the cost adds to the model's hop (never below 0: when the other
costs already exceed the measurement, the residual is 0, and
:attr:`Fitted.excess` says by how much the model stays above).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Callable

from ..model import COLD_KINDS, COW_FIRST_USE, simulate
from ..profile import CURVES, Profile
from ..scenario import loads

#: round trips simulated per probe (the hop is a median: a few suffice)
ROUNDS = 12


def _probe(name: str, cpus: int, body: str) -> str:
    """A probe scenario: its header, then ``body`` (its ``processes``, ``ipc``...)."""
    return (f"schedsim: 1\nname: probe-{name}\nmachine: {{cpus: {cpus}, policy: fair}}\n"
            + body)


_THREADS = """\
processes:
  main:
    gil: true
    {objects}
    threads:
      main:
        - spawn: partner
        - repeat: {rounds}
          do: [{give}, {take}, {{emit: hop}}]
      partner:
        - repeat: {rounds}
          do: [{wait}, {answer}]
"""

_PROCESSES = """\
ipc: {{a: 0, b: 0}}
processes:
  main:
    gil: true
    threads:
      main:
        - spawn: partner
        - repeat: {rounds}
          do: [{{put: {{queue: a, value: x}}}}, {{get: b}}, {{emit: hop}}]
  partner:
    start: fork
    gil: true
    threads:
      main:
        - repeat: {rounds}
          do: [{{get: a}}, {{put: {{queue: b, value: x}}}}]
"""

# an Event pair stands for the Lock pair: a model lock belongs to its holder, and
# the probe's partner releases a lock the other thread took
_HANDOFF = {"objects": "events: [a, b]", "give": "{set: a}", "take": "{wait: b}, {clear: b}",
            "wait": "{wait: a}, {clear: a}", "answer": "{set: b}"}
_QUEUES = {"objects": "queues: {a: 0, b: 0}", "give": "{put: {queue: a, value: x}}",
           "take": "{get: b}", "wait": "{get: a}", "answer": "{put: {queue: b, value: x}}"}

# the main thread starts and joins one unit after another (``steps``), then the units
_JOINS = """\
processes:
  main:
    gil: true
    threads:
      main:
{steps}
{units}
"""


def _starts(name: str, cpus: int, rounds: int = ROUNDS) -> str:
    """A thread started and joined ``rounds`` times: the main thread marks ``start``
    before and ``joined`` after; each worker marks ``end`` as its function returns."""
    steps = "\n".join(f"        - {{emit: start}}\n        - spawn: w{i}\n"
                      f"        - join: [w{i}]\n        - {{emit: joined}}" for i in range(rounds))
    workers = "\n".join(f"      w{i}: [{{emit: end}}]" for i in range(rounds))
    return _probe(name, cpus, _JOINS.format(steps=steps, units=workers))


def _fork_rounds(name: str, cpus: int, parent: list[str], child: str, ipc: bool = False,
                 rounds: int = ROUNDS) -> str:
    """A fork child started ``rounds`` times, one after another: for each, the parent runs
    the ``parent`` steps (``CHILD`` names the child), the child the ``child`` program;
    ``ipc``: with one IPC channel, ``q``."""
    steps = "\n".join(f"        - {step.replace('CHILD', f'c{i}')}"
                      for i in range(rounds) for step in parent)
    children = "\n".join(f"  c{i}:\n    start: fork\n    gil: true\n"
                         f"    threads: {{main: {child}}}" for i in range(rounds))
    return _probe(name, cpus, ("ipc: {q: 0}\n" if ipc else "")
                  + _JOINS.format(steps=steps, units=children))


def _children(name: str) -> str:
    """A child process started and joined, on one CPU; it marks ``end`` as its program
    returns, the parent ``joined`` when its join returns."""
    return _fork_rounds(name, 1, ["spawn: CHILD", "join: [CHILD]", "{emit: joined}"],
                        "[{emit: end}]")


def _children_after_a_message(name: str) -> str:
    """As :func:`_children`, but each child first sends the parent one IPC message
    and sleeps 10 ms, so that its exit also ends its feeder thread."""
    return _fork_rounds(name, 1, ["spawn: CHILD", "get: q", "join: [CHILD]", "{emit: joined}"],
                        "[{put: {queue: q, value: ready}}, {sleep: 10ms}, {emit: end}]",
                        ipc=True)


def _first_messages(name: str) -> str:
    """A fork child started, its parent blocked reading its queue: the child marks
    ``sent`` and sends one message, the parent ``got`` when it has read it; 2 CPUs."""
    return _fork_rounds(name, 2, ["spawn: CHILD", "get: q", "{emit: got}", "join: [CHILD]"],
                        "[{emit: sent}, {put: {queue: q, value: x}}, {sleep: 10ms}]", ipc=True)


def round_trip(trace) -> float:
    """The median one-way hop of a ping-pong marking each round trip ``hop``."""
    times = [ev.t for ev in trace.select("emit")]
    return median([(b - a) / 2 for a, b in zip(times[1:], times[2:])])  # the first: warm-up


def between(first: str, then: str) -> Callable:
    """The median time from each emit ``first`` to the next emit ``then``."""
    def measure(trace) -> float:
        spans, since = [], None
        for ev in trace.select("emit"):
            if ev.label == first:
                since = ev.t
            elif ev.label == then and since is not None:
                spans.append(ev.t - since)
                since = None
        return median(spans[1:])
    return measure


@dataclass(frozen=True)
class Probe:
    """A residual cost, the figure that measures its path, that path as a scenario,
    and how to read the path's time off the scenario's trace.

    ``warm``: the real probe times its path after a warm-up, so each process there
    has paid its first-use costs (``COW_FIRST_USE``) before and runs its code hot; its
    model charges neither those nor any cold code (``COLD_KINDS``).  Else they, paid
    in the first round, would still shift the model's scheduling (a feeder that ran
    400 µs more is not preempting when the warm one does).
    """

    cost: str
    figure: str
    scenario: str
    measure: Callable = round_trip
    warm: bool = False


PROBES = (
    Probe("thread_switch", "thread_lock_1cpu",
          _probe("thread-lock-1cpu", 1, _THREADS.format(rounds=ROUNDS, **_HANDOFF)),
          warm=True),
    Probe("queue_handoff", "thread_queue_1cpu",
          _probe("thread-queue-1cpu", 1, _THREADS.format(rounds=ROUNDS, **_QUEUES)),
          warm=True),
    Probe("ipc_per_message", "ipc_per_message",
          _probe("ipc-1cpu", 1, _PROCESSES.format(rounds=ROUNDS)), warm=True),
    Probe("thread_exit", "thread_exit_1cpu", _starts("thread-exit-1cpu", 1),
          between("end", "joined")),
    Probe("spawn_thread", "thread_start", _starts("thread-start", 2), between("start", "joined")),
    Probe("cow_first_send", "first_message_after_fork", _first_messages("first-message"),
          between("sent", "got")),
    Probe("process_exit", "process_exit_1cpu", _children("process-exit-1cpu"),
          between("end", "joined")),
    Probe("feeder_exit", "process_exit_queue_1cpu",
          _children_after_a_message("process-exit-queue-1cpu"), between("end", "joined")),
)


@dataclass(frozen=True)
class Fitted:
    """One residual: what was measured, what the model gives without it, the value."""

    cost: str
    measured: int
    model_without: int
    value: int
    slope: float

    @property
    def excess(self) -> int:
        """How far the model stays above the measurement with the residual at 0."""
        return max(0, self.model_without - self.measured)


def model_hop(profile: Profile, probe: Probe) -> float:
    """The time (ns) of ``probe``'s path in its scenario simulated with ``profile`` (the
    emits that mark the path cost nothing: the probe prints nothing)."""
    silent = _with(profile, profile.costs, "emit", 0)
    if probe.warm:
        hot = dict.fromkeys([*COW_FIRST_USE.values(), *COLD_KINDS.values()], 0)
        silent = _with(silent, {**silent.costs, **hot}, None, None)
    return probe.measure(simulate(loads(probe.scenario, "<calibration probe>"),
                                  profile=silent).trace)


def fit(profile: Profile, measured: dict[str, int]) -> tuple[Profile, list[Fitted]]:
    """``profile`` with each residual of :data:`PROBES` whose figure is in ``measured``
    (ns, one-way medians) set so that the model reproduces it; and how each was fitted."""
    costs, fitted = dict(profile.costs), []
    for probe in PROBES:
        if probe.figure not in measured:
            continue
        target = measured[probe.figure]
        at_zero = model_hop(_with(profile, costs, probe.cost, 0), probe)
        at_target = model_hop(_with(profile, costs, probe.cost, target), probe)
        slope = (at_target - at_zero) / target if target > 0 else 0.0
        if slope > 0:       # else the cost is not on the probe's path: left as it was
            costs[probe.cost] = max(0, round((target - at_zero) / slope))
        value = costs[probe.cost]
        fitted.append(Fitted(probe.cost, target, round(at_zero), value, slope))
    return _with(profile, costs, None, None), fitted


def _with(profile: Profile, costs: dict, name: str | None, value: int | None) -> Profile:
    changed = dict(costs) if name is None else {**costs, name: value}
    curves = {attr: getattr(profile, attr) for attr, _, _ in CURVES.values()}
    return Profile(profile.name, changed, machine=dict(profile.machine),
                   time_scale=profile.time_scale, **curves)
