"""Schema as data, and the one walker that checks a document against it.

A schema is a tree of small descriptions (:class:`Map`, :class:`Seq`,
:class:`Named`, :class:`Either`, scalars...).  :func:`check` walks a loaded
YAML document and the schema together, returning normalised Python values
and raising a located :class:`~schedsim.errors.ScenarioError` (file, line,
field path, what was expected) at the first mismatch — the style of
pre-commit's ``cfgv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import ScenarioError


@dataclass(frozen=True)
class Where:
    """The position being checked: file, field path and source line."""

    file: str
    path: tuple = ()
    line: int | None = None

    def at(self, key, container) -> "Where":
        """The position of ``container[key]``."""
        line = container.line_of(key) if hasattr(container, "line_of") else self.line
        return Where(self.file, self.path + (key,), line or self.line)

    def error(self, message: str) -> ScenarioError:
        """A :class:`ScenarioError` at this position."""
        return ScenarioError(message, file=self.file, line=self.line, path=self.path)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else type(value).__name__


def found(value: Any) -> str:
    """``value`` described for an error message."""
    if isinstance(value, (dict, list)) or value is None:
        return _kind(value)
    return f"{_kind(value)} {value!r}"


# -- scalar descriptions -------------------------------------------------------

@dataclass(frozen=True)
class Scalar:
    """A scalar checked by ``test``; ``expect`` says what is wanted."""

    expect: str
    test: Callable[[Any], bool]
    convert: Callable[[Any], Any] = lambda v: v


def Str() -> Scalar:  # noqa: N802 - schema constructors read like types
    """Any text."""
    return Scalar("text", lambda v: isinstance(v, str))


def Int(lo: int | None = None, hi: int | None = None) -> Scalar:  # noqa: N802
    """A whole number in [lo, hi]."""
    bounds = (f" >= {lo}" if lo is not None and hi is None else
              f" between {lo} and {hi}" if lo is not None else "")
    return Scalar(f"a whole number{bounds}",
                  lambda v: isinstance(v, int) and not isinstance(v, bool)
                  and (lo is None or v >= lo) and (hi is None or v <= hi))


def Num(lo: float = 0.0, *, or_equal: bool = False) -> Scalar:  # noqa: N802
    """A number > lo (>= lo with ``or_equal``)."""
    def ok(v) -> bool:
        return (isinstance(v, (int, float)) and not isinstance(v, bool)
                and (v >= lo if or_equal else v > lo))
    return Scalar(f"a number {'>=' if or_equal else '>'} {lo:g}", ok, float)


def Bool() -> Scalar:  # noqa: N802
    """true or false."""
    return Scalar("true or false", lambda v: isinstance(v, bool))


def Enum(*values: str) -> Scalar:  # noqa: N802
    """One of ``values``."""
    return Scalar("one of: " + ", ".join(values), lambda v: v in values)


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def Name() -> Scalar:  # noqa: N802
    """A name: letters, digits, ``_ . -``, not starting with a digit."""
    return Scalar("a name (letters, digits, _ . -; not starting with a digit)",
                  lambda v: isinstance(v, str) and bool(_NAME.match(v)))


def Value() -> Scalar:  # noqa: N802
    """A plain value: text, number or boolean."""
    return Scalar("a value (text, number or true/false)",
                  lambda v: isinstance(v, (str, int, float, bool)))


_REF = r"\{(?:self|thread|process)\}"
_NAME_REF = re.compile(rf"^(?:[A-Za-z_.\-]|{_REF})(?:[A-Za-z0-9_.\-]|{_REF})*$")


def NameRef() -> Scalar:  # noqa: N802
    """A name that may contain ``{self}``, ``{thread}`` or ``{process}`` (the running
    unit's, its thread's or its process's name), e.g. ``q-{process}``."""
    return Scalar("a name (letters, digits, _ . -; may contain {self}, {thread}, {process})",
                  lambda v: isinstance(v, str) and bool(_NAME_REF.match(v)))


_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "min": 60_000_000_000}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|min)\s*$")


def _duration_ok(v: Any) -> bool:
    return v == 0 or (isinstance(v, str) and _DURATION.match(v) is not None)


def _duration_ns(v: Any) -> int:
    if v == 0:
        return 0
    m = _DURATION.match(v)
    return round(float(m.group(1)) * _UNITS[m.group(2)])


def Duration() -> Scalar:  # noqa: N802
    """A time with a unit: ``1s``, ``10ms``, ``2.5us``, ``100ns``; becomes integer ns."""
    return Scalar("a duration with a unit, like 10ms, 1s, 2.5us or 100ns",
                  _duration_ok, _duration_ns)


