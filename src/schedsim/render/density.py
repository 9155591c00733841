"""Keeping dense marks honest: a hairline per short burst of slivers (none in
a texture of them), arrows thinned where they would paint a solid block."""

from __future__ import annotations

#: slivers closer than this (px) form one burst; a burst wider than it, a texture
HAIRLINE_GAP_PX = 6.0
#: in bulk, arrows between the same two lanes are kept at least this far apart (px)
ARROW_GAP_PX = 8.0


def bursts(xs: list[float], gap: float = HAIRLINE_GAP_PX,
           span: float = HAIRLINE_GAP_PX) -> list[int]:
    """Indices of the first of each short burst among ascending pixel positions.

    Positions closer than ``gap`` form a burst; a burst no wider than
    ``span`` (a few switches in a row) gets one hairline, a wider one is a
    texture and gets none.
    """
    out, first = [], 0
    for k in range(1, len(xs) + 1):
        if k == len(xs) or xs[k] - xs[k - 1] >= gap:
            if xs[k - 1] - xs[first] <= span:
                out.append(first)
            first = k
    return out


def thinned(xs: list[float], gap: float = ARROW_GAP_PX) -> list[bool]:
    """For ascending pixel positions, keep one, then the next at least ``gap`` further on."""
    out, last = [], float("-inf")
    for x in xs:
        keep = x - last >= gap
        out.append(keep)
        if keep:
            last = x
    return out
