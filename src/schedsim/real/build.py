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
:mod:`.build_aio`, processes and counters in :mod:`.build_proc`.
"""

from __future__ import annotations

from typing import Iterable

from ..trace import Header, Trace
from . import rawlog as raw
from .ansi import split_ansi
from .build_aio import AioMixin
from .build_proc import ProcMixin
from .build_sync import BLOCK_AT, UNBLOCK, SyncMixin


class Builder(SyncMixin, AioMixin, ProcMixin):
    """Replays merged raw events, in time order, into trace events."""

    def __init__(self, header: Header, t0: int, reaped: dict[int, int],
                 metas: dict[int, dict]) -> None:
        self.trace = Trace(header)
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

    def rec(self, t: int, unit: int, kind: str, **fields) -> int:
        """Append one trace event; returns its index."""
        return self.trace.append(t, unit, kind, **fields)

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
        thread = self.thread(pid, tid, t)
        stack = self.stacks[(pid, tid)]
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
        self.rec(t, back, "switch", peer=unit, level="coroutine")
        self.rec(t, back, "run")

    def end_unit(self, unit: int, t: int, value=None) -> None:
        """``stop {reason: exit}`` + ``exit`` (once)."""
        if unit not in self.exited:
            self.rec(t, unit, "stop", reason="exit")
            self.exited[unit] = self.rec(t, unit, "exit", value=value)

    # -- replay ----------------------------------------------------------------
    def feed(self, meta: dict, ev: tuple) -> None:
        """Dispatch one raw event of the process described by ``meta``."""
        t = self.now = max(0, ev[1] - self.t0)
        pid = meta["pid"]
        if meta.get("sampler"):
            self.sampled(pid, t, ev)
            return
        if meta.get("kernel"):
            self.kernel(t, ev)
            return
        self.process(meta, t)
        handler = _HANDLERS.get(ev[0])
        if handler is not None:
            handler(self, pid, t, ev[2], ev[3:])

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
        src = self.running(pid, tid, t)
        send = self.rec(t, src, "send", peer=unit, obj=how, label=resumer)
        self.rec(t, unit, "switch", peer=src, level="coroutine")
        self.rec(t, unit, "run", cause=send)
        if how == "send":
            self.rec(t, unit, "recv", cause=send)
        self.stacks[(pid, tid)].append(unit)

    def gen_leave(self, pid, t, tid, args, final: bool) -> None:
        """A generator yielded or ended: back to whoever runs under it."""
        unit = self.gens.get((pid, args[0]))
        if unit is None or not self.leave(pid, tid, unit, t):
            return
        if final:
            self.end_unit(unit, t)
            del self.gens[(pid, args[0])]
        else:
            self.rec(t, unit, "stop", reason="yield")
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
    raw.GYIELD: lambda b, pid, t, tid, a: b.gen_leave(pid, t, tid, a, False),
    raw.GEND: lambda b, pid, t, tid, a: b.gen_leave(pid, t, tid, a, True),
    raw.SLEEP: Builder.sleep,
    raw.WAKE: Builder.wake,
    raw.EMIT: Builder.emit,
    raw.WARN: Builder.warn,
    **SyncMixin.HANDLERS, **AioMixin.HANDLERS, **ProcMixin.HANDLERS,
}


def _expand(ev: tuple) -> list[tuple]:
    """A ``BLOCKED`` span becomes its two ends; other events stay as they are."""
    if ev[0] != raw.BLOCKED:
        return [ev]
    _, t0, tid, t1, *what = ev
    return [(BLOCK_AT, t0, tid, *what), (UNBLOCK, t1, tid)]


def build_trace(header: Header, files: Iterable[tuple[dict, list[tuple]]],
                status: int | None, samples: Iterable[tuple] = (),
                kernel: Iterable[tuple] = ()) -> Trace:
    """Merge the raw files of one run (and what the tracer saw from outside) into a trace.

    ``status`` is the root process's exit status as the tracer saw it; it
    wins over what the process recorded (a signal may have ended it later).
    ``samples`` are ``(t, pid, tid, values)`` read from /proc by the tracer;
    ``kernel`` the raw events of :mod:`.kernel`.
    """
    files = list(files)
    main = next((m for m, _ in files if m.get("main")), None)
    entries = [(e[1], i, m, e) for i, (m, evs) in enumerate(files) for ev in evs
               for e in _expand(ev)]
    entries += [(t, len(files), {"pid": pid, "sampler": True}, (raw.COUNTER, t, tid, tid, vals))
                for t, pid, tid, vals in samples]
    entries += [(ev[1], len(files) + 1, {"pid": None, "kernel": True}, ev) for ev in kernel]
    entries.sort(key=lambda x: (x[0], x[1]))
    t0 = next((e[1] for _, _, m, e in entries if e[0] == raw.START and m is main),
              entries[0][0] if entries else 0)
    reaped = {e[3]: e[4] for _, _, _, e in entries if e[0] == raw.REAPED}
    forkers = {e[3]: (m["pid"], e[2]) for _, _, m, e in entries
               if e[0] in (raw.FORKED, raw.PCHILD)}
    if main is not None and status is not None:
        reaped[main["pid"]] = status
    b = Builder(header, t0, reaped, {m["pid"]: m for m, _ in files})
    b.forkers = forkers
    for _, _, meta, ev in entries:
        b.feed(meta, ev)
    end = max((max(0, e[0] - t0) for e in entries if not e[2].get("kernel")), default=0)
    for meta, _ in files:
        b.end_process(meta["pid"], end, None)
    b.finish_header()
    return b.trace
