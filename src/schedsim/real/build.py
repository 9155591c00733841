"""Turning raw events (one list per process) into a :class:`~schedsim.trace.Trace`.

The agreed patterns (see the trace contract):

* generator transfer R→G: R ``send`` {peer: G, obj: how, label: resuming
  code}; G ``switch`` {peer: R, level: coroutine}; G ``run`` {cause: send};
  G ``recv`` {cause: send} when resumed by ``send``; at the yield G ``stop``
  {reason: yield} (at the end ``stop`` {reason: exit} + ``exit``) and R
  ``switch`` + ``run``.  R is the innermost running generator of the
  thread, else the thread.  A generator's unit is made at its first run
  (creation is not observable) and named ``qualname#k``.
* sleep: thread ``block`` {reason: sleep, value: ns}; ``wake``; ``run``.
* printed line: ``emit`` {label, style} on the innermost running generator
  of the writing thread, else the thread; ``obj: "stderr"`` for stderr.
"""

from __future__ import annotations

import os
from typing import Iterable

from ..trace import Header, Trace
from . import rawlog as raw
from .ansi import split_ansi


class _Builder:
    """Replays merged raw events, in time order, into trace events."""

    def __init__(self, header: Header, t0: int) -> None:
        self.trace = Trace(header)
        self.t0 = t0
        self.procs: dict[int, int] = {}
        self.threads: dict[tuple[int, int], int] = {}
        self.stacks: dict[tuple[int, int], list[int]] = {}
        self.gens: dict[tuple[int, int], int] = {}
        self.names: dict[str, int] = {}
        self.sleeps: dict[tuple[int, int], int] = {}
        self.exited: set[int] = set()

    def rec(self, t: int, unit: int, kind: str, **fields) -> int:
        return self.trace.append(t, unit, kind, **fields)

    # -- units -----------------------------------------------------------------
    def process(self, meta: dict, t: int) -> int:
        pid = meta["pid"]
        if pid not in self.procs:
            name = os.path.basename(meta.get("program") or f"pid {pid}")
            unit = self.trace.new_unit("process", name, None, pid=pid).id
            self.procs[pid] = unit
            self.rec(t, unit, "spawn")
            self.rec(t, unit, "run")
            self.thread(meta, meta["tid"], t, meta.get("thread", "MainThread"))
        return self.procs[pid]

    def thread(self, meta: dict, tid: int, t: int, name: str | None = None) -> int:
        key = (meta["pid"], tid)
        if key not in self.threads:
            proc = self.procs[meta["pid"]]
            unit = self.trace.new_unit("thread", name or f"thread-{tid}", proc,
                                       pid=meta["pid"], tid=tid).id
            self.threads[key] = unit
            self.stacks[key] = []
            self.rec(t, unit, "spawn", peer=proc)
            self.rec(t, unit, "run")
        return self.threads[key]

    def running(self, meta: dict, tid: int, t: int) -> int:
        """The innermost running generator of the thread, else the thread."""
        thread = self.thread(meta, tid, t)
        stack = self.stacks[(meta["pid"], tid)]
        return stack[-1] if stack else thread

    # -- events ----------------------------------------------------------------
    def feed(self, meta: dict, ev: tuple) -> None:
        code, t, tid = ev[0], max(0, ev[1] - self.t0), ev[2]
        self.process(meta, t)
        handler = _HANDLERS.get(code)
        if handler is not None:
            handler(self, meta, t, tid, ev[3:])

    def gen_start(self, meta, t, tid, args) -> None:
        key, qualname, how, resumer = args
        k = self.names[qualname] = self.names.get(qualname, 0) + 1
        thread = self.thread(meta, tid, t)
        unit = self.trace.new_unit("coroutine", f"{qualname}#{k}", thread,
                                   pid=meta["pid"], tid=tid, attrs={"function": qualname}).id
        self.gens[(meta["pid"], key)] = unit
        src = self.running(meta, tid, t)
        self.rec(t, unit, "spawn", peer=src)
        self.transfer(meta, t, tid, unit, how, resumer)

    def gen_resume(self, meta, t, tid, args) -> None:
        key, how, resumer = args
        unit = self.gens.get((meta["pid"], key))
        if unit is not None:
            self.transfer(meta, t, tid, unit, how, resumer)

    def transfer(self, meta, t, tid, unit, how, resumer) -> None:
        src = self.running(meta, tid, t)
        send = self.rec(t, src, "send", peer=unit, obj=how, label=resumer)
        self.rec(t, unit, "switch", peer=src, level="coroutine")
        self.rec(t, unit, "run", cause=send)
        if how == "send":
            self.rec(t, unit, "recv", cause=send)
        self.stacks[(meta["pid"], tid)].append(unit)

    def gen_leave(self, meta, t, tid, args, final: bool) -> None:
        unit = self.gens.get((meta["pid"], args[0]))
        stack = self.stacks.get((meta["pid"], tid))
        if unit is None or stack is None or unit not in stack:
            return
        stack.remove(unit)
        self.rec(t, unit, "stop", reason="exit" if final else "yield")
        if final:
            self.rec(t, unit, "exit")
            del self.gens[(meta["pid"], args[0])]
        back = self.running(meta, tid, t)
        self.rec(t, back, "switch", peer=unit, level="coroutine")
        self.rec(t, back, "run")

    def sleep(self, meta, t, tid, args) -> None:
        thread = self.thread(meta, tid, t)
        self.sleeps[(meta["pid"], tid)] = self.rec(t, thread, "block", reason="sleep",
                                                   value=args[0])

    def wake(self, meta, t, tid, args) -> None:
        thread = self.thread(meta, tid, t)
        if self.sleeps.pop((meta["pid"], tid), None) is not None:
            self.rec(t, thread, "wake")
            self.rec(t, thread, "run")

    def emit(self, meta, t, tid, args) -> None:
        text, stream = args
        label, style = split_ansi(text)
        obj = "stderr" if stream == "stderr" else None
        self.rec(t, self.running(meta, tid, t), "emit", label=label, style=style, obj=obj)

    def done(self, meta, t, tid, args) -> None:
        self.end_thread(self.thread(meta, tid, t), t)

    def end_thread(self, unit: int, t: int) -> None:
        if unit not in self.exited:
            self.exited.add(unit)
            self.rec(t, unit, "stop", reason="exit")
            self.rec(t, unit, "exit")

    def end_process(self, meta: dict, t: int, status: int | None) -> None:
        """Close the process's threads and the process itself."""
        pid = meta["pid"]
        if pid not in self.procs or self.procs[pid] in self.exited:
            return
        for (p, _tid), unit in self.threads.items():
            if p == pid:
                self.end_thread(unit, t)
        self.exited.add(self.procs[pid])
        self.rec(t, self.procs[pid], "stop", reason="exit")
        self.rec(t, self.procs[pid], "exit", value=status)


