"""Turning raw events (one list per process) into a :class:`~schedsim.trace.Trace`.

The raw files of a run are merged on their shared clock (events stably
sorted by time) and replayed through :class:`Builder`, which keeps, per
thread, the stack of running coroutines (generators, asyncio tasks, loop
callbacks) so every event lands on the right unit.  The agreed patterns
(see the trace contract and ``docs/tracing.md``):

* generator transfer R→G: R ``send`` {peer: G, obj: how, label: resuming
  code}; G ``switch`` {peer: R, level: coroutine}; G ``run`` {cause: send};
  G ``recv`` {cause: send} when resumed by ``send``; at the yield G ``stop``
  {reason: yield} (at the end ``stop`` {reason: exit} + ``exit``) and R
  ``switch`` + ``run``.  R is the innermost running coroutine of the
  thread, else the thread.  A generator's unit is made at its first run
  (creation is not observable) and named ``qualname#k``.
* sleep: thread ``block`` {reason: sleep, value: ns}; ``wake``; ``run``.
* printed line: ``emit`` {label, style} on the innermost running coroutine
  of the writing thread, else the thread; ``obj: "stderr"`` for stderr.

Threads, channels and blocking calls are in :mod:`.build_sync`, asyncio in
:mod:`.build_aio`, processes and counters in :mod:`.build_proc`; the replay
order in :mod:`.build_order`.  For speed, trace events are recorded as rows
(13-tuples in :class:`~schedsim.trace.Event` field order; the hottest
handlers write them out, the others go through :meth:`Builder.rec`) and
moved into the trace in bulk (:meth:`Trace.extend`).
"""

from __future__ import annotations

from typing import Iterable

from ..trace import Header, Trace
from . import build_order as order
from . import rawlog as raw
from .ansi import split_ansi
from .build_aio import AioMixin
from .build_proc import ProcMixin
from .build_sync import SyncMixin

#: recorded rows moved into the trace at a time (bounds the memory rows take)
_FLUSH_ROWS = 1 << 18


