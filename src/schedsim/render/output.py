"""Writing figures: format from the file extension, atomic, reproducible bytes."""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib.figure import Figure
from PIL import Image

from ..errors import RenderError
from ..fsutil import atomic_write_bytes
from .style import PNG_DPI

FORMATS = ("svg", "png", "pdf")

# no dates or build hosts in the files, so the same trace gives the same bytes
_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
             "png": {"Software": None}}


def output_format(path: str | os.PathLike) -> str:
    """``svg``, ``png`` or ``pdf`` from the extension; RenderError otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise RenderError(f"{os.fspath(path)}: cannot tell the image format from the "
                          f"extension {Path(path).suffix or '(none)'!r}; use .svg, .png or .pdf")
    return suffix


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Save ``fig`` to ``path`` atomically in the format its extension names."""
    fmt = output_format(path)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=PNG_DPI, metadata=_METADATA[fmt])
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def shrink_png(path: str | os.PathLike, colors: int = 128) -> Path:
    """Rewrite a PNG with an adaptive palette of ``colors`` (about a third of the bytes).

    Diagrams are flat colours and anti-aliased text, which a palette keeps;
    used for images committed to the docs.
    """
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    small.save(buf, "PNG", optimize=True)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)
