"""Plain-text helpers for terminal reports: durations and aligned tables.

Widths count East Asian wide characters as two columns, so tables of
Chinese labels line up in a terminal.
"""

from __future__ import annotations

import math
import unicodedata


def duration(ns: float, signed: bool = False) -> str:
    """A duration in ns as a short human string: ``13 ns``, ``1.20 µs``, ``12.1 ms``, ``5.061 s``."""
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "n/a"
    if isinstance(ns, float) and math.isinf(ns):
        return "inf"
    sign = ("+" if ns > 0 else "-" if ns < 0 else "±") if signed else ("-" if ns < 0 else "")
    a = abs(ns)
    if a < 1e3:
        text = f"{a:.0f} ns"
    elif a < 1e6:
        text = f"{a / 1e3:.3g} µs"
    elif a < 1e9:
        text = f"{a / 1e6:.3g} ms"
    else:
        text = f"{a / 1e9:.3f} s"
    return sign + text


def percent(x: float) -> str:
    """A signed fraction as a percentage, ``+1.2 %``."""
    if math.isinf(x) or math.isnan(x):
        return "n/a"
    return f"{x * 100:+.1f} %"


def width(text: str) -> int:
    """Terminal columns taken by ``text`` (wide CJK characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``cols`` terminal columns."""
    fill = " " * max(0, cols - width(text))
    return fill + text if right else text + fill


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset(),
          indent: str = "  ") -> str:
    """An aligned plain-text table; column indices in ``right`` are right-aligned."""
    cols = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return indent + "  ".join(pad(c, cols[i], i in right) for i, c in enumerate(cells)).rstrip()

    rule = indent + "  ".join("-" * c for c in cols)
    return "\n".join([line(headers), rule] + [line(r) for r in rows])


def short(label: str, limit: int = 40) -> str:
    """``label`` cut to ``limit`` columns with an ellipsis."""
    if width(label) <= limit:
        return label
    out = ""
    for c in label:
        if width(out + c) > limit - 1:
            break
        out += c
    return out + "…"
