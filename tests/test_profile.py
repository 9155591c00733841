"""Machine profiles: loading, located errors, and --profile on run/verify."""

from pathlib import Path

import pytest

from schedsim.cli import main
from schedsim.errors import ProfileError
from schedsim.profile import COSTS, Profile, load_profile, save_profile

REPO = Path(__file__).resolve().parents[1]


def test_default_profile_has_every_cost_and_records_its_machine():
    p = load_profile("default")
    assert set(p.costs) == set(COSTS)
    assert p.machine["source"].startswith("FIELD-NOTES")
    assert p.costs["generator_switch"] < p.costs["thread_switch"] < p.costs["spawn_thread"]


def test_round_trip(tmp_path):
    p = Profile(name="mine", costs={**load_profile().costs, "thread_switch": 7_000})
    save_profile(p, tmp_path / "mine.yaml")
    q = load_profile(tmp_path / "mine.yaml")
    assert (q.name, q.costs, q.overshoot) == (p.name, p.costs, p.overshoot)
    assert (q.idle_wakeup_curve, q.cold_start_curve, q.asyncio_overshoot_curve) == \
        (p.idle_wakeup_curve, p.cold_start_curve, p.asyncio_overshoot_curve)


@pytest.mark.parametrize("text, message", [
    ("schedsim: profile/1\ncosts:\n  thread_switch: -5\n",
     "{}:3: invalid machine profile\n==> At key: costs\n==> At key: thread_switch\n"
     "=====> expected a non-negative integer (ns), found -5"),
    ("schedsim: profile/1\nidle_wakeup:\n  - [1000000, 5]\n  - [10, 7]\n",
     "{}:2: invalid machine profile\n==> At key: idle_wakeup\n"
     "=====> expected a list of [idle_ns, extra_ns] pairs with increasing idles"),
], ids=["cost", "curve"])
def test_whole_error_message_for_a_bad_profile(tmp_path, text, message):
    bad = tmp_path / "p.yaml"
    bad.write_text(text)
    with pytest.raises(ProfileError) as exc:
        load_profile(bad)
    assert str(exc.value) == message.format(bad)


def test_unknown_cost_and_unknown_shipped_name(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("schedsim: profile/1\ncosts:\n  teleport: 1\n")
    with pytest.raises(ProfileError, match="unknown cost 'teleport'"):
        load_profile(bad)
    with pytest.raises(ProfileError, match=r"no shipped profile called 'nope'; shipped: \[.*'default'"):
        load_profile("nope")


def test_run_with_another_profile_changes_the_costs_charged(tmp_path, capsys):
    fast = tmp_path / "fast.yaml"
    save_profile(Profile(name="fast", costs={**load_profile().costs, "generator_switch": 1}), fast)
    scenario = str(REPO / "scenarios" / "baozi-coroutines.yaml")
    assert main(["run", scenario, "-o", str(tmp_path / "a.jsonl"), "--no-metrics"]) == 0
    assert main(["run", scenario, "-o", str(tmp_path / "b.jsonl"), "--no-metrics",
                 "--profile", str(fast)]) == 0
    from schedsim.trace import load
    costs = {name: {e.cost for e in load(tmp_path / name).select("switch")
                    if e.level == "coroutine"}
             for name in ("a.jsonl", "b.jsonl")}
    assert costs == {"a.jsonl": {13}, "b.jsonl": {1}}
    assert main(["run", scenario, "--profile", "nope"]) == 2
    assert "invalid machine profile" in capsys.readouterr().err
