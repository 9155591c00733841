"""Taps inside the traced process: printed lines and sleeps.

:class:`LineTap` wraps ``sys.stdout``/``sys.stderr``: every write goes to
the real stream unchanged (same buffering, same bytes, colours included)
and each completed line is recorded as an ``EMIT`` raw event, per thread.
:func:`install_sleep` replaces ``time.sleep`` by a wrapper that scales the
duration and records ``SLEEP``/``WAKE`` around it.  Both make the raw log
safe (:meth:`RawLog.flush`) at each line and at the start of each sleep
(inside it: the sleep is shortened by the time that took), so a process
killed with SIGKILL leaves all of its trace up to there.
"""

from __future__ import annotations

import functools
import threading
import time

from .rawlog import EMIT, SLEEP, WAKE, RawLog

_now, _tid = time.perf_counter_ns, threading.get_native_id


class LineTap:
    """A transparent stand-in for a text stream that records complete lines."""

    def __init__(self, stream, name: str, log: RawLog) -> None:
        self._stream = stream
        self._name = name
        self._append = log.append
        self._flush = log.flush
        self._partial: dict[int, str] = {}  # native tid -> unfinished line

    def write(self, text: str) -> int:
        """Write to the real stream, then record any lines this completes."""
        n = self._stream.write(text)
        me = _tid()
        part = self._partial.get(me, "")
        if "\n" not in text:
            self._partial[me] = part + text
            return n
        lines = (part + text).split("\n")
        t = _now()
        for line in lines[:-1]:
            self._append((EMIT, t, me, line.rstrip("\r"), self._name))
        self._partial[me] = lines[-1]
        self._flush()  # what was printed is on disk even if the process is killed
        return n

    def writelines(self, lines) -> None:
        """Write each piece through :meth:`write`."""
        for line in lines:
            self.write(line)

    def drain(self) -> None:
        """Record unfinished lines (output that never got its newline)."""
        t = _now()
        for me, part in list(self._partial.items()):
            if part:
                self._append((EMIT, t, me, part, self._name))
        self._partial.clear()

    def forget(self) -> None:
        """Drop unfinished lines (in a forked child: they belong to the parent)."""
        self._partial.clear()

    @property
    def wrapped(self):
        """The real stream."""
        return self._stream

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def install_sleep(log: RawLog, scale: float):
    """Replace ``time.sleep`` with a scaled, recorded sleep; returns the original."""
    original = time.sleep
    append, flush = log.append, log.flush

    @functools.wraps(original)
    def sleep(secs):
        scaled = secs * scale
        start = _now()
        append((SLEEP, start, _tid(), max(0, int(scaled * 1e9))))
        try:
            # the trace so far goes to disk on the sleep's own time: the sleep is
            # shortened by what writing it took, so it still ends when asked
            flush()
            original(max(0.0, scaled - (_now() - start) / 1e9) if scaled > 0 else scaled)
        finally:
            append((WAKE, _now(), _tid()))

    time.sleep = sleep
    return original
