"""The native file format: JSON Lines, one header line, then one event per line.

Writing is deterministic (fixed key order, no floats from clocks in sim
traces) so the same simulation gives the same bytes; it is atomic, so a
crash never leaves half a trace where a whole one was.  :class:`TraceWriter`
streams events to disk for runs too large to hold in memory.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from ..errors import TraceFormatError
from ..fsutil import atomic_write
from .events import FIELDS, INT_FIELDS, KIND_CODE, SCHEMA, STR_FIELDS, UNIT_KINDS, Event, Unit
from .store import Header, Trace

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def header_json(header: Header, units: Iterable[Unit]) -> dict:
    """The first line of a trace file, as a dict in file key order."""
    out: dict[str, Any] = {"schema": SCHEMA, "source": header.source,
                           "producer": header.producer, "version": header.version,
                           "clock": "ns", "time_scale": header.time_scale}
    if header.seed is not None:
        out["seed"] = header.seed
    if header.start_wall is not None:
        out["start_wall"] = header.start_wall
    out["machine"] = header.machine
    if header.meta:
        out["meta"] = header.meta
    out["units"] = [u.to_json() for u in units]
    return out


def event_json(event: Event) -> str:
    """One event line (without newline)."""
    head = f'{{"t":{event.t},"unit":{event.unit},"kind":"{event.kind}"'
    extra = event.fields()
    return head + ("," + _dumps(extra)[1:] if extra else "}")


def dump(trace: Trace, fh) -> None:
    """Write ``trace`` to an open text file."""
    fh.write(_dumps(header_json(trace.header, trace.units)) + "\n")
    for text in trace.json_text(_dumps):
        fh.write(text)


def save(trace: Trace, path: str | os.PathLike) -> None:
    """Write ``trace`` to ``path`` atomically."""
    with atomic_write(path) as fh:
        dump(trace, fh)


class TraceWriter:
    """Streams a trace to ``path`` without holding its events.

    Units must be known before the first event.  Events go to a temporary
    file that replaces ``path`` on :meth:`close`; on :meth:`abort` (or an
    exception inside ``with``) ``path`` is left as it was.
    """

    def __init__(self, path: str | os.PathLike, header: Header, units: Iterable[Unit]) -> None:
        self.units = list(units)
        self._ctx = atomic_write(path)
        self._fh = self._ctx.__enter__()
        self._fh.write(_dumps(header_json(header, self.units)) + "\n")
        self._count = 0
        self._last_t = 0

    def append(self, t: int, unit: int, kind: str, **fields) -> int:
        """Write one event; returns its index, like :meth:`Trace.append`."""
        if t < self._last_t:
            raise ValueError(f"event {self._count} at t={t} is earlier than t={self._last_t}")
        self._last_t = t
        self._fh.write(event_json(Event(t, unit, kind, **fields)) + "\n")
        self._count += 1
        return self._count - 1

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._fh is not None:
            self._fh = None
            self._ctx.__exit__(None, None, None)

    def abort(self, exc: BaseException | None = None) -> None:
        """Drop the partial file; ``path`` keeps its old contents."""
        if self._fh is not None:
            self._fh = None
            exc = exc or RuntimeError("trace writing aborted")
            try:
                self._ctx.__exit__(type(exc), exc, None)
            except BaseException as raised:  # the context re-raises what it was given
                if raised is not exc:
                    raise

    def __enter__(self) -> "TraceWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.abort(exc)


# -- reading -------------------------------------------------------------------

def _fail(msg: str, file: str, line: int) -> TraceFormatError:
    return TraceFormatError(msg, file=file, line=line)


def _parse_header(obj: Any, file: str) -> tuple[Header, list[Unit]]:
    if not isinstance(obj, dict):
        raise _fail("the first line must be a header object", file, 1)
    schema = obj.get("schema")
    if schema != SCHEMA:
        if isinstance(schema, str) and schema.startswith("schedsim.trace/"):
            raise _fail(f"trace schema {schema!r} is not supported; this schedsim reads {SCHEMA!r}",
                        file, 1)
        raise _fail(f"not a schedsim trace: header 'schema' must be {SCHEMA!r}, "
                    f"found {schema!r}", file, 1)
    source = obj.get("source")
    if source not in ("sim", "real"):
        raise _fail(f"header 'source' must be 'sim' or 'real', found {source!r}", file, 1)
    units_json = obj.get("units")
    if not isinstance(units_json, list):
        raise _fail("header 'units' must be a list", file, 1)
    units = []
    for i, u in enumerate(units_json):
        if not (isinstance(u, dict) and u.get("id") == i and u.get("kind") in UNIT_KINDS
                and isinstance(u.get("name"), str)
                and (u.get("parent") is None or (isinstance(u.get("parent"), int)
                                                 and 0 <= u["parent"] < i))):
            raise _fail(f"header units[{i}] must be {{id: {i}, kind: one of {list(UNIT_KINDS)}, "
                        f"name: text, parent: an earlier unit id or null}}, found {u!r}", file, 1)
        units.append(Unit(i, u["kind"], u["name"], u.get("parent"), u.get("pid"), u.get("tid"),
                          u.get("attrs") or {}))
    scale = obj.get("time_scale", 1.0)
    if not isinstance(scale, (int, float)) or scale <= 0:
        raise _fail(f"header 'time_scale' must be a positive number, found {scale!r}", file, 1)
    header = Header(source=source, producer=obj.get("producer") or {},
                    machine=obj.get("machine") or {}, seed=obj.get("seed"),
                    time_scale=float(scale), start_wall=obj.get("start_wall"),
                    version=obj.get("version", ""), meta=obj.get("meta") or {})
    return header, units


def _parse_event(obj: Any, trace: Trace, file: str, line: int) -> None:
    if not isinstance(obj, dict):
        raise _fail("an event line must be a JSON object", file, line)
    t, unit, kind = obj.get("t"), obj.get("unit"), obj.get("kind")
    if not isinstance(t, int) or isinstance(t, bool) or t < 0:
        raise _fail(f"field 't' must be a non-negative integer (ns), found {t!r}", file, line)
    if not isinstance(unit, int) or not 0 <= unit < len(trace.units):
        raise _fail(f"field 'unit' must be a unit id 0..{len(trace.units) - 1}, found {unit!r}",
                    file, line)
    if kind not in KIND_CODE:
        raise _fail(f"field 'kind' must be one of {sorted(KIND_CODE)}, found {kind!r}", file, line)
    fields = {}
    for name, val in obj.items():
        if name in ("t", "unit", "kind"):
            continue
        if name not in FIELDS:
            raise _fail(f"unknown field {name!r}; expected one of {list(FIELDS)}", file, line)
        if name in INT_FIELDS and (not isinstance(val, int) or isinstance(val, bool) or val < 0):
            raise _fail(f"field {name!r} must be a non-negative integer, found {val!r}", file, line)
        if name in STR_FIELDS and not isinstance(val, str):
            raise _fail(f"field {name!r} must be a string, found {val!r}", file, line)
        fields[name] = val
    cause = fields.get("cause")
    if cause is not None and cause >= len(trace):
        raise _fail(f"field 'cause' must refer to an earlier event, found {cause}", file, line)
    if trace.times() and t < trace.times()[-1]:
        raise _fail(f"events must be in time order: t={t} comes after t={trace.times()[-1]}",
                    file, line)
    trace.append(t, unit, kind, **fields)


def load(path: str | os.PathLike) -> Trace:
    """Read a trace file; any defect raises :class:`TraceFormatError` naming file and line."""
    file = os.fspath(path)
    try:
        fh = open(file, encoding="utf-8")
    except OSError as exc:
        raise TraceFormatError(f"cannot open trace: {exc.strerror}", file=file) from None
    trace = None
    with fh:
        try:
            for lineno, text in enumerate(fh, 1):
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise _fail(f"not valid JSON ({exc.msg} at column {exc.colno})",
                                file, lineno) from None
                if trace is None:
                    if lineno != 1:
                        raise _fail("the header must be the first line", file, lineno)
                    trace = Trace(*_parse_header(obj, file))
                else:
                    _parse_event(obj, trace, file, lineno)
        except UnicodeDecodeError as exc:
            raise TraceFormatError(f"not UTF-8 text ({exc.reason})", file=file) from None
    if trace is None:
        raise TraceFormatError("empty file: a trace starts with a header line", file=file)
    return trace
