"""Scenario files: YAML, checked against a schema, turned into a model.

:func:`load` reads a file, :func:`loads` a string; both return a
:class:`Scenario` or raise a located :class:`~schedsim.errors.ScenarioError`
(file, line, field path, what was expected).  ``check`` is loading: a
scenario that loads will simulate.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import yaml as _yaml
from ..model.spec import System
from .build import build
from .document import DOCUMENT
from .ops import AWAITABLE, OPS
from .schema import Where, check

__all__ = ["Scenario", "Real", "load", "loads", "OPS", "AWAITABLE", "DOCUMENT"]


@dataclass(frozen=True)
class Real:
    """The real program a scenario models (``real:`` in the file)."""

    program: Path
    args: list[str] = field(default_factory=list)
    time_scale: float = 1.0
    timeout: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: its name, file, text hash, model and real program."""

    name: str
    file: str
    sha256: str
    system: System
    real: Real | None = None
    description: str | None = None
    text: str = field(default="", repr=False)


def loads(text: str, file: str = "<string>") -> Scenario:
    """Parse and check scenario ``text``; ``file`` names it in errors and
    anchors ``real.program`` (relative to the file's directory)."""
    raw = _yaml.load(text, file).data
    doc = check(DOCUMENT, raw, Where(file, (), getattr(raw, "line", 1) or 1))
    system = build(doc, raw, file)
    real = None
    if doc["real"] is not None:
        r = doc["real"]
        base = Path(file).parent if not file.startswith("<") else Path.cwd()
        real = Real(Path(os.path.abspath(base / r["program"])), list(r["args"] or []),
                    r["time_scale"], r["timeout"])
    name = doc["name"] or (Path(file).stem if not file.startswith("<") else "scenario")
    return Scenario(name, file, hashlib.sha256(text.encode("utf-8")).hexdigest(), system,
                    real, doc["description"], text)


def load(path: str | os.PathLike) -> Scenario:
    """Read and check the scenario file at ``path``."""
    file = os.fspath(path)
    try:
        with open(file, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise _yaml.ScenarioError(f"cannot read scenario: {exc.strerror}", file=file) from None
    except UnicodeDecodeError as exc:
        raise _yaml.ScenarioError(f"scenario is not UTF-8 text ({exc.reason})",
                                  file=file) from None
    return loads(text, file)
