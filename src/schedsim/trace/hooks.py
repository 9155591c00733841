"""One hook vocabulary for everything that records a trace.

The simulator and the real tracer both record through a :class:`Recorder`:
``recorder.record(t, unit, kind, **fields)`` appends to a sink (an in-memory
:class:`~schedsim.trace.store.Trace` or a streaming
:class:`~schedsim.trace.jsonl.TraceWriter`) and tells each
:class:`Instrument`.  Instruments have no-op defaults; one that raises is
removed with a warning and the run goes on (a faulty observer must never
change what is observed).
"""

from __future__ import annotations

import warnings
from typing import Any, Protocol

from .events import Unit


class Sink(Protocol):
    """Where events go: ``Trace`` and ``TraceWriter`` both qualify."""

    def append(self, t: int, unit: int, kind: str, **fields: Any) -> int:
        """Record one event; return its index."""


class Instrument:
    """Observer of a recording.  Override what you need; all default to no-ops."""

    def unit_added(self, unit: Unit) -> None:
        """A unit was declared (before any of its events)."""

    def event_recorded(self, index: int, t: int, unit: int, kind: str, fields: dict) -> None:
        """Event ``index`` was recorded."""

    def recording_closed(self) -> None:
        """No more events will come."""


class InstrumentWarning(RuntimeWarning):
    """An instrument raised and was removed."""


class Recorder:
    """Appends events to a sink and fans them out to instruments."""

    def __init__(self, sink: Sink, instruments: list[Instrument] | None = None) -> None:
        self.sink = sink
        # invariant: every instrument here has not raised yet
        self.instruments: list[Instrument] = list(instruments or ())

    def record(self, t: int, unit: int, kind: str, **fields: Any) -> int:
        """Record one event; returns its index for later ``cause`` references."""
        index = self.sink.append(t, unit, kind, **fields)
        if self.instruments:
            self._notify("event_recorded", index, t, unit, kind, fields)
        return index

    def unit_added(self, unit: Unit) -> None:
        """Tell the instruments about a new unit."""
        self._notify("unit_added", unit)

    def close(self) -> None:
        """Tell the instruments that recording is over."""
        self._notify("recording_closed")

    def _notify(self, hook: str, *args: Any) -> None:
        for inst in list(self.instruments):
            try:
                getattr(inst, hook)(*args)
            except Exception as exc:  # noqa: BLE001 - any fault removes the instrument
                self.instruments.remove(inst)
                warnings.warn(f"instrument {inst!r} raised {exc!r} in {hook}; removed",
                              InstrumentWarning, stacklevel=3)
