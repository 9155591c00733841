"""Raw events: what a traced process records, cheaply, before any analysis.

Inside the traced program every observation is one small tuple
``(code, t, tid, *args)``: ``t`` is
``time.perf_counter_ns()`` (CLOCK_MONOTONIC, shared by all processes),
``tid`` the native thread id.  :class:`RawLog` writes them as :mod:`marshal`
chunks (each prefixed by its length) to one file per process
(``raw-<pid>.bin``) through a shared memory map (:mod:`.mapfile`): with
the compiled writer each event as it is recorded, else from a list as it
fills, at each printed line, before each sleep and at exit, so a killed
process loses little.  The file starts with a header dict.  :func:`read_raw` reads
a file back, ignoring a torn last chunk.

The tuple shapes (``args`` after ``code, t, tid``):

=============  ==================================================
``START``      program code starts (t = 0 of the trace)
``DONE``       program code returned/raised; ``status``
``EXIT``       the process is about to exit; ``status`` (None: unknown)
``GSTART``     generator first run; ``key, qualname, how, resumer``
``GRESUME``    generator resumed; ``key, how, resumer``
``GYIELD``     generator suspended at a yield; ``key``
``GEND``       generator finished (return or exception); ``key``
``SLEEP``      ``time.sleep`` called; ``duration_ns`` (scaled)
``WAKE``       ``time.sleep`` returned
``EMIT``       a complete output line; ``text, stream``
``TSTART``     a thread starts running; ``name, daemon, thread_obj_id``
``TEND``       a thread finishes
``TCREATE``    ``Thread.start()`` called; ``thread_obj_id``
``BLOCKED``    a blocking call returned; ``t_end, reason, obj, chan, peer``
``QPUT``       an item put into a channel; ``chan, item_id, kind``
``QGET``       an item taken from a channel; ``chan, item_id, kind``
``ACREATE``    an asyncio task created; ``task_id, name``
``ASTEP``      a task step begins; ``task_id, name, coro_qualname``
``ASUSP``      a task step ends at an await; ``task_id, reason, obj, chan, value``
``AEND``       a task's coroutine finished; ``task_id, state``
``CBSTART``    an event-loop callback (not a task step) begins; ``loop_id, what``
``CBEND``      that callback ends; ``loop_id``
``COUNTER``    OS counters of a thread; ``tid, (run_ns, wait_ns, slices, vol, invol)``
``FORKED``     ``os.fork()`` returned in the parent; ``child_pid``
``PCHILD``     a multiprocessing child started; ``child_pid, name``
``REAPED``     a child's exit status collected; ``pid, status``
``PIPE``       a connection pair made; ``end_key1, end_key2``
``WARN``       something the user should know; ``text``
``GPACKED``    a block of generator events packed by the compiled hook
               (expanded by :func:`read_raw`)
=============  ==================================================

``key`` identifies a live generator (the id of its frame); ``how`` is
``"next" | "send" | "throw" | "close"``; ``resumer`` the qualified name
of the code that resumed it.  ``chan`` names a channel: an int (an object
id, local to the process) or a str (a pipe or socket, global); ``peer``
is ``("t", native_tid)``, ``("p", pid)`` or None.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import threading
import time
from typing import Any, Iterator

from .._speedups import expand_packed
from .mapfile import MappedFile, create, direct_writer, records

(START, DONE, EXIT, GSTART, GRESUME, GYIELD, GEND, SLEEP, WAKE, EMIT, TSTART, TEND, TCREATE,
 BLOCKED, QPUT, QGET, ACREATE, ASTEP, ASUSP, AEND, CBSTART, CBEND, COUNTER, FORKED, PCHILD,
 REAPED, PIPE, WARN, GPACKED) = range(1, 30)

#: the generator codes, in the order the compiled hook takes them
GEN_CODES = (GSTART, GRESUME, GYIELD, GEND)

#: events kept in memory before a chunk is written out
CHUNK = 4096


class RawLog:
    """The per-process raw events and the file they go to.

    With the compiled writer, :attr:`append` puts each event straight into
    the file; otherwise it buffers the event in :attr:`events`, which
    :meth:`flush` writes out as one chunk (whole, so a forked child never
    inherits half-written data).  Hooks that buffer events themselves
    (the compiled generator hooks) add blocks to :attr:`events` too, at
    :attr:`drain` time.  :meth:`reopen` starts a forked child's own file,
    keeping the same :attr:`append` and :attr:`events` (hooks hold them).
    """

    def __init__(self, directory: str, header: dict) -> None:
        self.directory = directory
        self.events: list[tuple] = []
        self._writer = direct_writer()
        #: record one raw event (never raises)
        self.append = self.events.append if self._writer is None else self._writer.record
        self._fh = None
        self._lock = threading.Lock()
        self._owner: int | None = None  # thread inside flush (a signal handler may re-enter)
        self.drain = None  # set by a hook that buffers events itself: called before a flush
        self._open(header)

    @property
    def direct(self) -> bool:
        """Whether each event is in the file as soon as it is recorded."""
        return self._writer is not None

    def _open(self, header: dict) -> None:
        self.header = header
        base = os.path.join(self.directory, f"raw-{header['pid']}")
        self.path, n = base + ".bin", 0
        while os.path.exists(self.path):  # the same pid after an exec
            n += 1
            self.path = f"{base}.{n}.bin"
        if self._writer is None:
            self._fh = MappedFile(self.path)
            self._fh.append(marshal.dumps(header))
        else:
            self._writer.open(create(self.path))
            self._writer.append(marshal.dumps(header))
            self._writer.write_pending()   # recorded in a forked child before its file
            self._fh = self._writer

    def reopen(self, header: dict) -> None:
        """In a forked child: drop the parent's events and file, start this process's."""
        del self.events[:]
        self._lock = threading.Lock()
        self._owner = None
        if self._fh is not None:
            self._fh.forget()
        self._open(header)

    def maybe_flush(self) -> None:
        """Write a chunk out when the buffer is full."""
        if len(self.events) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write what was recorded so far (safe while other threads append): at a
        printed line, before a sleep, when the buffer fills and at exit.

        With the compiled writer only what hooks buffer is left to write, in two
        C calls (each atomic under the GIL).  Otherwise the buffer goes out as one
        chunk, under a lock; a flush re-entered by a signal handler in the
        flushing thread does nothing (the outer one is writing).
        """
        if self._writer is not None:
            if self.drain is not None:
                self.drain()
            if self.events and self._fh is not None:
                self._writer.take(self.events)
            return
        me = threading.get_ident()
        if self._owner == me:
            return
        with self._lock:
            self._owner = me
            try:
                if self.drain is not None:
                    self.drain()
                chunk = self.events[:]
                if chunk and self._fh is not None:
                    del self.events[:len(chunk)]
                    self._write(marshal.dumps(chunk))
            finally:
                self._owner = None

    def _write(self, data: bytes) -> None:
        try:
            self._fh.append(data)
        except OSError:  # the program closed our descriptor: stop writing, keep running
            self._fh = None

    def seal(self) -> None:
        """At the process's exit (the last thing the tracer does): as :meth:`close`,
        but the compiled writer leaves its unmapping, trim and close to the exit
        (see ``mapwriter.c``: ~70 µs on a forked child's way out)."""
        self._end(lambda fh: fh.seal() if fh is self._writer else fh.close())

    def close(self) -> None:
        """Flush and close the file; later appends are kept in memory only."""
        self._end(lambda fh: fh.close())

    def _end(self, finish) -> None:
        if self._fh is not None:
            self.flush()
        if self._writer is not None and self._writer.dropped:
            self.append((WARN, time.perf_counter_ns(), threading.get_native_id(),
                         f"{self._writer.dropped} raw events could not be written "
                         f"(the raw log's file could not grow)"))
        if self._fh is not None:
            try:
                finish(self._fh)
            except OSError:
                pass
            self._fh = None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored after).

    Reading and building a trace makes millions of tuples that hold no
    cycles; without the pause the collector scans them again and again
    (a third of the build time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_raw(path: str) -> tuple[dict, list[tuple]]:
    """A raw file's header and its events; a torn last chunk is dropped."""
    with open(path, "rb") as fh:
        data = fh.read()
    with paused_gc():
        return _parse(path, data)


def _parse(path: str, data: bytes) -> tuple[dict, list[tuple]]:
    records = list(_records(data))
    if not records:
        raise ValueError(f"{path}: not a schedsim raw file (no header)")
    events: list[tuple] = []
    for chunk in records[1:]:
        events.extend(chunk)
    if any(ev[0] == GPACKED for ev in events):
        events = expand_packed(events, GPACKED, GEN_CODES)
    return records[0], events


def _records(data: bytes) -> Iterator[Any]:
    for record in records(data):
        yield marshal.loads(record)