_HANDLERS = {
    raw.GSTART: _Builder.gen_start,
    raw.GRESUME: _Builder.gen_resume,
    raw.GYIELD: lambda b, m, t, tid, a: b.gen_leave(m, t, tid, a, False),
    raw.GEND: lambda b, m, t, tid, a: b.gen_leave(m, t, tid, a, True),
    raw.SLEEP: _Builder.sleep,
    raw.WAKE: _Builder.wake,
    raw.EMIT: _Builder.emit,
    raw.DONE: _Builder.done,
}


def build_trace(header: Header, files: Iterable[tuple[dict, list[tuple]]],
                status: int | None) -> Trace:
    """Merge the raw files of one run into a trace.

    ``status`` is the main process's exit status as the parent saw it; it
    wins over what the process recorded (a signal may have ended it later).
    """
    files = list(files)
    main = next((m for m, _ in files if m.get("main")), None)
    merged = sorted(((ev[1], i, ev) for i, (_, evs) in enumerate(files) for ev in evs),
                    key=lambda x: x[0])
    t0 = next((ev[1] for _, i, ev in merged if ev[0] == raw.START and files[i][0] is main),
              merged[0][0] if merged else 0)
    b = _Builder(header, t0)
    last: dict[int, int] = {}
    for _, i, ev in merged:
        meta = files[i][0]
        if ev[0] == raw.EXIT:
            own = status if meta is main and status is not None else ev[3]
            b.end_process(meta, max(0, ev[1] - t0), own)
        else:
            b.feed(meta, ev)
        last[i] = max(0, ev[1] - t0)
    end = max(last.values(), default=0)
    for meta, _ in files:
        b.end_process(meta, end, status if meta is main else None)
    return b.trace