class Builder(SyncMixin, AioMixin, ProcMixin):
    """Replays merged raw events, in time order, into trace events."""

    def __init__(self, header: Header, t0: int, reaped: dict[int, int],
                 metas: dict[int, dict], forkers: dict[int, tuple] | None = None) -> None:
        self.trace = Trace(header)
        self.rows: list[tuple] = []             # events not yet moved into the trace
        self.base = 0                           # index of rows[0] in the trace
        self.t0 = t0
        self.now = 0                            # time of the event being replayed
        self.metas = metas                      # pid -> raw file header
        self.reaped = reaped                    # pid -> exit status seen by its parent
        self.procs: dict[int, int] = {}         # pid -> process unit
        self.threads: dict[tuple, int] = {}     # (pid, tid) -> thread unit
        self.by_tid: dict[int, int] = {}        # native tid -> latest thread unit
        self.stacks: dict[tuple, list] = {}     # (pid, tid) -> running coroutine units
        self.gens: dict[tuple, int] = {}        # (pid, frame key) -> generator unit
        self.names: dict[str, int] = {}         # generator qualname -> how many so far
        self.sleeps: dict[tuple, int] = {}      # (pid, tid) -> block event
        self.exited: dict[int, int] = {}        # unit -> its exit event
        self.warnings: list[str] = []
        self.init_sync()
        self.init_aio()
        self.init_proc()
        self.forkers = forkers or {}            # child pid -> (pid, tid) that created it
        self.handlers = {code: handler.__get__(self) for code, handler in _HANDLERS.items()}

    def rec(self, t: int, unit: int, kind: str, cpu=None, cause=None, cost=None, peer=None,
            label=None, reason=None, level=None, obj=None, value=None, style=None) -> int:
        """Record one trace event (fields as in :meth:`Trace.append`); returns its index.

        Events are kept as rows and moved into the trace in bulk by :meth:`flush`.
        """
        rows = self.rows
        rows.append((t, unit, kind, cpu, cause, cost, peer, label, reason, level, obj, value,
                     style))
        return self.base + len(rows) - 1

    def flush(self) -> None:
        """Move the recorded rows into the trace."""
        self.trace.extend(self.rows)
        self.base += len(self.rows)
        self.rows.clear()

    # -- units -----------------------------------------------------------------
    def thread(self, pid: int, tid: int, t: int, name: str | None = None,
               creator: int | None = None) -> int:
        """The unit of thread ``tid`` of ``pid`` (made on first sight)."""
        key = (pid, tid)
        unit = self.threads.get(key)
        if unit is None:
            proc = self.procs[pid]
            unit = self.trace.new_unit("thread", name or f"thread-{tid}", proc,
                                       pid=pid, tid=tid).id
            self.threads[key] = unit
            self.by_tid[tid] = unit
            self.stacks[key] = []
            self.rec(t, unit, "spawn", peer=proc if creator is None else creator)
            self.rec(t, unit, "run")
        return unit

    def running(self, pid: int, tid: int, t: int) -> int:
        """The innermost running coroutine of the thread, else the thread."""
        key = (pid, tid)
        thread = self.threads.get(key)
        if thread is None:
            thread = self.thread(pid, tid, t)
        stack = self.stacks[key]
        return stack[-1] if stack else thread

    def leave(self, pid: int, tid: int, unit: int, t: int) -> bool:
        """Take ``unit`` off its thread's running stack; False if it was not on it."""
        stack = self.stacks.get((pid, tid))
        if stack is None or unit not in stack:
            return False
        stack.remove(unit)
        return True

    def resume_below(self, pid: int, tid: int, unit: int, t: int) -> None:
        """Control is back with whoever runs under ``unit`` on the thread."""
        back = self.running(pid, tid, t)
        # (hot: rows written out; fields in Event order, see rec)
        self.rows += ((t, back, "switch", None, None, None, unit, None, None, "coroutine",
                       None, None, None),
                      (t, back, "run", None, None, None, None, None, None, None, None, None, None))

    def end_unit(self, unit: int, t: int, value=None) -> None:
        """``stop {reason: exit}`` + ``exit`` (once)."""
        if unit not in self.exited:
            self.rec(t, unit, "stop", reason="exit")
            self.exited[unit] = self.rec(t, unit, "exit", value=value)

    # -- replay ----------------------------------------------------------------
    def replay(self, meta: dict, events: Iterable[tuple]) -> None:
        """Dispatch raw events, in time order, of the process described by ``meta``."""
        pid, t0, procs, rows = meta["pid"], self.t0, self.procs, self.rows
        handler_of = self.handlers.get
        for ev in events:
            t = ev[1] - t0
            if t < 0:
                t = 0
            self.now = t
            if pid not in procs:
                self.process(meta, t)
            handler = handler_of(ev[0])
            if handler is not None:
                handler(pid, t, ev[2], ev[3:])
                if len(rows) >= _FLUSH_ROWS:
                    self.flush()

    def replay_samples(self, events: Iterable[tuple]) -> None:
        """Counter samples taken by the tracer: ``(COUNTER, t, tid, tid, values, pid)``."""
        for ev in events:
            self.now = t = max(0, ev[1] - self.t0)
            self.sampled(ev[5], t, ev[:5])

    def replay_kernel(self, events: Iterable[tuple]) -> None:
        """The kernel's scheduler events (see :mod:`.kernel`)."""
        for ev in events:
            self.now = t = max(0, ev[1] - self.t0)
            self.kernel(t, ev)

    # -- generators, sleeps, output -----------------------------------------------
    def gen_start(self, pid, t, tid, args) -> None:
        """A generator's first run: make its unit, then transfer to it."""
        key, qualname, how, resumer = args
        k = self.names[qualname] = self.names.get(qualname, 0) + 1
        thread = self.thread(pid, tid, t)
        unit = self.trace.new_unit("coroutine", f"{qualname}#{k}", thread, pid=pid, tid=tid,
                                   attrs={"function": qualname}).id
        self.gens[(pid, key)] = unit
        self.rec(t, unit, "spawn", peer=self.running(pid, tid, t))
        self.transfer(pid, t, tid, unit, how, resumer)

    def gen_resume(self, pid, t, tid, args) -> None:
        """A generator resumed: transfer to it."""
        key, how, resumer = args
        unit = self.gens.get((pid, key))
        if unit is not None:
            self.transfer(pid, t, tid, unit, how, resumer)

    def transfer(self, pid, t, tid, unit, how, resumer) -> None:
        """R ``send`` → G ``switch`` + ``run`` (+ ``recv``); G now runs on the thread."""
        lane = (pid, tid)
        src = self.threads.get(lane)
        if src is None:
            src = self.thread(pid, tid, t)
        stack = self.stacks[lane]
        if stack:
            src = stack[-1]
        rows = self.rows
        send = self.base + len(rows)
        # (hot: rows written out; fields in Event order, see rec)
        rows += ((t, src, "send", None, None, None, unit, resumer, None, None, how, None, None),
                 (t, unit, "switch", None, None, None, src, None, None, "coroutine", None, None,
                  None),
                 (t, unit, "run", None, send, None, None, None, None, None, None, None, None))
        if how == "send":
            rows.append((t, unit, "recv", None, send, None, None, None, None, None, None, None,
                         None))
        stack.append(unit)

    def gen_yield(self, pid, t, tid, args) -> None:
        """A generator yielded: ``stop`` {reason: yield}, back to whoever runs under it.

        (The hottest handler: :meth:`leave` and :meth:`resume_below` written out.)
        """
        unit = self.gens.get((pid, args[0]))
        stack = self.stacks.get((pid, tid))
        if unit is None or stack is None or unit not in stack:
            return
        stack.remove(unit)
        rows = self.rows
        rows.append((t, unit, "stop", None, None, None, None, None, "yield", None, None, None,
                     None))
        back = self.running(pid, tid, t)
        rows += ((t, back, "switch", None, None, None, unit, None, None, "coroutine", None, None,
                  None),
                 (t, back, "run", None, None, None, None, None, None, None, None, None, None))

    def gen_end(self, pid, t, tid, args) -> None:
        """A generator returned or raised: ``stop`` {reason: exit} + ``exit``, back below it."""
        unit = self.gens.get((pid, args[0]))
        if unit is None or not self.leave(pid, tid, unit, t):
            return
        self.end_unit(unit, t)
        del self.gens[(pid, args[0])]
        self.resume_below(pid, tid, unit, t)

    def sleep(self, pid, t, tid, args) -> None:
        """``time.sleep`` called: the thread blocks."""
        thread = self.thread(pid, tid, t)
        self.sleeps[(pid, tid)] = self.rec(t, thread, "block", reason="sleep", value=args[0])

    def wake(self, pid, t, tid, args) -> None:
        """``time.sleep`` returned: the thread wakes and runs."""
        thread = self.thread(pid, tid, t)
        if self.sleeps.pop((pid, tid), None) is not None:
            self.rec(t, thread, "wake")
            self.rec(t, thread, "run")

    def emit(self, pid, t, tid, args) -> None:
        """A printed line, on the innermost running unit of the thread."""
        text, stream = args
        label, style = split_ansi(text)
        obj = "stderr" if stream == "stderr" else None
        self.rec(t, self.running(pid, tid, t), "emit", label=label, style=style, obj=obj)

    def warn(self, pid, t, tid, args) -> None:
        """A warning for the header (each text once)."""
        if args[0] not in self.warnings:
            self.warnings.append(args[0])


