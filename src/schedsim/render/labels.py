"""Emit labels that stay legible: staggered rows, truncation, ANSI colours.

Placement works in display pixels: each label starts at its marker and runs
right.  A label takes the lowest row where it does not touch the previous
one; when every row is taken, the label it would run into is shortened to
end before it (with an ellipsis), or hidden if too little room remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.font_manager import FontProperties

ELLIPSIS = "…"
GAP_PX = 8.0
MIN_PX = 24.0  # narrower than this, a label is not worth showing


@dataclass
class Placed:
    """A label's row (0 = nearest the bar), start pixel, and allowed width (0 = hidden)."""

    row: int
    start: float
    width: float


def place(xs: list[float], widths: list[float], rows: int, right: float,
          gap: float = GAP_PX) -> list[Placed]:
    """Choose a row, start and allowed width for labels of markers at ascending ``xs``.

    A label starts at its marker, or further left when it would run past
    ``right`` (the last usable pixel) so it ends there.  It never runs into
    the next label in its row: that one shortens it (or hides it).
    """
    ends = [float("-inf")] * rows
    last: list[int | None] = [None] * rows
    out: list[Placed] = []
    for i, (x, w) in enumerate(zip(xs, widths)):
        start = min(x, right - w)
        free = [k for k in range(rows) if ends[k] + gap <= start]
        if not free and start < x:  # rather keep it at its marker, shortened
            start = x
            free = [k for k in range(rows) if ends[k] + gap <= start]
        row = free[0] if free else min(range(rows), key=lambda k: ends[k])
        prev = last[row]
        if prev is not None and not free:
            out[prev].width = _fit(out[prev].width, start - gap - out[prev].start)
        width = _fit(w, right - start)
        out.append(Placed(row, start, width))
        ends[row], last[row] = start + width, i
    return out


def _fit(width: float, room: float) -> float:
    """``width`` if it fits in ``room``; else ``room`` if worth showing; else 0 (hidden)."""
    if width <= room:
        return width
    return room if room >= MIN_PX else 0.0


def sgr_color(sgr: str, ansi: dict) -> tuple[str | None, bool]:
    """The foreground colour and boldness an SGR parameter string asks for."""
    color, bold = None, False
    for part in sgr.split(";"):
        if not part.isdigit():
            continue
        code = int(part)
        if code == 1:
            bold = True
        elif 30 <= code <= 37:
            color = ansi[code]
        elif 90 <= code <= 97:
            color = ansi[code - 60]
    return color, bold


def segments(label: str, style, ansi: dict) -> list[tuple[str, str | None, bool]]:
    """Split ``label`` into (text, colour, bold) runs from its ``style`` spans."""
    if not style:
        return [(label, None, False)]
    runs, pos = [], 0
    for span in sorted(style, key=lambda s: s.get("start", 0)):
        start, end = max(span.get("start", 0), pos), min(span.get("end", len(label)), len(label))
        if start >= end:
            continue
        if start > pos:
            runs.append((label[pos:start], None, False))
        runs.append((label[start:end], *sgr_color(str(span.get("sgr", "")), ansi)))
        pos = end
    if pos < len(label):
        runs.append((label[pos:], None, False))
    return runs


class Measure:
    """Text widths in display pixels for one renderer and font."""

    def __init__(self, renderer, size: float) -> None:
        self.renderer = renderer
        self.plain = FontProperties(size=size)
        self.bold = FontProperties(size=size, weight="bold")

    def width(self, text: str, bold: bool = False) -> float:
        """Width of ``text`` in pixels."""
        if not text:
            return 0.0
        w, _, _ = self.renderer.get_text_width_height_descent(
            text, self.bold if bold else self.plain, ismath=False)
        return w

    def runs_width(self, runs) -> float:
        """Width of (text, colour, bold) runs laid end to end."""
        return sum(self.width(text, bold) for text, _, bold in runs)

    def fit(self, runs, limit: float):
        """The longest prefix of ``runs`` (ellipsis added if cut) not wider than ``limit``."""
        if self.runs_width(runs) <= limit:
            return runs
        flat = [(ch, color, bold) for text, color, bold in runs for ch in text]
        lo, hi = 0, len(flat)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            trial = _join(flat[:mid]) + [(ELLIPSIS, None, False)]
            lo, hi = (mid, hi) if self.runs_width(trial) <= limit else (lo, mid - 1)
        return _join(flat[:lo]) + [(ELLIPSIS, None, False)] if lo else []


def _join(chars) -> list[tuple[str, str | None, bool]]:
    runs: list[list] = []
    for ch, color, bold in chars:
        if runs and runs[-1][1] == color and runs[-1][2] == bold:
            runs[-1][0] += ch
        else:
            runs.append([ch, color, bold])
    return [tuple(r) for r in runs]
