"""Themes, page sizes and the matplotlib settings every diagram shares.

The state palette is fixed (the same colour means the same state on every
diagram and in both themes' legends); the themes only change the page,
text and annotation colours and lighten the palette where a dark page
needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import RenderError

#: page sizes in inches, both 7.5 in high like a slide
ASPECTS = {"16:9": (40 / 3, 7.5), "4:3": (10.0, 7.5)}

#: base font size in points: reads on a projector at full-slide size
FONT_SIZE = 14

#: the dots per inch of PNG output (13.33 in × 150 = 2000 px wide)
PNG_DPI = 150


@dataclass(frozen=True)
class Theme:
    """Colours of one look; ``states`` maps every drawable state to a colour."""

    name: str
    page: str
    ink: str
    faint: str
    shade: str
    states: dict = field(default_factory=dict)
    send: str = "#1f4e99"
    wake: str = "#d9730d"
    emit: str = "#222222"
    match: str = "#6b6b6b"
    divergent: str = "#d62728"
    on_bar: str = "#ffffff"
    ansi: dict = field(default_factory=dict)


_ANSI_LIGHT = {30: "#000000", 31: "#c62828", 32: "#2e7d32", 33: "#b58900", 34: "#1565c0",
               35: "#8e24aa", 36: "#00838f", 37: "#616161"}
_ANSI_DARK = {30: "#9e9e9e", 31: "#ff6b6b", 32: "#6fdc6f", 33: "#ffd54f", 34: "#64b5f6",
              35: "#ce93d8", 36: "#4dd0e1", 37: "#eeeeee"}

LIGHT = Theme(
    name="light", page="#ffffff", ink="#1a1a1a", faint="#8a8a8a", shade="#f1f3f6",
    states={"running": "#2ca02c", "runnable": "#f2c744", "blocked": "#a6a6a6",
            "gil_wait": "#9467bd", "switching": "#d62728", "suspended": "#a6cee3"},
    ansi=_ANSI_LIGHT)

DARK = Theme(
    name="dark", page="#16181d", ink="#e8e8e8", faint="#8c8c8c", shade="#20232a",
    states={"running": "#3cc13c", "runnable": "#f2c744", "blocked": "#6f6f6f",
            "gil_wait": "#b28ddb", "switching": "#ff4d4d", "suspended": "#5b8db8"},
    send="#7fb2ff", wake="#ffa94d", emit="#f0f0f0", match="#9a9a9a", divergent="#ff5c5c",
    on_bar="#111111",
    ansi=_ANSI_DARK)

THEMES = {"light": LIGHT, "dark": DARK}


def theme(name: str | Theme) -> Theme:
    """The theme called ``name`` (``light`` or ``dark``); a Theme passes through."""
    if isinstance(name, Theme):
        return name
    try:
        return THEMES[name]
    except KeyError:
        raise RenderError(f"unknown theme {name!r}; expected one of {sorted(THEMES)}") from None


def page_size(aspect: str) -> tuple[float, float]:
    """Width and height in inches for ``16:9`` or ``4:3``."""
    try:
        return ASPECTS[aspect]
    except KeyError:
        raise RenderError(f"unknown aspect {aspect!r}; expected one of {sorted(ASPECTS)}") from None


def rc_params(th: Theme, families: list[str]) -> dict:
    """matplotlib settings: fonts (with CJK fallback), sizes, colours, deterministic output."""
    return {
        "font.family": families,
        "font.size": FONT_SIZE,
        "axes.titlesize": FONT_SIZE + 2,
        "figure.titlesize": FONT_SIZE + 4,
        "axes.labelsize": FONT_SIZE,
        "xtick.labelsize": FONT_SIZE - 1,
        "ytick.labelsize": FONT_SIZE - 1,
        "legend.fontsize": FONT_SIZE - 1,
        "figure.facecolor": th.page,
        "axes.facecolor": th.page,
        "savefig.facecolor": th.page,
        "axes.edgecolor": th.faint,
        "axes.labelcolor": th.ink,
        "text.color": th.ink,
        "xtick.color": th.ink,
        "ytick.color": th.ink,
        "legend.facecolor": th.page,
        "legend.edgecolor": th.faint,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "schedsim",
        "path.simplify": True,
        "text.parse_math": False,  # a printed "$5 and $6" is text, not a formula
    }
