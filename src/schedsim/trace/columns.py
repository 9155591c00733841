"""Bulk column work behind :meth:`Trace.extend` and :meth:`Trace.json_text`.

Two functions, each in pure Python here and in C in
``schedsim.trace._columns`` (``columns.c`` beside this file, an optional
extension built by ``setup.py``) when that extension is built; :data:`compiled` is the C module or None, and the public names
dispatch to it.  Both give the same results (the tests check one against
the other):

* :func:`rows_to_columns` turns event rows (13-tuples in
  :class:`~schedsim.trace.events.Event` field order) into column bytes,
  checking time order, unit ids and kinds, interning strings;
* :func:`json_text` writes events ``a..b-1`` of the columns as JSON Lines.

The C version is about twenty times faster; the Python one does its work
column by column with ``map`` so it is still several times faster than
one event at a time.
"""

from __future__ import annotations

from array import array
from itertools import islice, repeat
from operator import le
from typing import Any

try:
    from . import _columns as compiled
except ImportError:  # not built: the pure-Python versions below are used
    compiled = None

#: typecodes of the columns (t, unit, kind, cpu, cause, cost, peer, label, reason, level, obj)
TYPECODES = ("q", "i", "B", "i", "q", "q", "i", "i", "i", "i", "i")
#: how many fields an event row has
ROW = 13

_UNSET = {None: -1}   # .get(v, v): an int field with None as -1
_SMALL = 1024         # int columns below this are written through a lookup table
_INT_KEYS = (',"cpu":', ',"cause":', ',"cost":', ',"peer":')


def rows_to_columns(rows: list[tuple], kind_code: dict, string_ids, last_t: int | None,
                    n_units: int, base: int) -> tuple:
    """Column bytes for ``rows`` (see ``columns.c``), plus ``[(index, value)]``, ``[(index, style)]``.

    Raises ValueError (nothing returned) when a row has the wrong length,
    is earlier than the one before it (or than ``last_t``), names a unit
    outside ``0..n_units-1`` or an unknown kind.  ``string_ids[text]``
    interns a string (its ``__missing__`` adds new ones).
    """
    impl = compiled.rows_to_columns if compiled is not None else py_rows_to_columns
    return impl(rows, kind_code, string_ids, last_t, n_units, base)


def json_text(columns: tuple, a: int, b: int, kind_texts: list[str], str_texts: list[list[str]],
              extras: list[tuple[int, str]]) -> str:
    """JSON Lines of events ``a..b-1`` (see ``columns.c`` for the arguments)."""
    impl = compiled.json_text if compiled is not None else py_json_text
    return impl(columns, a, b, kind_texts, str_texts, extras)


# -- pure Python ----------------------------------------------------------------------------

def py_rows_to_columns(rows: list[tuple], kind_code: dict, string_ids, last_t: int | None,
                       n_units: int, base: int) -> tuple:
    """:func:`rows_to_columns` in Python."""
    if not rows:
        return tuple(b"" for _ in TYPECODES) + ([], [])
    if set(map(len, rows)) != {ROW}:
        bad = next(i for i, row in enumerate(rows) if len(row) != ROW)
        raise ValueError(f"event {base + bad}: expected 13 fields (t, unit, kind, cpu, cause, "
                         f"cost, peer, label, reason, level, obj, value, style), "
                         f"got {len(rows[bad])}")
    t, unit, kind, *ints = zip(*rows)
    ints, strs, (values, styles) = ints[:4], ints[4:8], ints[8:]
    cols = [_times(t, last_t, base), _units(unit, n_units, base), _kinds(kind, kind_code)]
    cols += [array(code, map(_UNSET.get, col, col)) for code, col in zip(TYPECODES[3:7], ints)]
    cols += [array("i", map(string_ids.__getitem__, col)) for col in strs]
    return (*(c.tobytes() for c in cols), _sparse(values, base), _sparse(styles, base))


def _times(t: tuple, last_t: int | None, base: int) -> array:
    col = array("q", t)
    prev = col[0] if last_t is None else last_t
    if col[0] < prev or not all(map(le, col, islice(col, 1, None))):
        i = next(i for i, v in enumerate(col) if v < (col[i - 1] if i else prev))
        raise ValueError(f"event {base + i} at t={col[i]} is earlier than the previous one "
                         f"(t={col[i - 1] if i else prev}): events must be appended in time order")
    return col


def _units(unit: tuple, n_units: int, base: int) -> array:
    if None in unit or min(unit) < 0 or max(unit) >= n_units:
        i = next(i for i, u in enumerate(unit) if u is None or not 0 <= u < n_units)
        raise ValueError(f"event {base + i}: unknown unit {unit[i]!r}")
    return array("i", unit)


def _kinds(kind: tuple, kind_code: dict) -> array:
    try:
        return array("B", map(kind_code.__getitem__, kind))
    except KeyError as exc:
        raise ValueError(f"unknown event kind {exc.args[0]!r}") from None


def _sparse(values: tuple, base: int) -> list[tuple[int, Any]]:
    if values.count(None) == len(values):
        return []
    return [(base + i, v) for i, v in enumerate(values) if v is not None]


def py_json_text(columns: tuple, a: int, b: int, kind_texts: list[str],
                 str_texts: list[list[str]], extras: list[tuple[int, str]]) -> str:
    """:func:`json_text` in Python: each column is turned into texts with ``map``, then joined."""
    t, unit, kind, *rest = (col[a:b] for col in columns)
    parts = [map('{"t":%d'.__mod__, t), _int_texts(',"unit":', unit),
             map(kind_texts.__getitem__, kind)]
    parts += [_int_texts(key, col) for key, col in zip(_INT_KEYS, rest[:4])]
    parts += [map(texts.__getitem__, col) if any(col) else None
              for texts, col in zip(str_texts, rest[4:])]
    if extras:
        texts = [""] * (b - a)
        for i, text in extras:
            texts[i - a] += text
        parts.append(texts)
    parts.append(repeat("}\n", b - a))
    return "".join(map("".join, zip(*(p for p in parts if p is not None))))


def _int_texts(key: str, col: array):
    """``key`` + number for each value >= 0 of an integer column, "" for the others."""
    if col.count(-1) == len(col):
        return None
    top = max(col)
    if min(col) < -1:
        return [f"{key}{v}" if v >= 0 else "" for v in col]
    if top < _SMALL:  # a table indexed by value; its last entry ("") serves -1
        return map([*(f"{key}{v}" for v in range(top + 1)), ""].__getitem__, col)
    return map({-1: ""}.get, col, map((key + "%d").__mod__, col))
