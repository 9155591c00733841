"""Every example in the docs runs (SimPy's habit): ```python blocks are
executed in order per page in one namespace, and the `schedsim ...` lines
of ```sh blocks are run through the CLI; all in a scratch directory that
sees the repository's scenarios/ and examples/."""

import os
import re
import shlex
from pathlib import Path

import pytest

from schedsim.cli import main

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(page: Path, lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(page.read_text("utf-8")) if kind == lang]


def cli_lines(body: str) -> list[list[str]]:
    out = []
    for line in body.splitlines():
        line = line.split("  #")[0].strip()
        for prefix in (".venv/bin/schedsim ", "schedsim "):
            if line.startswith(prefix):
                out.append(shlex.split(line[len(prefix):]))
    return out


def pages_with(lang: str) -> list[Path]:
    return [p for p in PAGES if blocks(p, lang)]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    for name in ("scenarios", "examples"):
        os.symlink(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("page", pages_with("python"), ids=lambda p: str(p.relative_to(REPO)))
def test_python_examples_run(page, scratch):
    namespace: dict = {"__name__": "__docs__"}
    for body in blocks(page, "python"):
        exec(compile(body, str(page), "exec"), namespace)  # noqa: S102 - our own docs


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if any(cli_lines(b) for b in blocks(p, "sh"))],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_command_examples_run(page, scratch, capsys):
    for body in blocks(page, "sh"):
        for argv in cli_lines(body):
            status = main(argv)
            assert status == 0, f"{page.name}: schedsim {shlex.join(argv)} exited {status}:\n" \
                                f"{capsys.readouterr().err}"
