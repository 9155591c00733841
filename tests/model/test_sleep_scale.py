"""A model of a time-scaled real run: sleeps overshoot like the scaled sleeps."""

from pathlib import Path

from schedsim.model import simulate
from schedsim.profile import load_profile
from schedsim.scenario import load

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baozi-coroutines.yaml"


def sleep_lengths(trace):
    blocks = {e.unit: e.t for e in trace.select("block")}
    out = []
    for ev in trace:
        if ev.kind == "block" and ev.reason == "sleep":
            start = ev.t
        elif ev.kind == "wake" and trace.units[ev.unit].kind == "thread":
            out.append(ev.t - start)
    assert blocks
    return out


def test_overshoot_follows_the_real_runs_sleep_length():
    scenario = load(SCENARIO)
    profile = load_profile("default")
    plain = sleep_lengths(simulate(scenario).trace)
    scaled = simulate(scenario, sleep_scale=0.01).trace
    assert plain == [1_000_000_000 + profile.sleep_overshoot(1_000_000_000)] * 5
    assert sleep_lengths(scaled) == [1_000_000_000 + profile.sleep_overshoot(10_000_000)] * 5
    assert scaled.header.machine["sleep_scale"] == 0.01


def test_profile_for_sleep_scale_moves_the_curve_not_the_costs():
    p = load_profile("default")
    q = p.for_sleep_scale(0.01)
    assert q.costs == p.costs
    assert q.sleep_overshoot(1_000_000_000) == p.sleep_overshoot(10_000_000)
    assert q.sleep_overshoot(100_000_000) == p.sleep_overshoot(1_000_000)


def test_asyncio_sleep_overshoots_like_an_asyncio_timer_not_a_thread_sleep():
    """The event loop waits in epoll (whole ms): its own overshoot curve applies."""
    scenario = load(SCENARIO.with_name("baozi-asyncio.yaml"))
    profile = load_profile("default")
    trace = simulate(scenario, sleep_scale=0.01).trace
    loop = next(u.id for u in trace.units if u.kind == "thread")
    waits = [e.t for e in trace.select("block") if e.unit == loop]
    wakes = [e.t for e in trace.select("wake") if e.unit == loop]
    over = profile.asyncio_overshoot(10_000_000)
    assert over != profile.sleep_overshoot(10_000_000)
    assert [w - s for s, w in zip(waits, wakes)] == [1_000_000_000 + over] * 5
