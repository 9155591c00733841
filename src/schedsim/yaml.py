"""The one place that loads YAML: the safe loader (C-accelerated when
available), keeping each node's line number so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml as _pyyaml

from .errors import ScenarioError

_Base = getattr(_pyyaml, "CSafeLoader", _pyyaml.SafeLoader)


class Located(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        """Line of ``key`` in the source, or of the mapping itself."""
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A sequence that remembers its own line and each item's line."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        """Line of item ``index``, or of the sequence itself."""
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def line_at(node, path) -> int | None:
    """The line of the deepest node along ``path`` (keys and indices) that knows one."""
    line = None
    for key in path:
        if isinstance(node, (Located, LocatedList)):
            line = node.line_of(key)
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            node = None
    return line


@dataclass(frozen=True)
class Source:
    """A loaded document and the file it came from."""
    data: Any
    file: str


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader whose mappings and sequences carry line numbers."""

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        self.flatten_mapping(node)
        out = Located()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ScenarioError("mapping keys must be plain scalars",
                                    line=key_node.start_mark.line + 1) from None
            if key in out:
                raise ScenarioError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node, deep=False):  # noqa: D102 - PyYAML hook
        out = LocatedList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def load(text: str, file: str = "<string>", error: type[ScenarioError] = ScenarioError) -> Source:
    """Parse YAML ``text`` safely; syntax errors become ``error`` (a
    :class:`ScenarioError`, or a subclass naming the kind of document) with a line."""
    try:
        data = _pyyaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except ScenarioError as exc:
        raise error(exc.message, file=file, line=exc.line) from None
    except _pyyaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"YAML syntax error: {problem}", file=file, line=line) from None
    return Source(data, file)


def load_file(path, error: type[ScenarioError] = ScenarioError) -> Source:
    """Read and parse the YAML file at ``path`` (errors as in :func:`load`)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise error(f"file is not UTF-8 text ({exc.reason})", file=str(path)) from None
    return load(text, str(path), error)
