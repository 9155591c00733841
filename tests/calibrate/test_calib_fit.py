"""Fitting residual costs so that the model reproduces calibration's probes."""

from pathlib import Path

import pytest

from schedsim import profile as prof
from schedsim.cli import main
from schedsim.calibrate import fit as calib_fit
from schedsim.calibrate import core as cal
from schedsim.calibrate.stats import Line, Stat

SHIPPED = str(Path(__file__).resolve().parents[2] / "src/schedsim/profiles/debian12-vm2.yaml")


def _s(v):
    return Stat(v, v, v, 5)


def _result(lock=6000, queue=11000, ipc=25000, cold=0):
    """Figures of round numbers; no cold start (``cold`` ns after 1 ms blocked) unless
    asked, so that each residual is plain arithmetic."""
    return cal.CalibrationResult(
        stats={"thread_lock_1cpu": _s(lock), "thread_queue_1cpu": _s(queue),
               "process_pipe_1cpu": _s(3000), "thread_exit_1cpu": _s(15000),
               "thread_start": _s(90000), "process_exit_1cpu": _s(500000),
               "process_exit_queue_1cpu": _s(900000),
               "first_message_after_fork": _s(800000)},
        lines={"ipc_vs_kib": Line(ipc, 400, ())}, cold_start=[(1_000_000, _s(cold))])


def test_the_fitted_model_reproduces_every_probe():
    profile = cal.to_profile(_result())
    hops = {p.figure: calib_fit.model_hop(profile, p) for p in calib_fit.PROBES}
    assert hops == {"thread_lock_1cpu": pytest.approx(6000, abs=2),
                    "thread_queue_1cpu": pytest.approx(11000, abs=2),
                    "ipc_per_message": pytest.approx(25000, abs=2),
                    "thread_exit_1cpu": pytest.approx(15000, abs=2),
                    "thread_start": pytest.approx(90000, abs=2),
                    "process_exit_1cpu": pytest.approx(500000, abs=2),
                    "process_exit_queue_1cpu": pytest.approx(900000, abs=2),
                    "first_message_after_fork": pytest.approx(800000, abs=2)}
    # a thread's exit path also pays the joiner's switch back in
    assert profile.costs["thread_exit"] == 15000 - 6000


def test_the_fit_leaves_room_for_the_cold_start_of_blocked_threads():
    """A woken thread pays the cold start of the time it was blocked: in the 1-CPU Lock
    ping-pong each thread waits one hop, ~6 µs, so with 1 µs per 1 ms blocked the switch
    fitted is ~6 ns cheaper, and the model still takes what the probe measured."""
    hot, cold = (cal.to_profile(_result(cold=c)) for c in (0, 1000))
    assert 4 <= hot.costs["thread_switch"] - cold.costs["thread_switch"] <= 8
    lock = calib_fit.PROBES[0]
    assert calib_fit.model_hop(cold, lock) == pytest.approx(6000, abs=2)


def test_a_residual_is_what_the_other_costs_leave():
    fitted = {f.cost: f for f in _result().fitted()}
    # the queue hand-off's path also pays the getter's switch in, one Lock hand-off
    assert fitted["queue_handoff"].model_without == 6000
    assert fitted["queue_handoff"].value == 5000
    assert fitted["thread_switch"].value == 6000 and fitted["thread_switch"].slope == 1.0
    # a child that used a queue also ends its feeder: the empty child's exit is on that path
    exit_, feeder = fitted["process_exit"], fitted["feeder_exit"]
    assert feeder.model_without > exit_.value and feeder.slope == 1.0
    assert feeder.value == 900000 - feeder.model_without
    # a fork child's first message also starts its feeder, the child's first thread
    # start since the fork (default costs here: the figures have neither)
    first = fitted["cow_first_send"]
    assert first.model_without > prof.COSTS["feeder_start"][0] + prof.COSTS["cow_thread_start"][0]
    assert first.value == pytest.approx((800000 - first.model_without) / first.slope, abs=1)
    # taken whole, the measured hand-off would be counted with the switch twice
    unfitted = cal.to_profile(_result()).costs | {"queue_handoff": 11000}
    twice = prof.Profile("x", unfitted, cold_start_curve=((0, 0), (1, 0)))
    assert calib_fit.model_hop(twice, calib_fit.PROBES[1]) == pytest.approx(17000, abs=2)


def test_a_residual_never_goes_below_zero_and_the_excess_is_reported():
    fitted = {f.cost: f for f in _result(ipc=1000).fitted()}
    assert fitted["ipc_per_message"].value == 0
    assert fitted["ipc_per_message"].excess == fitted["ipc_per_message"].model_without - 1000 > 0
    assert "the model stays" in _result(ipc=1000).format_text()


def test_the_shipped_profile_is_what_its_figures_give(capsys, tmp_path):
    """schedsim calibrate --refit derives the shipped profile's costs from its own
    measured section: the file and the code that made it agree."""
    out = tmp_path / "refit.yaml"
    assert main(["calibrate", "--refit", SHIPPED, "-o", str(out)]) == 0
    shipped, refit = prof.load_profile(SHIPPED), prof.load_profile(str(out))
    assert refit.costs == shipped.costs and refit.name == shipped.name == "debian12-vm2"
    assert refit.cold_start_curve == shipped.cold_start_curve
    assert "fitted so that the model reproduces each probe" in capsys.readouterr().out


def test_refit_needs_a_profile_with_its_figures(capsys, tmp_path):
    bare = tmp_path / "bare.yaml"
    bare.write_text(prof.load_profile("default").to_yaml())
    assert main(["calibrate", "--refit", str(bare)]) == 2
    err = capsys.readouterr().err
    assert str(bare) in err and "no 'measured' section" in err and "Traceback" not in err


def test_refit_locates_a_figure_not_as_calibrate_writes_it(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schedsim: profile/1\nmeasured:\n  stats:\n    a: {median: 1, p10: 1, p90: 2, n: 3}\n"
                   "  fits:\n    ipc_vs_kib:\n      intercept: 5\n      slope: 1\n"
                   "      points:\n      - [0, {median: 1}]\n")
    assert main(["calibrate", "--refit", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"schedsim calibrate: error: {bad}:10: invalid machine profile\n"
        "==> At key: measured\n==> At key: fits\n==> At key: ipc_vs_kib\n==> At key: points\n"
        "==> At index 0\n==> At index 1\n"
        "=====> expected a figure {median, p10, p90, n} of numbers\n")


def test_a_profile_that_is_not_yaml_is_named_a_profile(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n")
    with pytest.raises(prof.ProfileError) as exc:
        cal.from_profile(bad)
    assert str(exc.value).startswith(f"{bad}:2: invalid machine profile\n")
    with pytest.raises(prof.ProfileError, match="invalid machine profile"):
        prof.load_profile(bad)
