"""Blocking calls as block/wake: what a thread waited on, and for how long.

Two kinds of wrappers:

* **primitives** really wait (``Condition.wait``, ``Thread.join``,
  selectors, ``select.select``, ``os.read``, ``os.waitpid``, socket
  receives, ``input()``); when one returns after at least its threshold it
  records one ``BLOCKED`` raw event spanning the call;
* **contexts** say *why* (``queue.Queue.get``, ``Event.wait``,
  ``Semaphore.acquire``, ``Process.join``...): while one is active on a
  thread, a primitive inside it is reported with the outermost context's
  reason, object, channel and peer.

A plain ``Lock.acquire`` (and ``with lock:``) is a C call that is not
wrapped: contended locks show only through the primitives around them.
"""

from __future__ import annotations

import builtins
import os
import select
import socket
import threading
import time
from typing import Callable

from .patching import wrap_attr
from .rawlog import BLOCKED, RawLog

_now, _tid = time.perf_counter_ns, threading.get_native_id

#: a call that returns sooner than this did not block (ns)
READ_MIN_NS = 10_000


class Blocking:
    """Makes the primitive and context wrappers, recording into ``log``."""

    def __init__(self, log: RawLog) -> None:
        self.log = log
        self.contexts: dict[int, tuple] = {}  # native tid -> (reason, obj, chan, peer)

    def primitive(self, reason: str, obj: str, min_ns: int = 0,
                  chan_of: Callable | None = None, peer_of: Callable | None = None):
        """A wrapper factory for a call that may wait.

        ``chan_of``/``peer_of`` get the call's first argument (``self`` for
        a method) and name the channel or the unit waited for.
        """
        append, contexts = self.log.append, self.contexts

        def make(original):
            def wrapper(*args, **kwargs):
                t0 = _now()
                try:
                    return original(*args, **kwargs)
                finally:
                    t1 = _now()
                    if t1 - t0 >= min_ns:
                        me = _tid()
                        ctx = contexts.get(me)
                        if ctx is None:
                            ctx = (reason, obj, chan_of(args[0]) if chan_of else None,
                                   peer_of(args[0]) if peer_of else None)
                        append((BLOCKED, t0, me, t1, *ctx))
            return wrapper
        return make

    def context(self, reason: str, obj: str, chan_of: Callable | None = None,
                peer_of: Callable | None = None):
        """A wrapper factory for a call whose waits mean ``reason``/``obj``."""
        contexts = self.contexts

        def make(original):
            def wrapper(*args, **kwargs):
                me = _tid()
                if me in contexts:
                    return original(*args, **kwargs)
                contexts[me] = (reason, obj, chan_of(args[0]) if chan_of else None,
                                peer_of(args[0]) if peer_of else None)
                try:
                    return original(*args, **kwargs)
                finally:
                    del contexts[me]
            return wrapper
        return make

    # -- what gets wrapped ---------------------------------------------------------
    def install_now(self) -> None:
        """Wrap what the tracer has imported itself: threading, select, os, socket."""
        wrap_attr(threading.Condition, "wait", self.primitive("wait", "threading.Condition.wait"))
        wrap_attr(threading.Thread, "join", self.primitive(
            "join", "threading.Thread.join", peer_of=lambda t: ("t", t.native_id)))
        wrap_attr(threading.Thread, "start", self.context("wait", "threading.Thread.start"))
        for cls, name in ((threading.Event, "wait"), (threading.Semaphore, "acquire"),
                          (threading.Barrier, "wait")):
            reason = "event" if cls is threading.Event else "wait" if name == "wait" else "lock"
            wrap_attr(cls, name, self.context(reason, f"threading.{cls.__name__}.{name}"))
        wrap_attr(select, "select", self.primitive("poll", "select.select", READ_MIN_NS))
        wrap_attr(os, "read", self.primitive("io", "os.read", READ_MIN_NS))
        wrap_attr(builtins, "input", self.primitive("io", "input", READ_MIN_NS))
        for name in ("recv", "recv_into", "recvfrom", "accept"):
            wrap_attr(socket.socket, name, self.primitive("io", f"socket.{name}", READ_MIN_NS))

    def patch_selectors(self, module) -> None:
        """Each selector's ``select`` (what event loops and mp.connection.wait use)."""
        for name in ("SelectSelector", "PollSelector", "EpollSelector", "DevpollSelector",
                     "KqueueSelector"):
            cls = getattr(module, name, None)
            if cls is not None and "select" in vars(cls):
                wrap_attr(cls, "select", self.primitive("poll", f"selectors.{name}.select",
                                                        READ_MIN_NS))
