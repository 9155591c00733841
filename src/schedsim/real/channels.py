"""Channels: puts and gets on queues and pipes, so a receive names its send.

``QPUT`` is recorded when a put is called (before it may block, so it
always precedes the get it feeds) with the channel and the item's id;
``QGET`` when a get returns, with the id of what it returned.  The
builder matches a get with the oldest unmatched put of the same item on
the same channel, else the oldest.  In-process queues are named by their
object id; pipes and multiprocessing queues by the inode of their pipe or
socket (``"p<inode>"``), the same in every process, and ``Pipe()``
records which two ends belong together.
"""

from __future__ import annotations

import os
import threading
import time

from .blocking import Blocking
from .patching import wrap_attr
from .rawlog import PIPE, QGET, QPUT, RawLog

_now, _tid = time.perf_counter_ns, threading.get_native_id


def end_key(conn) -> str | None:
    """The global name of a connection end: ``"p<inode>"`` of its fd, or None.

    Cached on the connection object (one ``fstat`` per connection).
    """
    key = getattr(conn, "_schedsim_end", None)
    if key is None:
        try:
            key = f"p{os.fstat(conn.fileno()).st_ino}"
        except (OSError, ValueError, AttributeError):
            return None
        try:
            conn._schedsim_end = key
        except AttributeError:
            pass
    return key


class Channels:
    """Wrappers that record puts and gets."""

    def __init__(self, log: RawLog, blocking: Blocking) -> None:
        self.log = log
        self.blocking = blocking

    def put(self, kind: str, chan_of, reason: str | None = "send"):
        """Wrapper factory: record QPUT, then run the put; its waits mean ``reason``.

        ``reason`` None: the put never blocks the thread (asyncio).
        """
        append, contexts, obj = self.log.append, self.blocking.contexts, f"{kind}.put"

        def make(original):
            def put(q, item, *args, **kwargs):
                chan, me = chan_of(q), _tid()
                if chan is not None:
                    append((QPUT, _now(), me, chan, id(item), kind))
                if reason is None or me in contexts:
                    return original(q, item, *args, **kwargs)
                contexts[me] = (reason, obj, chan, None)
                try:
                    return original(q, item, *args, **kwargs)
                finally:
                    del contexts[me]
            return put
        return make

    def get(self, kind: str, chan_of, reason: str | None = "recv"):
        """Wrapper factory: run the get (its waits mean ``reason``), then record QGET."""
        append, contexts, obj = self.log.append, self.blocking.contexts, f"{kind}.get"

        def make(original):
            def get(q, *args, **kwargs):
                chan, me = chan_of(q), _tid()
                if reason is None or me in contexts:
                    item = original(q, *args, **kwargs)
                else:
                    contexts[me] = (reason, obj, chan, None)
                    try:
                        item = original(q, *args, **kwargs)
                    finally:
                        del contexts[me]
                if chan is not None:
                    append((QGET, _now(), me, chan, id(item), kind))
                return item
            return get
        return make

    def patch_queue(self, module) -> None:
        """``queue.Queue`` (and its Lifo/Priority subclasses)."""
        wrap_attr(module.Queue, "put", self.put("queue.Queue", id))
        wrap_attr(module.Queue, "get", self.get("queue.Queue", id))
        wrap_attr(module.Queue, "join", self.blocking.context("wait", "queue.Queue.join",
                                                              chan_of=id))

    def patch_asyncio_queue(self, module) -> None:
        """``asyncio.Queue``: at the non-waiting core every put/get goes through."""
        wrap_attr(module.Queue, "put_nowait", self.put("asyncio.Queue", id, None))
        wrap_attr(module.Queue, "get_nowait", self.get("asyncio.Queue", id, None))

    def patch_mp_queues(self, module) -> None:
        """``multiprocessing.Queue``, across processes (by the pipe's inode)."""
        wrap_attr(module.Queue, "put", self.put("multiprocessing.Queue",
                                                lambda q: end_key(q._writer)))
        wrap_attr(module.Queue, "get", self.get("multiprocessing.Queue",
                                                lambda q: end_key(q._reader)))

    def patch_mp_connection(self, module) -> None:
        """``multiprocessing.Pipe`` ends: ``send``/``recv`` and which ends pair up."""
        wrap_attr(module.Connection, "send", self.put("multiprocessing.Connection", end_key))
        wrap_attr(module.Connection, "recv", self.get("multiprocessing.Connection", end_key))
        append = self.log.append

        def make_pipe(original):
            def Pipe(*args, **kwargs):
                a, b = original(*args, **kwargs)
                append((PIPE, _now(), _tid(), end_key(a), end_key(b)))
                return a, b
            return Pipe
        wrap_attr(module, "Pipe", make_pipe)
