"""Machine profiles: the costs the model charges, as measured on a machine.

A profile is a small YAML file (``schedsim: profile/1``) written by
``schedsim calibrate`` and read by the simulator.  The names, units and
defaults live here, as data, so the calibrator (which measures) and the
model (which charges) cannot drift apart.  The shipped ``default`` profile
carries the figures of FIELD-NOTES.md, measured on a 2-vCPU VM.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources

from . import yaml as _yaml
from .errors import ProfileError
from .fsutil import atomic_write_text

PROFILE_SCHEMA = "profile/1"

#: cost name -> (default in ns, what it is).  One-way, medians.
COSTS: dict[str, tuple[int, str]] = {
    "generator_switch": (13, "generator send/next: transfer into a coroutine and back out"),
    "task_switch": (2_000, "asyncio: the event loop switching from one ready task to the next"),
    "thread_switch": (2_500, "thread hand-off on one CPU (same process, no address-space change)"),
    "process_switch": (3_000, "process hand-off on one CPU (address-space change)"),
    "cross_cpu_wakeup": (37_000, "extra latency when the woken unit runs on another CPU"),
    "spawn_coroutine": (200, "create a generator and prime it"),
    "spawn_task": (5_500, "asyncio create_task until the task first runs"),
    "spawn_thread": (43_000, "threading.Thread start until it runs"),
    "thread_exit": (0, "a started thread's teardown after its function returns, until a join "
                       "sees it (CPython clears the thread's state, then releases the lock "
                       "join waits on); 0 in the default profile, ~10-40 µs as calibrated"),
    "fork": (1_000_000, "os.fork of a small parent"),
    "process_exit": (0, "a started process's end, after its last thread, until a join sees "
                        "it (multiprocessing's and the interpreter's clean-up, the kernel "
                        "freeing its memory); 0 in the default profile, ~1 ms as calibrated"),
    "feeder_exit": (0, "a multiprocessing.Queue feeder thread ending with its process: the "
                       "exit handler wakes it with a sentinel, joins it and closes the queue; "
                       "0 in the default profile, ~0.5-0.9 ms as calibrated"),
    "fork_per_mib": (12_000, "extra fork cost per MiB of the parent's touched memory"),
    "cow_per_mib": (700_000, "copy-on-write after fork: the page faults and copies of one MiB "
                             "of shared pages at their first write (a child's ``writes``)"),
    "cow_thread_start": (150_000, "extra of the first thread a process starts after a fork it "
                                  "took part in (parent or child): the start-up writes pages "
                                  "the two still share, each copied"),
    "cow_first_send": (400_000, "extra of the first multiprocessing.Queue message a process "
                                "sends after a fork it took part in: its feeder's first "
                                "pickling and pipe write copy the pages they touch (the "
                                "receiver's first read after the fork too; calibrate fits it)"),
    "cold_queue": (0, "extra of a queue.Queue put or get when the process has not run one "
                      "for a while: cost at 10 ms, scaled by the cold-start curve (calibrate: "
                      "put + get + task_done after 10 ms idle minus again at once, ~25-50 µs); "
                      "0 in the default profile"),
    "cold_event": (0, "the same for a threading.Event set or wait (~13-30 µs as calibrated)"),
    "cold_ipc": (0, "the same for a multiprocessing.Queue put or get (~80-120 µs as "
                    "calibrated)"),
    "cold_asyncio": (0, "the same for an asyncio.Queue or Event operation in a task (~8-10 µs "
                        "as calibrated)"),
    "cold_task": (0, "the same for the event loop switching to a task (~23-30 µs as "
                     "calibrated, a new task's first step)"),
    "spawn_process": (71_000_000, "multiprocessing 'spawn' start method: fresh interpreter"),
    "forkserver_process": (42_000_000, "multiprocessing 'forkserver' start method"),
    "ipc_per_message": (16_600, "the feeder thread pickling one multiprocessing.Queue message "
                                "into the pipe (calibrate fits it: the message's hand-off "
                                "and switches are charged apart)"),
    "ipc_per_kib": (300, "extra IPC cost per KiB of payload"),
    "ipc_create": (170_000, "creating one multiprocessing.Queue (a pipe, a lock, a semaphore): "
                            "the ``open`` operation"),
    "feeder_start": (150_000, "a multiprocessing.Queue's first put in a process: starting its "
                              "feeder thread, registering its finalizers, first-time pickling "
                              "(instead of spawn_thread)"),
    "queue_handoff": (5_000, "the putter's part of a queue.Queue hand-off to a waiting getter "
                             "(the getter's switch is thread_switch; calibrate fits it)"),
    "gil_switch_interval": (5_000_000, "sys.getswitchinterval(): forced GIL hand-off period"),
    "emit": (0, "print a short line (format, encode, write to a pipe, buffered as the "
                "programs' stdout is) before its emit; 0 in the default profile (free "
                "printing keeps the lessons' arithmetic clean), ~2-4 µs as calibrated"),
    "tap_line": (0, "the tracer's line tap, per printed line, beyond emit (forwarding the "
                    "write, recording the line); charged only in a model of a traced run "
                    "(verify, simulate --as-traced); ~1-2 µs as calibrated"),
    "cold_tap": (0, "the tap's extra when the process has not printed for a while: cost at "
                    "10 ms, scaled by the cold-start curve (calibrate: a line after 10 ms "
                    "idle minus again at once, through the tap beyond without it, ~30-40 µs); "
                    "only in a model of a traced run"),
    "trace_step": (0, "the tracer's wrapper around each asyncio task step (recording it, "
                      "reading what the task awaits), beyond task_switch; only in a model "
                      "of a traced run; ~3-5 µs as calibrated"),
    "cold_trace_step": (0, "that wrapper's extra when the loop has not run a task step for "
                           "a while: cost at 10 ms, scaled by the cold-start curve "
                           "(calibrate: a program's new task step after 10 ms idle minus "
                           "again at once, traced beyond plain, ~20-30 µs); only in a model "
                           "of a traced run"),
}

#: what the tracer adds to the program it runs: charged only when the model stands
#: for a traced run (``simulate(..., as_traced=True)``), 0 otherwise
TRACER_COSTS = ("tap_line", "cold_tap", "trace_step", "cold_trace_step")

#: sleep overshoot: (requested ns, median extra ns), interpolated linearly in between
DEFAULT_OVERSHOOT = ((0, 85_000), (1_000_000, 99_000), (10_000_000, 121_000),
                     (100_000_000, 840_000), (1_000_000_000, 1_700_000))

#: asyncio timer overshoot: (requested ns, median extra ns) of ``asyncio.sleep``; the
#: loop waits in epoll, whose timeout is whole ms rounded up, so a 0.1 ms sleep takes 1 ms
DEFAULT_ASYNCIO_OVERSHOOT = ((100_000, 1_003_000), (1_000_000, 101_000),
                             (10_000_000, 155_000), (100_000_000, 248_000))

#: idle wake-up: (ns the CPU had been idle, median extra ns before a thread woken by
#: another one runs there): the CPU leaving its idle state (a halted vCPU here)
DEFAULT_IDLE_WAKEUP = ((0, 0), (1_000_000, 8_000), (10_000_000, 55_000),
                       (100_000_000, 72_000))

#: cold start: (ns a thread was away: blocked, or its CPU idle, median extra ns its
#: first work takes after any wake-up, timers included): cold caches; measured on ~8 µs
#: of Python (three generator sends and six prints into a drained pipe) right after a sleep
DEFAULT_COLD_START = ((0, 0), (1_000_000, 6_000), (10_000_000, 44_000),
                      (100_000_000, 66_000))

#: curve name in the profile file -> (Profile attribute, default, what the x axis is)
CURVES = {
    "sleep_overshoot": ("overshoot", DEFAULT_OVERSHOOT, "duration_ns"),
    "idle_wakeup": ("idle_wakeup_curve", DEFAULT_IDLE_WAKEUP, "idle_ns"),
    "cold_start": ("cold_start_curve", DEFAULT_COLD_START, "idle_ns"),
    "asyncio_overshoot": ("asyncio_overshoot_curve", DEFAULT_ASYNCIO_OVERSHOOT, "duration_ns"),
}


def interpolate(points: tuple[tuple[int, int], ...], x: int) -> int:
    """``points`` (increasing x) at ``x``: linear in between, flat beyond the ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) // (x1 - x0)
    return points[-1][1]


