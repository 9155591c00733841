"""The baozi example in every mode: each scenario's model agrees with its real
program (17 lines, causally consistent order, timing within tolerances),
with the profile calibrated on this machine kind."""

from pathlib import Path

import pytest

from schedsim.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["coroutines", "threads", "processes", "asyncio"])
def test_verify_passes_with_the_calibrated_profile(mode, tmp_path, capsys):
    scenario = REPO / "scenarios" / f"baozi-{mode}.yaml"
    status = main(["verify", str(scenario), "--profile", "debian12-vm2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.startswith("PASS")
    assert "17 lines matched, 0 missing, 0 extra" in out
