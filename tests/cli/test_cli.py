"""The command line: help everywhere, errors as located messages with exit 2."""

import json
import subprocess
import sys

import pytest

from schedsim import __version__
from schedsim.cli import build_parser, main

COMMANDS = ["check", "run", "trace", "compare", "render", "export", "verify", "calibrate"]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"schedsim {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_a_description(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert out.startswith(f"usage: schedsim {command}")
    doc = getattr(__import__("schedsim.cli", fromlist=["x"]), f"cmd_{command}").__doc__
    assert doc.splitlines()[0] in out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_parser_knows_every_command():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)


def test_corrupt_trace_is_a_located_error_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"schema":"schedsim.trace/1","source":"sim","units":[]}\n{"t": oops}\n')
    assert main(["export", str(bad), "-o", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert f"schedsim export: error: {bad}:2: not valid JSON" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_missing_trace_file(tmp_path, capsys):
    assert main(["render", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "a.png")]) == 2
    assert "none.jsonl: cannot open trace: No such file or directory" in capsys.readouterr().err


def test_bad_tolerance_option_is_explained(tmp_path, capsys):
    assert main(["compare", "a.jsonl", "b.jsonl", "--tolerance", "speed=3"]) == 2
    assert "--tolerance expects NAME=VALUE" in capsys.readouterr().err


def test_bad_window_option_is_explained(capsys):
    assert main(["render", "a.jsonl", "-o", "a.png", "--window", "x:y"]) == 2
    assert "--window expects START:END" in capsys.readouterr().err


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "schedsim", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"schedsim {__version__}"
