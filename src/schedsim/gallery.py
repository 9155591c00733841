"""The gallery: every scenario simulated and drawn, one command.

Sits on top of the layers (like ``api``): it loads each scenario
(``schedsim.scenario``), simulates it (``schedsim.model``), builds its
happens-before graph (``schedsim.compare``) and hands the trace to
:mod:`schedsim.render.gallery`, which draws the diagrams and writes the page.

    python -m schedsim.gallery            # rebuilds docs/gallery.md and docs/img/
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .compare import happens_before
from .errors import SchedsimError
from .model import simulate
from .render.gallery import Entry, Gallery, draw_scenario, write_page
from .scenario import load


def _entry(path: Path, out_dir: Path, fmt: str) -> Entry:
    scenario = load(path)
    trace = simulate(scenario).trace
    entry = Entry(scenario.name, path.name, scenario.description or "")
    entry.diagrams = draw_scenario(trace, out_dir, path.stem, hb=happens_before(trace), fmt=fmt)
    return entry


def build(scenario_dir: str | os.PathLike, out_dir: str | os.PathLike,
          docs_page: str | os.PathLike, *, fmt: str = "png") -> Gallery:
    """Simulate and draw every ``*.yaml`` in ``scenario_dir``; write ``docs_page``.

    Images go to ``out_dir`` as ``<scenario>-<diagram>.<fmt>``.  A scenario
    that fails to load or simulate is listed on the page and in
    ``Gallery.failures``; the others are still drawn.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries, failures = [], []
    for path in sorted(Path(scenario_dir).glob("*.yaml")):
        try:
            entries.append(_entry(path, out_dir, fmt))
        except SchedsimError as exc:
            failures.append((path.name, str(exc)))
    return write_page(docs_page, entries, failures, Path(scenario_dir).resolve().name)


if __name__ == "__main__":
    result = build("scenarios", "docs/img", "docs/gallery.md")
    for file, message in result.failures:
        print(f"{file}: {message}", file=sys.stderr)
    sys.exit(1 if result.failures else 0)
