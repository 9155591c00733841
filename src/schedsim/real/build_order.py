"""The order raw events are replayed in (see :mod:`.build`).

All events of a run, from every process file, the tracer's own counter
samples and the kernel's scheduler events, are replayed as if stably
sorted by ``(time, stream)``: streams are the files in the order given,
then the samples, then the kernel events; equal times keep their order
within a stream.  Each stream is sorted on its own (one raw file is
nearly sorted already) and the streams are merged only when more than
one has events, so a one-process run costs one sort and no per-event
merging.  A raw ``BLOCKED`` span is replayed as its two ends,
``BLOCK_AT`` at its start and ``UNBLOCK`` at its end.
"""

from __future__ import annotations

import heapq
from itertools import groupby, repeat
from operator import itemgetter
from typing import Iterable, Iterator

from . import rawlog as raw
from .build_sync import BLOCK_AT, UNBLOCK

#: codes whose information is needed before the replay starts
EARLY = frozenset((raw.REAPED, raw.FORKED, raw.PCHILD))

_by_time = itemgetter(1)


def expand_spans(events: list[tuple]) -> list[tuple]:
    """``events`` with each ``BLOCKED`` span as its two ends (the same list if none)."""
    if raw.BLOCKED not in map(itemgetter(0), events):
        return events
    out: list[tuple] = []
    append = out.append
    for ev in events:
        if ev[0] == raw.BLOCKED:  # (BLOCKED, t_start, tid, t_end, *what)
            append((BLOCK_AT, ev[1], ev[2]) + ev[4:])
            append((UNBLOCK, ev[3], ev[2]))
        else:
            append(ev)
    return out


def sorted_stream(events: Iterable[tuple]) -> list[tuple]:
    """One stream's events (spans expanded), stably sorted by time."""
    return sorted(expand_spans(list(events)), key=_by_time)


def runs(streams: list[list[tuple]]) -> Iterator[tuple[int, Iterable[tuple]]]:
    """``(stream index, events)`` runs in replay order (each stream sorted already)."""
    busy = [i for i, evs in enumerate(streams) if evs]
    if len(busy) == 1:
        yield busy[0], streams[busy[0]]
        return
    tagged = [zip(repeat(i), streams[i]) for i in busy]
    merged = heapq.merge(*tagged, key=lambda pair: pair[1][1])
    for i, run in groupby(merged, key=itemgetter(0)):
        yield i, map(itemgetter(1), run)


def early_events(streams: list[list[tuple]], count: int) -> list[tuple[int, tuple]]:
    """``(stream, event)`` for the :data:`EARLY` events of the first ``count`` streams, in order."""
    found = [(ev[1], i, ev) for i in range(count) for ev in streams[i] if ev[0] in EARLY]
    found.sort(key=lambda x: (x[0], x[1]))
    return [(i, ev) for _, i, ev in found]


def start_time(streams: list[list[tuple]], main: int | None) -> int:
    """t = 0 of the trace: the main process's ``START``, else the earliest event."""
    if main is not None:
        start = next((ev[1] for ev in streams[main] if ev[0] == raw.START), None)
        if start is not None:
            return start
    return min((evs[0][1] for evs in streams if evs), default=0)
