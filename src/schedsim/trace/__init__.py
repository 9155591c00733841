"""The trace contract (``schedsim.trace/1``): what every layer speaks.

* :mod:`.events` — the vocabulary (unit kinds, event kinds, fields);
* :mod:`.store` — :class:`Trace`, a header, units and columnar events;
* :mod:`.jsonl` — the native JSON Lines file format, atomic and streaming;
* :mod:`.hooks` — :class:`Recorder` and :class:`Instrument`, how producers record;
* :mod:`.states` — state intervals and cause links derived from events;
* :mod:`.perfetto` — export to Chrome Trace Event JSON for ui.perfetto.dev.
"""

from .events import KINDS, SCHEMA, UNIT_KINDS, Event, Unit
from .hooks import Instrument, Recorder
from .jsonl import TraceWriter, load, save
from .states import STATES, Interval, Link, cpu_states, links, unit_states
from .store import Header, Trace

__all__ = ["KINDS", "SCHEMA", "UNIT_KINDS", "Event", "Unit", "Instrument", "Recorder",
           "TraceWriter", "load", "save", "STATES", "Interval", "Link", "cpu_states",
           "links", "unit_states", "Header", "Trace"]
