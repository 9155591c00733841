"""Calibration: one real quick run (shared by the tests), plus the plumbing on fakes."""

import io

import pytest

from schedsim import profile as prof
from schedsim.calibrate import core as cal
from schedsim.calibrate import plan
from schedsim.calibrate.plan import Figures, Step
from schedsim.calibrate.sinks import program_stdout
from schedsim.calibrate.stats import Line, Stat


def _refuse(budget):
    raise OSError(38, "this should not run in the caller")


@pytest.fixture(scope="module")
def quick():
    """One quick calibration, made while this process's plan would refuse every probe:
    the probes run in a fresh interpreter, which the patch does not reach."""
    calls = []

    def action(k):
        def run():
            calls.append(("action", k))
        return run
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plan, "STEPS", (Step("fork vs parent memory", _refuse, lambda f, v: None),))
        result = cal.calibrate(quick=True, progress=lambda *a: calls.append(a),
                               between=[action(0), action(1)])
    return result, calls


def _s(v):
    return Stat(v, v, v, 1)


@pytest.mark.slow
def test_quick_run_measures_every_profile_cost(quick):
    result, _ = quick
    costs = result.costs()
    if result.skipped:  # one-CPU machine: the cross-CPU figure cannot exist
        assert set(prof.COSTS) - set(costs) == {"cross_cpu_wakeup"}
    else:
        assert set(costs) == set(prof.COSTS)
    assert all(isinstance(v, int) and v >= 0 for v in costs.values())


@pytest.mark.slow
def test_quick_run_orders_costs_sensibly(quick):
    result = quick[0]
    c = result.costs()
    # orders of magnitude apart on any machine: wide margins, no timing flake.  Measured
    # figures only: a fitted residual (spawn_thread is what the thread-start probe leaves
    # beyond the modelled exit and switches) can reach 0 on a loaded machine, and so can
    # the slopes and intercepts of the lines.
    start = result.stats["thread_start"].median
    assert 0 < c["generator_switch"] < c["task_switch"] < start
    assert start < result.lines["fork_vs_mib"].points[0][1].median < c["spawn_process"]
    ipc_small = result.lines["ipc_vs_kib"].points[0][1].median
    assert c["generator_switch"] < ipc_small
    assert [x for x, _ in result.lines["fork_vs_mib"].points] == [0, 32, 64]


@pytest.mark.slow
def test_quick_run_gil_period_is_near_switch_interval(quick):
    result, _ = quick
    period = result.stats["gil_handoff_period"].median
    # a busy machine stretches the period (the holder is preempted), never shortens it much
    assert 0.5 < period / result.machine["switch_interval_ns"] < 10


@pytest.mark.slow
def test_quick_run_overshoot_curve_and_spread(quick):
    result, _ = quick
    durations = [d for d, _ in result.overshoot]
    assert durations == [0, 1_000_000, 10_000_000, 100_000_000]
    for _, s in result.overshoot:
        assert s.p10 <= s.median <= s.p90 and s.n >= 4


@pytest.mark.slow
def test_quick_run_idle_curves_start_at_zero_and_grow(quick):
    """Both idle curves are measured at 1, 10 and 100 ms; the profile's curves
    start from (0, 0), and idling 100 ms costs more than idling 1 ms (the
    effect is tens of µs on the project's VM, a few µs on bare metal)."""
    result, _ = quick
    for name in ("idle_wakeup", "cold_start"):
        points = getattr(result, name)
        assert [d for d, _ in points] == [1_000_000, 10_000_000, 100_000_000]
        assert all(s.p10 <= s.median <= s.p90 for _, s in points)
    made = cal.to_profile(result)
    for curve in (made.idle_wakeup_curve, made.cold_start_curve):
        assert curve[0] == (0, 0) and len(curve) == 4
    assert made.cold_start(100_000_000) >= made.cold_start(1_000_000)


@pytest.mark.slow
def test_quick_run_asyncio_overshoot_has_the_epoll_millisecond(quick):
    """asyncio's loop waits in epoll with a timeout in whole ms, rounded up: a
    0.1 ms asyncio.sleep takes about 1 ms, far more than a 1 ms one overshoots."""
    result, _ = quick
    points = dict(result.asyncio_overshoot)
    assert sorted(points) == [100_000, 1_000_000, 10_000_000, 100_000_000]
    assert points[100_000].median > 500_000 > points[1_000_000].median


@pytest.mark.slow
def test_progress_counts_every_step_then_done(quick):
    """Each drifting step counts once per slice (three here: two actions between)."""
    _, calls = quick
    total = len(plan.STEPS) + 2 * sum(1 for s in plan.STEPS if s.drifts)
    progress = [c for c in calls if c[0] != "action"]
    assert [d for _, d, _ in progress] == list(range(total + 1))
    assert progress[-1][0] == "done" and {t for _, _, t in progress} == {total}


