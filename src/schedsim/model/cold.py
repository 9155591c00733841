"""Code run cold: an operation's extra cost when its process has not run it for a while.

After an idle spell the caches no longer hold the code and data an
operation touches, and its first run is slow: after 10 ms, a
``queue.Queue`` put + get + task_done took 25-51 µs more than the same
calls run again at once, a ``multiprocessing.Queue`` put + get 83-120 µs
more (``bench/bench_cold.py``).  The thread's cold start, charged once per
wake-up, covers printing and generator sends (the work it is calibrated
on); each kind here adds what its own code costs, the first time the
process runs that kind after a while.

The extra is the kind's profile cost (measured 10 ms after the kind's
last run) scaled by the cold-start curve: ``cost × cold_start(since) /
cold_start(10 ms)``, where ``since`` is the time since any thread or task
of the process last ran that kind (a forked child inherits its parent's
times; a kind never run counts as 100 ms ago).  Those times are real ones:
in a model of a time-scaled run (``sleep_scale``) they are stretched like
the curves.  All are 0 in the default profile, so the lessons' arithmetic is
unchanged.  Two kinds are the tracer's (``tap``, ``trace_step``: its code run
cold on each printed line and task step), charged only in a model of a
traced run (:data:`schedsim.profile.TRACER_COSTS`).
"""

from __future__ import annotations

#: kind of operation -> its profile cost
COLD_KINDS = {"queue": "cold_queue", "event": "cold_event", "ipc": "cold_ipc",
              "asyncio": "cold_asyncio", "task": "cold_task", "tap": "cold_tap",
              "trace_step": "cold_trace_step"}

#: the idle time the kinds' costs are measured after (ns)
REFERENCE_NS = 10_000_000
#: how long ago a kind the process never ran counts as run (ns)
NEVER_NS = 100_000_000


def cold_extra(th, kind: str) -> int:
    """The cold extra of ``kind`` run now on thread ``th`` (ns); notes the run."""
    proc, now, profile = th.process, th.env.now, th.sim.profile
    scale = profile.time_scale                  # the curves' axis is in model time
    since = now - proc.last_run.get(kind, now - round(NEVER_NS / scale))
    proc.last_run[kind] = now
    cost = th.sim.costs[COLD_KINDS[kind]]
    if cost <= 0:                               # the default profile: no curve look-ups
        return 0
    reference = profile.cold_start(round(REFERENCE_NS / scale))
    return round(cost * profile.cold_start(since) / reference) if reference > 0 else 0


def sync_kind(ctx, thread_kind: str) -> str:
    """The kind of a queue or event operation: asyncio's own inside a task."""
    return "asyncio" if ctx.coro is not None and ctx.thread.loop is not None else thread_kind


def run_cold(th, kind: str):
    """Spend ``kind``'s cold extra on ``th``, if it has one now."""
    extra = cold_extra(th, kind)
    if extra:
        yield from th.spend(extra)
