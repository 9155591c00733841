"""Builder part: threads, blocking calls and channels (see :mod:`.build`).

* thread start/end: ``spawn`` {peer: the unit that called ``start()``} +
  ``run`` .. ``stop`` {reason: exit} + ``exit``;
* a blocking call: thread ``block`` {reason, obj, peer} .. ``wake`` {cause}
  + ``run``; the cause is the put a blocked get waited for, or the exit of
  the thread/process a join waited for;
* a put: ``send`` {obj: channel kind} on the putting unit; a get: ``recv``
  {obj, cause: the matching put}.
"""

from __future__ import annotations

from . import rawlog as raw

#: the two ends of a raw BLOCKED span, made by :func:`schedsim.real.build._expand`
BLOCK_AT, UNBLOCK = 101, 102


class SyncMixin:
    """Threads, blocking calls, queue and pipe links."""

    def init_sync(self) -> None:
        """The thread/blocking/channel part of the builder's state."""
        self.creators: dict[tuple, int] = {}     # (pid, thread obj id) -> creating unit
        self.blocked: dict[tuple, tuple] = {}    # (pid, tid) -> (reason, chan key, peer)
        self.pending: dict[object, list] = {}    # channel key -> [(item id, send index)]
        self.partner: dict[str, str] = {}        # pipe end -> the other end

    # -- threads ---------------------------------------------------------------
    def thread_create(self, pid, t, tid, args) -> None:
        """``Thread.start()`` called: remember who started it."""
        self.creators[(pid, args[0])] = self.running(pid, tid, t)

    def thread_start(self, pid, t, tid, args) -> None:
        """A thread's first event: its unit."""
        name, daemon, obj = args
        if self.threads.get((pid, tid)) in self.exited:  # the kernel reused a dead thread's id
            del self.threads[(pid, tid)]
        creator = self.creators.pop((pid, obj), None) if obj else None
        unit = self.thread(pid, tid, t, name, creator)
        if daemon:
            self.trace.units[unit].attrs["daemon"] = True

    def thread_end(self, pid, t, tid, args) -> None:
        """A thread finished."""
        unit = self.threads.get((pid, tid))
        if unit is not None:
            self.end_unit(unit, t)

    # -- blocking ----------------------------------------------------------------
    def block_at(self, pid, t, tid, args) -> None:
        """A blocking call began: the thread blocks on it."""
        reason, obj, chan, peer = args
        thread = self.thread(pid, tid, t)
        self.blocked[(pid, tid)] = (reason, self.chan_key(pid, chan, receiving=True), peer)
        self.rows.append((t, thread, "block", None, None, None,
                          self.peer_unit(pid, peer) if peer else None, None, reason, None, obj,
                          None, None))

    def unblock(self, pid, t, tid, args) -> None:
        """The blocking call returned: ``wake`` (with its cause) + ``run``."""
        what = self.blocked.pop((pid, tid), None)
        if what is None:
            return
        thread = self.thread(pid, tid, t)
        cause = self.wake_cause(pid, *what)
        self.rows += ((t, thread, "wake", None, cause, None, None, None, None, None, None, None,
                       None),
                      (t, thread, "run", None, None, None, None, None, None, None, None, None,
                       None))

    def peer_unit(self, pid: int, peer) -> int | None:
        """The unit a ``("t", tid)`` / ``("p", pid)`` peer names, if known."""
        if not peer:
            return None
        kind, ident = peer
        if kind == "t":
            return self.threads.get((pid, ident))
        if ident not in self.procs and ident in self.metas:
            return self.process(self.metas[ident], self.now)
        return self.procs.get(ident)

    def wake_cause(self, pid: int, reason: str, chan, peer) -> int | None:
        """What ended a wait: the pending put, or the joined unit's exit."""
        if chan is not None and reason == "recv":
            waiting = self.pending.get(chan)
            return waiting[0][1] if waiting else None
        unit = self.peer_unit(pid, peer)
        return self.exited.get(unit) if unit is not None else None

    # -- channels --------------------------------------------------------------------
    def chan_key(self, pid: int, chan, receiving: bool = False):
        """A channel name, global across processes (pipe ends resolved to the sender's)."""
        if chan is None:
            return None
        if isinstance(chan, str):
            return self.partner.get(chan, chan) if receiving else chan
        return (pid, chan)

    def put(self, pid, t, tid, args) -> None:
        """An item put into a channel: ``send``."""
        chan, item, kind = args
        src = self.running(pid, tid, t)  # (may record the thread's first events)
        rows = self.rows
        index = self.base + len(rows)
        rows.append((t, src, "send", None, None, None, None, None, None, None, kind, None, None))
        key = (pid, chan) if chan.__class__ is int else self.chan_key(pid, chan)
        waiting = self.pending.get(key)
        if waiting is None:
            waiting = self.pending[key] = []
        waiting.append((item, index))

    def get(self, pid, t, tid, args) -> None:
        """An item taken from a channel: ``recv`` caused by its put."""
        chan, item, kind = args
        key = (pid, chan) if chan.__class__ is int else self.chan_key(pid, chan, receiving=True)
        waiting = self.pending.get(key)
        cause = None
        if waiting:
            at = 0 if waiting[0][0] == item else next(
                (i for i, (it, _) in enumerate(waiting) if it == item), 0)
            cause = waiting.pop(at)[1]
        self.rows.append((t, self.running(pid, tid, t), "recv", None, cause, None, None, None,
                          None, None, kind, None, None))

    def pipe(self, pid, t, tid, args) -> None:
        """A connection pair: its two ends belong together."""
        a, b = args
        if a and b:
            self.partner[a], self.partner[b] = b, a

    HANDLERS = {
        raw.TCREATE: thread_create, raw.TSTART: thread_start, raw.TEND: thread_end,
        BLOCK_AT: block_at, UNBLOCK: unblock, raw.QPUT: put, raw.QGET: get, raw.PIPE: pipe,
    }