@pytest.mark.slow
def test_save_round_trips_through_load_profile(quick, tmp_path):
    result, _ = quick
    path = tmp_path / "p.yaml"
    cal.save(result, path, name="here")
    loaded = prof.load_profile(str(path))
    made = cal.to_profile(result, name="here")
    assert loaded.costs == made.costs and loaded.name == "here"
    assert loaded.overshoot == made.overshoot
    assert loaded.idle_wakeup_curve == made.idle_wakeup_curve
    assert loaded.cold_start_curve == made.cold_start_curve
    assert loaded.asyncio_overshoot_curve == made.asyncio_overshoot_curve
    assert loaded.machine["cpu_model"] == result.machine["cpu_model"]
    assert "measured" in path.read_text() and "p90" in path.read_text()


@pytest.mark.slow
def test_report_lists_figures_and_defaults(quick):
    text = quick[0].format_text()
    assert "thread_lock_1cpu" in text and "gil_switch_interval" in text
    assert "median" in text and "default" in text


def test_machine_info_records_where_measured():
    m = cal.machine_info()
    assert m["cpus"] >= 1 and m["python"].startswith(("CPython", "PyPy"))
    assert m["kernel"] and m["date"].endswith("+00:00") and m["cpu_model"]


def test_cost_map_reads_figures_and_derives_cross_cpu():
    fig = Figures(stats={"thread_lock_1cpu": _s(3000), "thread_lock_2cpu": _s(20000),
                         "generator_switch": _s(12.4)},
                  lines={"fork_vs_mib": Line(900_000, 11_500.4, ())})
    assert cal.cost_map(fig) == {"thread_switch": 3000, "cross_cpu_wakeup": 17000,
                                 "generator_switch": 12, "fork": 900_000,
                                 "fork_per_mib": 11_500}


def test_cold_costs_are_what_each_kind_adds_beyond_a_bare_call():
    """Each kind beyond the bare call measured in the same context (threads or the
    asyncio loop); a kind cheaper than its bare call costs 0."""
    fig = Figures(stats={"cold_nothing": _s(4000), "cold_queue": _s(40000),
                         "cold_event": _s(3000), "cold_ipc": _s(104000),
                         "cold_asyncio_nothing": _s(1000), "cold_asyncio": _s(9000),
                         "cold_task": _s(31000)})
    assert cal.cost_map(fig) == {"cold_queue": 36000, "cold_event": 0, "cold_ipc": 100000,
                                 "cold_asyncio": 8000, "cold_task": 30000}


def test_the_tracers_costs_are_what_it_adds_beyond_the_same_work_without_it():
    fig = Figures(stats={"print_line": _s(2500), "print_line_tapped": _s(3700),
                         "cold_line": _s(20000), "cold_line_tapped": _s(52000),
                         "task_step_plain": _s(1800), "task_step_traced": _s(5200),
                         "cold_task_step_plain": _s(49000),
                         "cold_task_step_traced": _s(75000),
                         "cold_task_step_unwrapped_traced": _s(51000)})
    assert cal.cost_map(fig) == {"emit": 2500, "tap_line": 1200, "cold_tap": 32000,
                                 "trace_step": 3400, "cold_trace_step": 24000}


def test_cost_map_clamps_negative_differences():
    fig = Figures(stats={"thread_lock_1cpu": _s(5000), "thread_lock_2cpu": _s(4000)})
    assert cal.cost_map(fig)["cross_cpu_wakeup"] == 0


def test_unmeasured_costs_keep_defaults():
    result = cal.CalibrationResult(stats={"task_switch": _s(1234)})
    p = cal.to_profile(result)
    assert p.costs["task_switch"] == 1234
    assert p.costs["fork"] == prof.COSTS["fork"][0]
    assert p.overshoot == prof.DEFAULT_OVERSHOOT
    assert p.idle_wakeup_curve == prof.DEFAULT_IDLE_WAKEUP
    assert p.cold_start_curve == prof.DEFAULT_COLD_START
    assert p.asyncio_overshoot_curve == prof.DEFAULT_ASYNCIO_OVERSHOOT


def test_two_cpu_steps_skipped_on_one_cpu(monkeypatch):
    ran = []
    steps = (Step("one", lambda b: ran.append("one") or _s(1), lambda f, v: None),
             Step("two", lambda b: ran.append("two"), lambda f, v: None, needs_two_cpus=True))
    monkeypatch.setattr(plan, "STEPS", steps)
    monkeypatch.setattr(plan, "two_cpus", lambda: None)
    figures = plan.measure(plan.QUICK)
    assert ran == ["one"] and "two" in figures.skipped


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_plain_stream_writes_a_line_per_step():
    out = io.StringIO()
    bar = cal.ProgressBar(out, width=10)
    bar("fork", 1, 4)
    bar("done", 4, 4)
    assert out.getvalue().splitlines() == ["calibrate [##........] 1/4 fork",
                                           "calibrate [##########] 4/4 done"]


