"""Model time on the x axis: unit choice, windows, and time strings like ``1.5s``."""

from __future__ import annotations

import re

from ..errors import RenderError
from ..trace import Trace

#: (name, ns per unit), largest first
UNITS = (("s", 1e9), ("ms", 1e6), ("µs", 1e3), ("ns", 1.0))
_SUFFIX = {"s": 1e9, "ms": 1e6, "us": 1e3, "µs": 1e3, "ns": 1.0}
_NUMBER = re.compile(r"^\s*[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?\s*$")
_TIME = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|ms|us|µs|ns)\s*$")


def model_ns(trace: Trace, t: float) -> float:
    """Trace time ``t`` (ns) as model time: real runs are divided by their time scale."""
    return t / trace.header.time_scale


def pick_unit(span_ns: float) -> tuple[str, float]:
    """The largest unit in which ``span_ns`` is at least 2: (name, ns per unit)."""
    for name, factor in UNITS:
        if span_ns >= 2 * factor:
            return name, factor
    return UNITS[-1]


def parse_time(value: str | int | float) -> float:
    """A time in ns from seconds (a number, or a string without unit) or a string
    with a unit (``1.5s``, ``20ms``, ``3us``, ``100ns``)."""
    if isinstance(value, str) and _NUMBER.match(value):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise RenderError(f"a time must not be negative, got {value!r}")
        return float(value) * 1e9
    match = _TIME.match(str(value))
    if not match:
        raise RenderError(f"cannot read the time {value!r}; expected seconds or a number "
                          "with a unit such as 1.5s, 200ms, 30us or 100ns")
    return float(match.group(1)) * _SUFFIX[match.group(2)]


def parse_window(window) -> tuple[float, float] | None:
    """``(start, end)`` in model ns from a pair of times or a ``"1s:2.5s"`` string.

    Numbers are seconds of model time: ``(1, 2.5)`` is the same as ``"1s:2.5s"``.
    """
    if window is None:
        return None
    if isinstance(window, str):
        if ":" not in window:
            raise RenderError(f"a window is START:END (e.g. 1s:2.5s), got {window!r}")
        window = window.split(":", 1)
    try:
        start, end = window
    except (TypeError, ValueError):
        raise RenderError(f"a window is a (start, end) pair, got {window!r}") from None
    start, end = parse_time(start), parse_time(end)
    if end <= start:
        raise RenderError(f"window end must come after its start, got {window!r}")
    return start, end