def Cost() -> Scalar:  # noqa: N802
    """A cost: a duration with a unit, or a whole number of ns."""
    return Scalar("a duration (like 3us) or a whole number of ns",
                  lambda v: (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
                  or _duration_ok(v),
                  lambda v: v if isinstance(v, int) else _duration_ns(v))


# -- structures ----------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """A key of a :class:`Map`: its schema, whether required, its default."""

    schema: Any
    required: bool = False
    default: Any = None
    doc: str = ""


@dataclass(frozen=True)
class Map:
    """A mapping with fixed keys."""

    fields: dict
    expect: str = "a mapping"


@dataclass(frozen=True)
class Seq:
    """A list of ``item``; a single item is accepted when ``single`` is true."""

    item: Any
    single: bool = False
    min_len: int = 0


@dataclass(frozen=True)
class Named:
    """A mapping from user-chosen names to ``item``."""

    item: Any
    min_len: int = 0
    what: str = "entry"


@dataclass(frozen=True)
class Either:
    """The first alternative whose shape (scalar / list / mapping) fits."""

    alternatives: tuple


@dataclass(frozen=True)
class Custom:
    """A hand-written check ``fn(value, where) -> result`` (used for op lists)."""

    fn: Callable[[Any, Where], Any]
    expect: str = "a value"
    shape: type | None = None   # the YAML shape it accepts (list, dict), None for any


def _shape_fits(schema: Any, value: Any) -> bool:
    if isinstance(schema, (Map, Named)):
        return isinstance(value, dict)
    if isinstance(schema, Seq):
        return isinstance(value, list)
    if isinstance(schema, Scalar):
        return not isinstance(value, (dict, list))
    if isinstance(schema, Custom):
        return schema.shape is None or isinstance(value, schema.shape)
    if isinstance(schema, Either):
        return any(_shape_fits(s, value) for s in schema.alternatives)
    raise TypeError(f"not a schema: {schema!r}")


def expected(schema: Any) -> str:
    """What ``schema`` wants, in words."""
    if isinstance(schema, Scalar):
        return schema.expect
    if isinstance(schema, Map):
        return schema.expect
    if isinstance(schema, Seq):
        return f"a list of {expected(schema.item)}" + (
            f" (or one {expected(schema.item)})" if schema.single else "")
    if isinstance(schema, Named):
        return f"a mapping of names to {expected(schema.item)}"
    if isinstance(schema, Either):
        return " or ".join(expected(s) for s in schema.alternatives)
    return schema.expect


def check(schema: Any, value: Any, where: Where) -> Any:
    """Check ``value`` against ``schema``; return the normalised value."""
    if isinstance(schema, Scalar):
        if isinstance(value, (dict, list)) or not schema.test(value):
            raise where.error(f"expected {schema.expect}, found {found(value)}")
        return schema.convert(value)
    if isinstance(schema, Map):
        return _check_map(schema, value, where)
    if isinstance(schema, Seq):
        return _check_seq(schema, value, where)
    if isinstance(schema, Named):
        return _check_named(schema, value, where)
    if isinstance(schema, Either):
        for alt in schema.alternatives:
            if _shape_fits(alt, value):
                return check(alt, value, where)
        raise where.error(f"expected {expected(schema)}, found {found(value)}")
    if isinstance(schema, Custom):
        return schema.fn(value, where)
    raise TypeError(f"not a schema: {schema!r}")


def _check_map(schema: Map, value: Any, where: Where) -> dict:
    if not isinstance(value, dict):
        raise where.error(f"expected {schema.expect}, found {found(value)}")
    for key in value:
        if key not in schema.fields:
            raise where.at(key, value).error(
                f"unknown key {key!r}; allowed keys: {', '.join(schema.fields)}")
    out = {}
    for key, spec in schema.fields.items():
        if key in value:
            out[key] = check(spec.schema, value[key], where.at(key, value))
        elif spec.required:
            raise where.error(f"missing required key {key!r} ({expected(spec.schema)})")
        else:
            out[key] = spec.default
    return out


def _check_seq(schema: Seq, value: Any, where: Where) -> list:
    if not isinstance(value, list):
        if schema.single and _shape_fits(schema.item, value):
            return [check(schema.item, value, where)]
        raise where.error(f"expected {expected(schema)}, found {found(value)}")
    if len(value) < schema.min_len:
        raise where.error(f"expected at least {schema.min_len} item(s), found {len(value)}")
    return [check(schema.item, item, where.at(i, value)) for i, item in enumerate(value)]


def _check_named(schema: Named, value: Any, where: Where) -> dict:
    if not isinstance(value, dict):
        raise where.error(f"expected {expected(schema)}, found {found(value)}")
    if len(value) < schema.min_len:
        raise where.error(f"expected at least {schema.min_len} {schema.what}(s)")
    name = Name()
    out = {}
    for key, item in value.items():
        inner = where.at(key, value)
        if not name.test(key):
            raise inner.error(f"{schema.what} name {key!r} is not {name.expect}")
        out[key] = check(schema.item, item, inner)
    return out