def test_progress_bar_terminal_redraws_in_place():
    out = _Tty()
    bar = cal.ProgressBar(out, width=4)
    bar("a", 0, 2)
    bar("b", 1, 2)
    assert "\n" not in out.getvalue() and out.getvalue().count("\r") == 2
    bar("done", 2, 2)
    assert out.getvalue().endswith("\n") and "[####] 2/2 done" in out.getvalue()
    bar.close()
    assert out.getvalue().count("\n") == 1


def test_progress_bar_close_ends_an_interrupted_line():
    out = _Tty()
    bar = cal.ProgressBar(out, width=4)
    bar("a", 1, 3)
    bar.close()
    assert out.getvalue().endswith("\n")


def test_busy_machine_is_flagged_in_the_report():
    from schedsim.calibrate.report import busy_warning
    assert busy_warning({"cpus": 2, "loadavg_before": "0.2 0.1 0.1",
                         "loadavg_after": "0.4 0.2 0.1"}) is None
    assert "busy" in busy_warning({"cpus": 2, "loadavg_before": "0.2 0.1 0.1",
                                   "loadavg_after": "3.5 2 1"})
    assert busy_warning({"cpus": 2}) is None
    result = cal.CalibrationResult(machine={"cpus": 2, "loadavg_before": "4 4 4",
                                            "loadavg_after": "4 4 4"})
    assert "calibrate on an idle machine" in result.format_text()


def test_a_refused_probe_is_skipped_with_its_reason(monkeypatch):
    def refuse(b):
        raise OSError(38, "fork not allowed here")
    steps = (Step("fork vs parent memory", refuse, lambda f, v: None),
             Step("task", lambda b: _s(1500), lambda f, v: f.stats.__setitem__("task_switch", v)))
    monkeypatch.setattr(plan, "STEPS", steps)
    result = cal.result_from(plan.measure(plan.QUICK), {"cpus": 2}, quick=True)
    assert "fork not allowed here" in result.skipped["fork vs parent memory"]
    assert result.costs() == {"task_switch": 1500}
    assert "skipped fork vs parent memory" in result.format_text()


def test_the_start_method_probe_module_stays_light():
    """Every child a spawn or forkserver probe starts imports the probe's module again;
    importing it must not import the model (that made a forkserver start 10x slower)."""
    import subprocess
    import sys
    code = ("import sys, schedsim.calibrate.procs; "
            "print(sorted(m for m in ('schedsim.model', 'schedsim.scenario', 'simpy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_calibrate_measures_in_a_fresh_interpreter_whatever_the_caller_holds(quick):
    """The fixture patched this process's plan to refuse everything: nothing was
    refused, every probe ran, and the progress callback saw each step."""
    result, calls = quick
    assert "fork vs parent memory" not in result.skipped
    assert "fork_vs_mib" in result.lines and result.stats["cow_per_mib"].median > 0
    steps = [c for c in calls if c[0] != "action"]
    drifting = [s.name for s in plan.STEPS if s.drifts]
    assert steps[-1][0] == "done" and len(steps) == len(plan.STEPS) + 2 * len(drifting) + 1
    assert result.machine["loadavg_before"] and result.quick
    # the measuring interpreter's stdout is a pipe to this one: it printed as ours would
    assert result.machine["program_stdout"] == program_stdout()


def test_the_drifting_probes_are_sliced_around_the_callers_actions(quick):
    """Given two actions, the drifting probes run in three slices, an action between
    each two (in order, once each); each figure pools its slices' samples."""
    _, calls = quick
    names = [c[0] for c in calls]
    first = [s.name for s in plan.STEPS if s.drifts][0]
    starts = [i for i, name in enumerate(names) if name == first]
    assert len(starts) == 3
    assert names.index(("action")) == starts[1] - 1 and names[starts[2] - 1] == "action"
    assert [c[1] for c in calls if c[0] == "action"] == [0, 1]
    result, _ = quick
    pooled = dict(result.overshoot)[10_000_000]
    assert pooled.n == dict(plan.QUICK.sleeps)[10_000_000]            # 14 + 13 + 13
    assert result.stats["cold_queue"].n == plan.QUICK.cold_samples


def test_a_failing_measuring_interpreter_is_a_calibration_error(monkeypatch):
    from schedsim.errors import CalibrationError
    monkeypatch.setenv("PYTHONPATH", "/nonexistent")
    monkeypatch.setattr(cal.sys, "executable", "/bin/false")
    with pytest.raises(CalibrationError, match="failed with status 1"):
        cal.calibrate(quick=True)