_HANDLERS = {
    raw.GSTART: Builder.gen_start,
    raw.GRESUME: Builder.gen_resume,
    raw.GYIELD: Builder.gen_yield,
    raw.GEND: Builder.gen_end,
    raw.SLEEP: Builder.sleep,
    raw.WAKE: Builder.wake,
    raw.EMIT: Builder.emit,
    raw.WARN: Builder.warn,
    **SyncMixin.HANDLERS, **AioMixin.HANDLERS, **ProcMixin.HANDLERS,
}


def build_trace(header: Header, files: Iterable[tuple[dict, list[tuple]]],
                status: int | None, samples: Iterable[tuple] = (),
                kernel: Iterable[tuple] = ()) -> Trace:
    """Merge the raw files of one run (and what the tracer saw from outside) into a trace.

    ``status`` is the root process's exit status as the tracer saw it; it
    wins over what the process recorded (a signal may have ended it later).
    ``samples`` are ``(t, pid, tid, values)`` read from /proc by the tracer;
    ``kernel`` the raw events of :mod:`.kernel`.  Events are replayed in
    the order :mod:`.build_order` defines.
    """
    with raw.paused_gc():
        files = list(files)
        metas = [m for m, _ in files]
        streams = [order.sorted_stream(evs) for _, evs in files]
        streams.append(order.sorted_stream((raw.COUNTER, t, tid, tid, vals, pid)
                                           for t, pid, tid, vals in samples))
        streams.append(order.sorted_stream(kernel))
        main = next((i for i, m in enumerate(metas) if m.get("main")), None)
        b = Builder(header, order.start_time(streams, main), *_early(streams, metas, status, main))
        for i, events in order.runs(streams):
            if i < len(files):
                b.replay(metas[i], events)
            elif i == len(files):
                b.replay_samples(events)
            else:
                b.replay_kernel(events)
        end = max((max(0, evs[-1][1] - b.t0) for evs in streams[:-1] if evs), default=0)
        for meta in metas:
            b.end_process(meta["pid"], end, None)
        b.finish_header()
        b.flush()
        return b.trace


def _early(streams: list[list[tuple]], metas: list[dict], status: int | None,
           main: int | None) -> tuple[dict, dict, dict]:
    """What the replay needs up front: exit statuses, metas by pid, who forked whom."""
    early = order.early_events(streams, len(metas))
    reaped = {ev[3]: ev[4] for _, ev in early if ev[0] == raw.REAPED}
    forkers = {ev[3]: (metas[i]["pid"], ev[2]) for i, ev in early if ev[0] != raw.REAPED}
    if main is not None and status is not None:
        reaped[metas[main]["pid"]] = status
    return reaped, {m["pid"]: m for m in metas}, forkers
