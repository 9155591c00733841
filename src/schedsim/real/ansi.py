"""ANSI escape sequences in printed lines: stripped from labels, kept as style."""

from __future__ import annotations

import re

_CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])|\x1b[@-Z\\-_]")


def split_ansi(text: str) -> tuple[str, list[dict] | None]:
    """``(label, style)``: the text without escapes, and its SGR spans.

    Each span is ``{"start", "end", "sgr"}`` over label characters, where
    ``sgr`` is the active SGR parameter list (e.g. ``"32;1"``); ``style`` is
    None when the line had no colours.
    """
    if "\x1b" not in text:
        return text, None
    out: list[str] = []
    spans: list[dict] = []
    active, pos, length = "", 0, 0
    for m in _CSI.finditer(text):
        piece = text[pos:m.start()]
        length = _add(out, spans, piece, active, length)
        pos = m.end()
        if m.group(2) == "m":
            params = m.group(1)
            active = "" if params in ("", "0") else _merge(active, params)
    _add(out, spans, text[pos:], active, length)
    return "".join(out), spans or None


def _merge(active: str, params: str) -> str:
    if params.startswith("0;"):
        return params[2:]
    return f"{active};{params}" if active else params


def _add(out: list[str], spans: list[dict], piece: str, active: str, length: int) -> int:
    if not piece:
        return length
    out.append(piece)
    end = length + len(piece)
    if active:
        if spans and spans[-1]["end"] == length and spans[-1]["sgr"] == active:
            spans[-1]["end"] = end
        else:
            spans.append({"start": length, "end": end, "sgr": active})
    return end
