"""A tiny, safe formatter for labels and values: ``{name}``, ``{name+1}``,
``{name-2}``, ``{{`` and ``}}``.  Never ``eval``.

A template that is exactly one placeholder keeps the value's type
(``"{n}"`` with ``n = 3`` gives the integer 3), so values sent between units
stay numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(\d+))?\}|[{}]")


class TemplateError(ValueError):
    """A template is malformed or names an unknown variable."""


@lru_cache(maxsize=4096)
def parse(text: str) -> tuple:
    """Split ``text`` into literal strings and ``(name, offset)`` placeholders."""
    parts: list = []
    pos = 0
    for m in _FIELD.finditer(text):
        if m.start() > pos:
            parts.append(text[pos:m.start()])
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif m.group(1) is None:
            raise TemplateError(f"unmatched {token!r} in {text!r} (write {token * 2} for a "
                                f"literal brace; placeholders look like {{n}} or {{n+1}})")
        else:
            offset = int(m.group(3) or 0) * (-1 if m.group(2) == "-" else 1)
            parts.append((m.group(1), offset))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def names(text: str) -> list[str]:
    """The variable names a template uses."""
    return [p[0] for p in parse(text) if isinstance(p, tuple)]


def _value(part: tuple, env: Mapping[str, Any]) -> Any:
    name, offset = part
    try:
        value = env[name]
    except KeyError:
        known = ", ".join(sorted(env)) or "none"
        raise TemplateError(f"unknown variable {{{name}}} (known here: {known})") from None
    if offset:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TemplateError(f"{{{name}{offset:+d}}} needs a whole number, "
                                f"but {name} is {value!r}")
        return value + offset
    return value


def render(template: Any, env: Mapping[str, Any]) -> Any:
    """Substitute ``env`` into ``template``; non-strings pass through unchanged."""
    if not isinstance(template, str):
        return template
    parts = parse(template)
    if len(parts) == 1 and isinstance(parts[0], tuple):
        return _value(parts[0], env)
    return "".join(p if isinstance(p, str) else str(_value(p, env)) for p in parts)
