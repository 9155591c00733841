"""Keeping dense marks honest: hairlines only where a sliver stands alone,
arrows thinned where they would paint a solid block."""

from __future__ import annotations

#: a sliver closer than this (px) to another is drawn at its true width only
HAIRLINE_GAP_PX = 6.0
#: in bulk, arrows between the same two lanes are kept at least this far apart (px)
ARROW_GAP_PX = 8.0


def isolated(xs: list[float], gap: float = HAIRLINE_GAP_PX) -> list[bool]:
    """For ascending pixel positions, whether each is at least ``gap`` from both neighbours."""
    out = []
    for k, x in enumerate(xs):
        left = k == 0 or x - xs[k - 1] >= gap
        right = k == len(xs) - 1 or xs[k + 1] - x >= gap
        out.append(left and right)
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