@dataclass
class Profile:
    """A named set of costs (ns) and four curves: sleep overshoot, idle wake-up, cold
    start and asyncio timer overshoot (see :data:`CURVES`)."""

    name: str = "default"
    costs: dict[str, int] = field(default_factory=lambda: {k: v for k, (v, _) in COSTS.items()})
    overshoot: tuple[tuple[int, int], ...] = DEFAULT_OVERSHOOT
    machine: dict = field(default_factory=dict)
    idle_wakeup_curve: tuple[tuple[int, int], ...] = DEFAULT_IDLE_WAKEUP
    cold_start_curve: tuple[tuple[int, int], ...] = DEFAULT_COLD_START
    asyncio_overshoot_curve: tuple[tuple[int, int], ...] = DEFAULT_ASYNCIO_OVERSHOOT
    #: real time per model time on the curves' axes (:meth:`for_sleep_scale`): a real
    #: 10 ms is ``10 ms / time_scale`` of model time
    time_scale: float = 1.0

    def cost(self, name: str) -> int:
        """The cost called ``name`` in ns."""
        return self.costs[name]

    def sleep_overshoot(self, duration_ns: int) -> int:
        """Median extra time a sleep of ``duration_ns`` takes, interpolated."""
        return interpolate(self.overshoot, duration_ns)

    def asyncio_overshoot(self, duration_ns: int) -> int:
        """Median extra time an ``asyncio.sleep`` of ``duration_ns`` (> 0) takes."""
        return interpolate(self.asyncio_overshoot_curve, duration_ns)

    def idle_wakeup(self, idle_ns: int) -> int:
        """Extra latency of waking a thread, by another one, onto a CPU idle for ``idle_ns``."""
        return interpolate(self.idle_wakeup_curve, idle_ns)

    def cold_start(self, idle_ns: int) -> int:
        """Extra time of a thread's first work after ``idle_ns`` away (blocked, or on a
        CPU that had idled that long)."""
        return interpolate(self.cold_start_curve, idle_ns)

    def for_sleep_scale(self, scale: float) -> "Profile":
        """This profile as seen by a model of a run whose sleeps are multiplied by
        ``scale`` (``schedsim trace --time-scale``): a model sleep of ``d`` then
        overshoots like a real sleep of ``d * scale``, and a CPU idle for ``d``
        (mostly while threads sleep) wakes like one idle for ``d * scale``."""
        if scale <= 0:
            raise ValueError(f"sleep scale must be positive, got {scale}")
        curves = {attr: tuple((round(d / scale), o) for d, o in getattr(self, attr))
                  for attr, _, _ in CURVES.values()}   # every curve's axis is sleep or idle time
        return Profile(self.name, dict(self.costs), machine=dict(self.machine),
                       time_scale=self.time_scale * scale, **curves)

    def to_yaml(self) -> str:
        """The profile as a YAML document."""
        import yaml
        doc = {"schedsim": PROFILE_SCHEMA, "name": self.name, "machine": self.machine,
               "costs": dict(self.costs)}
        for key, (attr, _, _) in CURVES.items():
            doc[key] = [list(p) for p in getattr(self, attr)]
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _check(doc, file: str) -> Profile:
    def err(msg, *path):
        return ProfileError(msg, file=file, line=_yaml.line_at(doc, path), path=path)

    if not isinstance(doc, dict) or doc.get("schedsim") != PROFILE_SCHEMA:
        raise ProfileError(f"not a schedsim profile: expected 'schedsim: {PROFILE_SCHEMA}'",
                           file=file, line=1)
    costs = {k: v for k, (v, _) in COSTS.items()}
    for name, value in (doc.get("costs") or {}).items():
        if name not in COSTS:
            raise err(f"unknown cost {name!r}; expected one of {sorted(COSTS)}", "costs", name)
        if not isinstance(value, int) or value < 0:
            raise err(f"expected a non-negative integer (ns), found {value!r}", "costs", name)
        costs[name] = value
    curves = {}
    for key, (attr, default, x_name) in CURVES.items():
        curve = doc.get(key) or [list(p) for p in default]
        if not (isinstance(curve, list) and curve and all(
                isinstance(p, list) and len(p) == 2
                and all(isinstance(x, int) and x >= 0 for x in p)
                for p in curve)) or [p[0] for p in curve] != sorted({p[0] for p in curve}):
            raise err(f"expected a list of [{x_name}, extra_ns] pairs with increasing "
                      f"{x_name.removesuffix('_ns')}s", key)
        curves[attr] = tuple(tuple(p) for p in curve)
    return Profile(str(doc.get("name", os.path.basename(file))), costs,
                   machine=dict(doc.get("machine") or {}), **curves)


def load_profile(name_or_path: str | os.PathLike = "default") -> Profile:
    """Load a shipped profile by name (``default``) or a profile file by path."""
    text_name = os.fspath(name_or_path)
    if os.sep not in text_name and not text_name.endswith((".yaml", ".yml")):
        ref = resources.files("schedsim.profiles").joinpath(f"{text_name}.yaml")
        if not ref.is_file():
            shipped = sorted(r.name.removesuffix(".yaml") for r in
                             resources.files("schedsim.profiles").iterdir()
                             if r.name.endswith(".yaml"))
            raise ProfileError(f"no shipped profile called {text_name!r}; shipped: {shipped} "
                               f"(or give the path of a profile file)", file=text_name)
        return _check(_yaml.load(ref.read_text("utf-8"), text_name, ProfileError).data,
                      text_name)
    return _check(_yaml.load_file(text_name, ProfileError).data, text_name)


def save_profile(profile: Profile, path: str | os.PathLike) -> None:
    """Write ``profile`` to ``path`` atomically."""
    atomic_write_text(path, profile.to_yaml())
