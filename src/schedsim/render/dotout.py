"""Shared pieces of the graphviz diagrams: page attributes, legends, output.

Graphs are built as :class:`graphviz.Digraph` sources and laid out by the
``dot`` program; the result is written atomically in the format the
extension names, and ``dot=True`` also writes the source beside it
(``OUT.dot``) for hand editing.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import graphviz

from ..errors import RenderError
from ..fsutil import atomic_write_bytes, atomic_write_text
from .fonts import BASE_FAMILY, cjk_family
from .output import output_format
from .style import FONT_SIZE, PNG_DPI, Theme, page_size

MAX_LABEL = 32


def fontname() -> str:
    """A font list graphviz (fontconfig) resolves with CJK fallback."""
    cjk = cjk_family()
    return f"{BASE_FAMILY},{cjk}" if cjk else BASE_FAMILY


def new_digraph(th: Theme, aspect: str, *, rankdir: str = "LR", title: str | None = None,
                legend: list[tuple[str, str, str]] = ()) -> graphviz.Digraph:
    """A digraph sized for a slide in theme ``th``, with a title and a legend line.

    ``legend``: (colour, line style, meaning) triples shown under the graph.
    """
    w, h = page_size(aspect)
    font = fontname()
    g = graphviz.Digraph(engine="dot")
    g.attr(rankdir=rankdir, size=f"{w:.2f},{h:.2f}", bgcolor=th.page, fontname=font,
           fontcolor=th.ink, fontsize=str(FONT_SIZE + 4), pad="0.3", nodesep="0.35",
           ranksep="0.45", labelloc="t", labeljust="l", newrank="true")
    g.attr("node", fontname=font, fontsize=str(FONT_SIZE), fontcolor=th.ink, color=th.faint,
           height="0.3", margin="0.12,0.05")
    g.attr("edge", fontname=font, fontsize=str(FONT_SIZE - 2), fontcolor=th.ink, color=th.faint)
    g.attr(label=_label_html(title, legend, th))
    return g


def _label_html(title: str | None, legend, th: Theme) -> str:
    """The graph label: a bold title, then a one-line legend of edge colours."""
    rows = []
    if title:
        rows.append(f"<TR><TD ALIGN='LEFT'><B>{html.escape(title)}</B></TD></TR>")
    if legend:
        cells = "".join(
            f"<TD><FONT COLOR='{c}'>{'━━' if style == 'solid' else '┅┅'}</FONT> "
            f"{html.escape(text)}  </TD>" for c, style, text in legend)
        rows.append(f"<TR><TD ALIGN='LEFT'><TABLE BORDER='0' CELLSPACING='6'><TR>{cells}"
                    f"</TR></TABLE></TD></TR>")
    if not rows:
        return ""
    return f"<<TABLE BORDER='0' CELLBORDER='0'>{''.join(rows)}</TABLE>>"


def text(label: str) -> str:
    """``label`` as literal graphviz text: never HTML (``<done>``), no escapes (``\\N``)."""
    return graphviz.escape(label)


def short(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def human_ns(ns: float) -> str:
    """A duration for people: 13 ns, 2.5 µs, 1.2 ms, 3.0 s."""
    for unit, factor in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= factor:
            return f"{ns / factor:.3g} {unit}"
    return f"{ns:.0f} ns"


def write_graph(g: graphviz.Digraph, out: str | os.PathLike, *, dot: bool = False) -> Path:
    """Lay out ``g`` with graphviz and write it to ``out`` (and ``OUT.dot`` if ``dot``)."""
    fmt = output_format(out)
    if fmt == "png":
        g.attr(dpi=str(PNG_DPI))
    try:
        data = g.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RenderError("graphviz's 'dot' program is not installed "
                          "(Debian: apt-get install graphviz)") from None
    except graphviz.CalledProcessError as exc:
        raise RenderError(f"graphviz failed: {exc.stderr.decode(errors='replace')}") from None
    atomic_write_bytes(out, data)
    if dot:
        atomic_write_text(Path(out).with_suffix(".dot"), g.source)
    return Path(out)
