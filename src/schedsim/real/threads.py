"""Thread start and end inside the traced process, with OS counters.

``threading.setprofile`` makes every new ``threading.Thread`` call
:meth:`ThreadWatch.starter` on its first event: it records ``TSTART`` (and
the thread's counters at zero, as the kernel starts them), hands the thread
to the generator hook, and leaves a sentinel in thread-local storage whose
finaliser records ``TEND`` (and an end sample) when the thread's state is
torn down.  Threads started with ``_thread`` directly
are covered by wrapping ``_thread.start_new_thread``.
"""

from __future__ import annotations

import _thread
import os
import threading
import time
from typing import Callable

from .patching import wrap_attr
from .procfs import close_self, open_self, read_open, read_self, read_thread
from .rawlog import COUNTER, TCREATE, TEND, TSTART, RawLog

_now, _tid = time.perf_counter_ns, threading.get_native_id

#: at most this many threads at once keep their schedstat open (see ThreadWatch.fds)
MAX_SAMPLE_FDS = 64


class _Slots:
    """At most ``n`` taken at once; :meth:`take` never waits.  (A BoundedSemaphore's
    release runs a Condition's Python code, on a dying thread's way out.)"""

    def __init__(self, n: int) -> None:
        self._free = n
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take a slot if one is free."""
        with self._lock:
            if self._free == 0:
                return False
            self._free -= 1
            return True

    def give(self) -> None:
        """Give a slot back."""
        with self._lock:
            self._free += 1


class _End:
    """Lives in a thread's local storage; its finaliser marks the thread's end.

    ``fd`` (or None) is the thread's own ``schedstat``, opened as it started, so
    that the end's sample, on the time ``join`` waits, needs no path lookup.  A
    thread that forked ends in the child too: there the descriptor still shows the
    parent's thread, so the child reads its own counters the slow way.
    """

    def __init__(self, watch: "ThreadWatch", tid: int, fd: int | None) -> None:
        self.watch, self.tid, self.fd, self.pid = watch, tid, fd, os.getpid()

    def __del__(self) -> None:
        forked = self.pid != os.getpid()
        try:
            if forked:
                self.watch.thread_ended(_tid())
            else:
                self.watch.thread_ended(self.tid, self.fd)
        finally:
            if self.fd is not None:
                close_self(self.fd)
                if not forked:
                    self.watch.fds.give()


class ThreadWatch:
    """Records thread start/end; ``enable_hook()`` hooks the calling thread."""

    def __init__(self, log: RawLog, enable_hook: Callable[[], None]) -> None:
        self.log = log
        self.enable_hook = enable_hook
        self.local = threading.local()
        self.active = True
        #: descriptors the live threads hold open for their end sample: a program with
        #: more threads alive at once samples the rest the slow way, and never runs out
        #: of descriptors because of the tracer
        self.fds = _Slots(MAX_SAMPLE_FDS)

    def install(self) -> None:
        """Watch every thread started from now on."""
        threading.setprofile(self.starter)
        wrap_attr(threading.Thread, "start", self._wrap_start)
        wrap_attr(_thread, "start_new_thread", self._wrap_raw_start)

    def forked(self) -> None:
        """In a forked child: a fresh descriptor count.  Only the forking thread lives
        on here, and another thread may have held the count's lock at the fork."""
        self.fds = _Slots(MAX_SAMPLE_FDS)

    def uninstall(self) -> None:
        """Stop watching new threads."""
        self.active = False
        threading.setprofile(None)

    def sample(self, tid: int, at: int | None = None, fd: int | None = None) -> None:
        """Record the OS counters of thread ``tid`` of this process (stamped ``at``,
        by default now); ``fd``: the calling thread's own, from :func:`open_self`."""
        if fd is not None:
            values = read_open(fd)
        else:
            values = read_self() if tid == _tid() else read_thread(os.getpid(), tid)
        if values is not None:
            self.log.append((COUNTER, _now() if at is None else at, _tid(), tid, values))

    def started_at_zero(self, tid: int) -> None:
        """Record the start counters of a thread the kernel has just created: all zero,
        without reading them.

        The kernel zeroes a new task's run time, run-queue wait, slices and
        switch counts as it creates it (a thread or a forked child's), so zero is
        exact, and the unit's counters cover its whole life, the interpreter's
        bootstrap of the thread included.  Reading them cost the program 110 µs
        in a fresh forked child, and in the process baozi the first message of
        each queue's feeder thread came 100-300 µs later for it.
        """
        self.log.append((COUNTER, _now(), tid, tid, (0, 0, 0, 0, 0)))

    def starter(self, frame, event, arg) -> None:
        """A new thread's first profile event: record it, then hook the thread."""
        self.thread_started()
        self.enable_hook()

    def thread_started(self, raw: bool = False) -> None:
        """Record the calling thread's start (once).

        ``raw``: started by ``_thread`` directly; ``threading.current_thread()``
        would register a dummy Thread there, so the thread stays unnamed.
        """
        if getattr(self.local, "end", None) is not None:
            return
        me = _tid()
        if raw:
            self.log.append((TSTART, _now(), me, None, True, 0))
        else:
            thread = threading.current_thread()
            self.log.append((TSTART, _now(), me, thread.name, thread.daemon, id(thread)))
        self.started_at_zero(me)
        fd = None
        if self.fds.take():
            fd = open_self()
            if fd is None:                          # no /proc here
                self.fds.give()
        self.local.end = _End(self, me, fd)

    def thread_ended(self, tid: int, fd: int | None = None) -> None:
        """Called from the sentinel's finaliser in the dying thread."""
        if self.active:
            self.sample(tid, fd=fd)
            self.log.append((TEND, _now(), tid))

    def _wrap_start(self, original):
        log = self.log

        def start(thread):
            log.append((TCREATE, _now(), _tid(), id(thread)))
            return original(thread)
        return start

    def _wrap_raw_start(self, original):
        watch = self

        def start_new_thread(function, args, kwargs=None):
            def run(*a, **k):
                watch.thread_started(raw=True)
                watch.enable_hook()
                return function(*a, **k)
            return original(run, args, kwargs or {})
        return start_new_thread
