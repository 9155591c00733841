"""The in-memory trace: a header and events stored as columns.

A trace can hold millions of events, so events are not kept as objects:
each field is an :mod:`array` column (strings interned into a per-trace
table) and :class:`~schedsim.trace.events.Event` tuples are made only when a
reader asks.  53 bytes per event.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

from . import columns
from .events import INT_FIELDS, KIND_CODE, KINDS, SOURCES, STR_FIELDS, UNIT_KINDS, Event, Unit

_NONE = -1  # "field not set" in integer columns


class _StringTable(dict):
    """text -> code in ``strings`` (the interned string table); None is 0, unset.

    Unseen texts are added on lookup, so ``map(table.__getitem__, texts)``
    interns a whole column at C speed.
    """

    def __init__(self, strings: list) -> None:
        super().__init__({None: 0})
        self.strings = strings

    def __missing__(self, text: str) -> int:
        code = self[text] = len(self.strings)
        self.strings.append(text)
        return code


@dataclass
class Header:
    """Everything in a trace file's first line except the schema tag.

    ``producer`` says what made the trace (a scenario path and hash, or a
    program and argv); ``machine`` the CPUs, policy and costs (sim) or what
    was observed of the machine (real); ``time_scale`` the factor applied to
    the program's sleeps in a real run (1.0 for simulations); ``start_wall``
    the wall-clock start (None in simulations, which must be byte-identical).
    """

    source: str
    producer: dict = field(default_factory=dict)
    machine: dict = field(default_factory=dict)
    seed: int | None = None
    time_scale: float = 1.0
    start_wall: str | None = None
    version: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {self.source!r}")


class Trace:
    """A header, its units, and its events in time order (stable for equal times)."""

    def __init__(self, header: Header, units: Iterable[Unit] = ()) -> None:
        self.header = header
        # invariant: units[i].id == i, so a unit id indexes this list
        self.units: list[Unit] = []
        for unit in units:
            self.add_unit(unit)
        self._t = array("q")
        self._unit = array("i")
        self._kind = array("B")
        # integer fields; -1 means unset (no valid value is negative)
        self._ints = {"cpu": array("i"), "cause": array("q"), "cost": array("q"), "peer": array("i")}
        # string fields as indices into self._strings; 0 means unset
        self._strs = {name: array("i") for name in STR_FIELDS}
        self._strings: list[str | None] = [None]
        self._string_ids = _StringTable(self._strings)
        # the same columns as attributes: the hot append path avoids dict lookups
        self._cpu, self._cause, self._cost, self._peer = (
            self._ints[k] for k in INT_FIELDS)
        self._label, self._reason, self._level, self._obj = (
            self._strs[k] for k in STR_FIELDS)
        # rare, arbitrary JSON values, keyed by event index
        self._values: dict[int, Any] = {}
        self._styles: dict[int, Any] = {}

    # -- units -------------------------------------------------------------
    def add_unit(self, unit: Unit) -> Unit:
        """Append ``unit``; its id must equal the number of units before it."""
        if unit.id != len(self.units):
            raise ValueError(f"unit ids must be 0..n-1 in order: got {unit.id}, "
                             f"expected {len(self.units)}")
        if unit.kind not in UNIT_KINDS:
            raise ValueError(f"unit kind must be one of {UNIT_KINDS}, not {unit.kind!r}")
        if unit.parent is not None and not 0 <= unit.parent < len(self.units):
            raise ValueError(f"unit {unit.id}: parent {unit.parent} is not an earlier unit")
        self.units.append(unit)
        return unit

    def new_unit(self, kind: str, name: str, parent: int | None = None, **kw) -> Unit:
        """Create, add and return a unit with the next free id."""
        return self.add_unit(Unit(len(self.units), kind, name, parent, **kw))

    # -- events ------------------------------------------------------------
    def _intern(self, text: str | None) -> int:
        return self._string_ids[text]

    def append(self, t: int, unit: int, kind: str, *, cpu: int | None = None,
               cause: int | None = None, cost: int | None = None, peer: int | None = None,
               label: str | None = None, reason: str | None = None, level: str | None = None,
               obj: str | None = None, value: Any = None, style: Any = None) -> int:
        """Record one event and return its index (what ``cause`` fields refer to)."""
        tcol = self._t
        index = len(tcol)
        if index and t < tcol[-1]:
            raise ValueError(f"event {index} at t={t} is earlier than the previous one "
                             f"(t={tcol[-1]}): events must be appended in time order")
        if not 0 <= unit < len(self.units):
            raise ValueError(f"event {index}: unknown unit {unit}")
        tcol.append(t)
        self._unit.append(unit)
        self._kind.append(KIND_CODE[kind])
        self._cpu.append(_NONE if cpu is None else cpu)
        self._cause.append(_NONE if cause is None else cause)
        self._cost.append(_NONE if cost is None else cost)
        self._peer.append(_NONE if peer is None else peer)
        intern = self._intern
        self._label.append(0 if label is None else intern(label))
        self._reason.append(0 if reason is None else intern(reason))
        self._level.append(0 if level is None else intern(level))
        self._obj.append(0 if obj is None else intern(obj))
        if value is not None:
            self._values[index] = value
        if style is not None:
            self._styles[index] = style
        return index

    def extend(self, events: Iterable[tuple]) -> None:
        """Append many events at once, as :meth:`append` would one by one, but much faster.

        Each event is an :class:`Event` or a plain tuple of the same 13
        fields in the same order (``None`` where unset).  The same checks
        apply (time order, known units), and kinds must be known; on a
        failed check (ValueError) no event is appended.
        """
        rows = events if isinstance(events, list) else list(events)
        if not rows:
            return
        base = len(self._t)
        *data, values, styles = columns.rows_to_columns(
            rows, KIND_CODE, self._string_ids, self._t[-1] if base else None,
            len(self.units), base)
        for column, chunk in zip(self._columns(), data):
            column.frombytes(chunk)
        self._values.update(values)
        self._styles.update(styles)

    def _columns(self) -> tuple[array, ...]:
        """The event columns in :data:`columns.TYPECODES` order."""
        return (self._t, self._unit, self._kind, self._cpu, self._cause, self._cost, self._peer,
                self._label, self._reason, self._level, self._obj)

    def __len__(self) -> int:
        return len(self._t)

    def __getitem__(self, index: int) -> Event:
        if index < 0:
            index += len(self._t)
        ints, strs, strings = self._ints, self._strs, self._strings

        def opt(col):
            v = col[index]
            return None if v == _NONE else v

        return Event(self._t[index], self._unit[index], KINDS[self._kind[index]],
                     opt(ints["cpu"]), opt(ints["cause"]), opt(ints["cost"]), opt(ints["peer"]),
                     strings[strs["label"][index]], strings[strs["reason"][index]],
                     strings[strs["level"][index]], strings[strs["obj"][index]],
                     self._values.get(index), self._styles.get(index))

    def __iter__(self) -> Iterator[Event]:
        return (self[i] for i in range(len(self._t)))

    def json_lines(self, encode: Callable[[Any], str]) -> Iterator[str]:
        """Each event as one JSON object (no newline), keys in file order.

        ``encode`` turns a JSON value into text.  See :meth:`json_text`.
        """
        for text in self.json_text(encode):
            yield from text[:-1].split("\n")

    def json_text(self, encode: Callable[[Any], str], size: int = 1 << 15) -> Iterator[str]:
        """The events as JSON Lines text (each line ends in a newline), ``size`` events a piece.

        Keys are in file order (t, unit, kind, then the set optional fields
        in :data:`~schedsim.trace.events.FIELDS` order).  Each distinct
        string is encoded once and the lines are made column by column
        (:func:`.columns.json_text`), many times faster than encoding
        :class:`Event` tuples one by one.
        """
        kinds = [f',"kind":"{k}"' for k in KINDS]
        coded = [encode(s) for s in self._strings[1:]]
        strs = [["", *(f',"{n}":{c}' for c in coded)] for n in STR_FIELDS]
        extras = list(heapq.merge(
            ((i, ',"value":' + encode(v)) for i, v in sorted(self._values.items())),
            ((i, ',"style":' + encode(v)) for i, v in sorted(self._styles.items())),
            key=itemgetter(0)))
        at = [i for i, _ in extras]
        cols = self._columns()
        for a in range(0, len(self._t), size):
            b = min(a + size, len(self._t))
            mine = extras[bisect_left(at, a):bisect_left(at, b)]
            yield columns.json_text(cols, a, b, kinds, strs, mine)

    # -- fast column access for analyses ------------------------------------
    def times(self) -> array:
        """The ``t`` column (read-only by convention)."""
        return self._t

    def causes(self) -> array:
        """The ``cause`` column: an event index, or -1 where unset."""
        return self._ints["cause"]

    def indices(self, kind: str, unit: int | None = None) -> list[int]:
        """Indices of events of ``kind`` (optionally of one ``unit``), in order."""
        code = KIND_CODE[kind]
        kinds, units = self._kind, self._unit
        if unit is None:
            return [i for i, k in enumerate(kinds) if k == code]
        return [i for i, k in enumerate(kinds) if k == code and units[i] == unit]

    def select(self, kind: str, unit: int | None = None) -> list[Event]:
        """Events of ``kind`` (optionally of one ``unit``), in order."""
        return [self[i] for i in self.indices(kind, unit)]

    @property
    def duration(self) -> int:
        """Time of the last event (traces start at 0), 0 when empty."""
        return self._t[-1] if self._t else 0

    def unit_by_name(self, name: str) -> Unit:
        """The first unit called ``name``; KeyError when there is none."""
        for unit in self.units:
            if unit.name == name:
                return unit
        raise KeyError(name)

    def process_of(self, unit: Unit) -> Unit | None:
        """The process ``unit`` belongs to (itself for a process), None if it has none."""
        seen = unit
        while seen is not None and seen.kind != "process":
            seen = self.units[seen.parent] if seen.parent is not None else None
        return seen

    def short_names(self) -> list[str]:
        """Per unit id, its name, prefixed by its process's (``c1/main``) where a
        thread or coroutine name occurs more than once."""
        counts: dict[str, int] = {}
        for unit in self.units:
            if unit.kind != "process":
                counts[unit.name] = counts.get(unit.name, 0) + 1
        out = []
        for unit in self.units:
            proc = self.process_of(unit)
            ambiguous = counts.get(unit.name, 0) > 1 and proc is not None and proc.id != unit.id
            out.append(f"{proc.name}/{unit.name}" if ambiguous else unit.name)
        return out

    def children(self, unit_id: int | None) -> list[Unit]:
        """Units whose parent is ``unit_id``."""
        return [u for u in self.units if u.parent == unit_id]

    def nbytes(self) -> int:
        """Approximate memory held by the event columns, in bytes."""
        cols = [self._t, self._unit, self._kind, *self._ints.values(), *self._strs.values()]
        return sum(c.itemsize * len(c) for c in cols)

