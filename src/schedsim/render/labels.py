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
    ``right`` (the last usable pixel) so it ends there, as far left as the
    labels before it allow (it is shortened if that is not enough).  No label
    runs into the next one in its row: the earlier one is shortened (or hidden).
    """
    ends = [float("-inf")] * rows
    last: list[int | None] = [None] * rows
    out: list[Placed] = []
    for i, (x, w) in enumerate(zip(xs, widths)):
        start = min(x, right - w)
        free = [k for k in range(rows) if ends[k] + gap <= start]
        row = free[0] if free else min(range(rows), key=lambda k: ends[k])
        if not free and ends[row] + gap <= x:  # slide right instead of cutting the last one
            start, free = ends[row] + gap, [row]
        prev = last[row]
        if prev is not None and not free:
            start = max(start, out[prev].start)  # never reach back past the label it cuts
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


def _xterm256(n: int, ansi: dict) -> str:
    """Colour ``n`` of the xterm 256-colour palette (the 16 basic ones from the theme)."""
    if n < 16:
        return ansi[30 + n % 8]
    if n < 232:
        r, g, b = ((n - 16) // 36, (n - 16) // 6 % 6, (n - 16) % 6)
        return "#" + "".join(f"{0 if c == 0 else 55 + 40 * c:02x}" for c in (r, g, b))
    level = 8 + 10 * (n - 232)
    return f"#{level:02x}{level:02x}{level:02x}"


def sgr_color(sgr: str, ansi: dict) -> tuple[str | None, bool]:
    """The foreground colour and boldness an SGR parameter string asks for.

    Handles the 8/16 basic colours (themed), ``38;5;n`` and ``38;2;r;g;b``,
    bold (1) and the resets (0, 22, 39).
    """
    codes = [int(p) for p in sgr.split(";") if p.isdigit()]
    color, bold, k = None, False, 0
    while k < len(codes):
        code = codes[k]
        if code == 38 and codes[k + 1:k + 2] == [5] and k + 2 < len(codes):
            color, k = _xterm256(codes[k + 2] % 256, ansi), k + 2
        elif code == 38 and codes[k + 1:k + 2] == [2] and k + 4 < len(codes):
            color = "#" + "".join(f"{min(c, 255):02x}" for c in codes[k + 2:k + 5])
            k += 4
        elif 30 <= code <= 37 or 90 <= code <= 97:
            color = ansi[code if code < 90 else code - 60]
        elif code in (0, 39):
            color, bold = (None, False) if code == 0 else (None, bold)
        elif code in (1, 22):
            bold = code == 1
        k += 1
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
