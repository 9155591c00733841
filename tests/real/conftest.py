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
