"""Raw events: what a traced process records, cheaply, before any analysis.

Inside the traced program every observation is one small tuple
``(code, t, tid, *args)`` appended to a list: ``t`` is
``time.perf_counter_ns()`` (CLOCK_MONOTONIC, shared by all processes),
``tid`` the native thread id.  :class:`RawLog` writes the list out in
:mod:`marshal` chunks to one file per process (``raw-<pid>.bin``) as it
fills and at exit, so a killed process loses at most its last chunk.  The
file starts with a header dict.  :func:`read_raw` reads a file back,
ignoring a torn last chunk.

The tuple shapes (``args`` after ``code, t, tid``):

=============  ==================================================
``START``      program code starts (t = 0 of the trace)
``DONE``       program code returned/raised; ``status``
``EXIT``       the process is about to exit; ``status``
``GSTART``     generator first run; ``key, qualname, how, resumer``
``GRESUME``    generator resumed; ``key, how, resumer``
``GYIELD``     generator suspended at a yield; ``key``
``GEND``       generator finished (return or exception); ``key``
``SLEEP``      ``time.sleep`` called; ``duration_ns`` (scaled)
``WAKE``       ``time.sleep`` returned
``EMIT``       a complete output line; ``text, stream``
=============  ==================================================

``key`` identifies a live generator (the id of its frame); ``how`` is
``"next" | "send" | "throw" | "close"``; ``resumer`` the qualified name
of the code that resumed it.
"""

from __future__ import annotations

import marshal
import os
from typing import Any, Iterator

START, DONE, EXIT, GSTART, GRESUME, GYIELD, GEND, SLEEP, WAKE, EMIT = range(1, 11)

#: events kept in memory before a chunk is written out
CHUNK = 4096


class RawLog:
    """The per-process buffer of raw events and the file it drains into."""

    def __init__(self, directory: str, header: dict) -> None:
        self.path = os.path.join(directory, f"raw-{header['pid']}.bin")
        self.events: list[tuple] = []
        self.append = self.events.append
        self._fh = open(self.path, "wb")
        marshal.dump(header, self._fh)
        self._fh.flush()

    def maybe_flush(self) -> None:
        """Write a chunk out when the buffer is full."""
        if len(self.events) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write what was recorded so far (safe while other threads append)."""
        events = self.events
        chunk = events[:]
        if chunk and self._fh is not None:
            del events[:len(chunk)]
            marshal.dump(chunk, self._fh)
            self._fh.flush()

    def close(self) -> None:
        """Flush and close the file; later appends are kept in memory only."""
        if self._fh is not None:
            self.flush()
            self._fh.close()
            self._fh = None


def read_raw(path: str) -> tuple[dict, list[tuple]]:
    """A raw file's header and its events; a torn last chunk is dropped."""
    events: list[tuple] = []
    with open(path, "rb") as fh:
        header = marshal.load(fh)
        for chunk in _chunks(fh):
            events.extend(chunk)
    return header, events


def _chunks(fh) -> Iterator[list[Any]]:
    while True:
        try:
            chunk = marshal.load(fh)
        except (EOFError, ValueError, TypeError):
            return
        yield chunk
