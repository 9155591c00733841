"""Helpers for the real-tracer tests: write a small program, trace it."""

import sys
import textwrap
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def program(tmp_path):
    """Write ``source`` (dedented) to a file in tmp_path and return its path."""
    def write(source: str, name: str = "prog.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path
    return write


def emits(trace):
    """(unit name, label) of every emit, in order."""
    return [(trace.units[e.unit].name, e.label) for e in trace.select("emit")]


PYTHON = sys.executable

EXPECTED = (["c1准备开始吃包子啦...", "c2准备开始吃包子啦..."]
            + [line for n in range(1, 6) for line in
               (f"[producer]做好了新包子 {n}", f"[c1] 正在吃包子 {n}", f"[c2] 正在吃包子 {n}")])


def owner_of(label: str) -> str:
    """Who prints a baozi line: c1, c2 or the producer."""
    if label.startswith("[producer]"):
        return "producer"
    return label.strip("[")[:2]


def cause_links(trace, kind="recv"):
    """(cause event, effect event) for every ``kind`` event with a cause."""
    return [(trace[e.cause], e) for e in trace.select(kind) if e.cause is not None]


@pytest.fixture(params=["compiled", "python"])
def writer_impl(request, monkeypatch):
    """Run a test with the compiled raw-log writer (each event into the file as it is
    recorded) and with the pure-Python one (buffered, written out in chunks); traced
    programs started by the test inherit the choice.  The compiled one is skipped when
    not built."""
    from schedsim.real import mapfile
    if request.param == "compiled" and mapfile._mapwriter is None:
        pytest.skip("schedsim.real._mapwriter is not built")
    monkeypatch.setenv(mapfile.ENV_WRITER, "auto" if request.param == "compiled" else "python")
    return request.param
