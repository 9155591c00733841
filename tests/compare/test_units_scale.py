"""Unit mapping by what units print, and time-scale conversion."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedsim.compare import compare
from schedsim.compare.emits import emits
from schedsim.compare.units import map_units
from schedsim.trace import Header, Trace, Unit

from .conftest import S, make_trace

REAL_NAMES = ("python", "MainThread", "consumer#1", "consumer#2")


def test_units_are_mapped_by_what_they_print(rows):
    exp = make_trace(rows)
    act = make_trace(rows, REAL_NAMES, source="real")
    c = compare(exp, act)
    assert c.ok, c.failures
    got = {(p.expected_name, p.actual_name, p.how) for p in c.units}
    assert got == {("c1", "consumer#1", "emits"), ("c2", "consumer#2", "emits"),
                   ("main", "MainThread", "emits"), ("main", "python", "parent")}
    shared = {p.expected_name: p.shared for p in c.units if p.how == "emits"}
    assert shared == {"c1": 6, "c2": 6, "main": 5}
    assert "consumer#1" in c.format_text()


def test_mapping_follows_content_not_names_or_order(rows):
    # the real run declares the consumers in the other order: c1 is unit 3 there
    act_rows = [(t, {2: 3, 3: 2}.get(u, u), k, f) for t, u, k, f in rows]
    act = make_trace(act_rows, ("python", "MainThread", "consumer#2", "consumer#1"),
                     source="real")
    pairs = map_units(make_trace(rows), act, emits(make_trace(rows)), emits(act))
    assert pairs[2].actual_name == "consumer#1" and pairs[3].actual_name == "consumer#2"


def test_ties_are_broken_deterministically_by_name_then_order():
    def two_workers(names):
        tr = Trace(Header("sim"), [Unit(0, "process", "p"), Unit(1, "thread", names[0], 0),
                                   Unit(2, "thread", names[1], 0)])
        tr.append(0, 1, "emit", label="work")
        tr.append(1, 2, "emit", label="work")
        return tr

    exp = two_workers(["w1", "w2"])
    # identical content: the closest first-emit order decides
    for _ in range(3):
        pairs = map_units(exp, two_workers(["A", "B"]), emits(exp), emits(two_workers(["A", "B"])))
        assert [(p.expected_name, p.actual_name) for p in pairs.values() if p.how == "emits"] \
            == [("w1", "A"), ("w2", "B")]
    # a same name beats order
    act = two_workers(["w2", "w1"])
    pairs = map_units(exp, act, emits(exp), emits(act))
    assert [(p.expected_name, p.actual_name) for p in pairs.values() if p.how == "emits"] \
        == [("w1", "w1"), ("w2", "w2")]


def test_silent_units_are_paired_by_parent_and_name():
    def trace(names):
        tr = Trace(Header("sim"), [Unit(0, "process", names[0]), Unit(1, "thread", names[1], 0),
                                   Unit(2, "thread", "timer", 0)])
        tr.append(0, 1, "emit", label="hi")
        return tr

    exp, act = trace(["main", "main"]), trace(["python3", "MainThread"])
    pairs = map_units(exp, act, emits(exp), emits(act))
    assert {(p.expected_name, p.actual_name, p.how) for p in pairs.values()} == {
        ("main", "MainThread", "emits"), ("main", "python3", "parent"), ("timer", "timer", "name")}


def test_time_scale_stretches_only_the_sleeps_by_default(rows):
    # the real run sleeps 10 ms for each modelled second and each sleep overshoots 0.12 ms
    act = make_trace(rows, REAL_NAMES, source="real", scale=0.01, overshoot=120_000)
    assert act.duration == pytest.approx(5 * S * 0.01 + 5 * 120_000, abs=100)
    c = compare(make_trace(rows), act)
    assert c.ok, c.failures
    assert c.clocks[1].basis == "sleeps"
    # the 10 ms asked of the OS become 1 s; the 0.12 ms overshoot stays 0.12 ms
    assert c.timing.max == pytest.approx(600e3, rel=1e-3)
    assert c.real_timing().max == pytest.approx(600e3, rel=1e-3)
    assert c.makespan.actual == pytest.approx(5 * S + 600e3, rel=1e-6)
    text = c.format_text()
    assert "time scale 0.01" in text and "600 µs" in text and "actual clock: sleeps" in text


def test_time_scale_by_division_scales_everything(rows):
    act = make_trace(rows, REAL_NAMES, source="real", scale=0.01, overshoot=120_000)
    c = compare(make_trace(rows), act, timebase="scale")
    assert c.ok, c.failures
    # 0.12 ms real per sleep is 12 ms model time, accumulating to 60 ms after five sleeps
    assert c.timing.max == pytest.approx(60e6, rel=1e-3)
    assert c.real_timing().max == pytest.approx(600e3, rel=1e-3)
    assert c.makespan.relative == pytest.approx(0.012, rel=1e-2)
    with pytest.raises(ValueError, match="timebase"):
        compare(make_trace(rows), act, timebase="wall")


def sleepy(units_sleeping: int, work_ns: int) -> Trace:
    """Threads that each sleep 1 s at a 0.01 scale at once, then one does some work."""
    units = [Unit(0, "process", "p")] + [Unit(i, "thread", f"t{i}", 0)
                                         for i in range(1, units_sleeping + 1)]
    tr = Trace(Header("real", time_scale=0.01), units)
    for u in range(1, units_sleeping + 1):
        tr.append(0, u, "block", reason="sleep", value=10_000_000)
    for u in range(1, units_sleeping + 1):
        tr.append(10_100_000, u, "wake")
    tr.append(10_100_000 + work_ns, 1, "emit", label="done")
    return tr


def test_overlapping_sleeps_stretch_once_and_work_is_not_stretched():
    from schedsim.compare.timing import trace_clock
    one, three = trace_clock(sleepy(1, 2_000_000), "sleeps"), trace_clock(sleepy(3, 2_000_000),
                                                                             "sleeps")
    for clock in (one, three):
        assert clock.model(10_000_000) == pytest.approx(1e9)
        assert clock.model(12_100_000) == pytest.approx(1e9 + 2_100_000)  # overshoot + work
        assert clock.to_raw(clock.model(11_000_000)) == pytest.approx(11_000_000)
        assert clock.rate(5_000_000) == 100 and clock.rate(11_000_000) == 1
        assert clock.rate(10_000_000) == 1  # an event at the edge of a sleep is outside it
    assert trace_clock(sleepy(1, 0), "scale").model(12_100_000) == pytest.approx(1.21e9)


def test_a_scaled_trace_without_sleeps_falls_back_to_division():
    from schedsim.compare.timing import trace_clock
    tr = Trace(Header("real", time_scale=0.5), [Unit(0, "process", "p")])
    tr.append(100, 0, "emit", label="x")
    clock = trace_clock(tr, "sleeps")
    assert clock.basis == "scale" and clock.model(100) == 200


def test_a_badly_scaled_run_fails_on_makespan(rows):
    act = make_trace(rows, REAL_NAMES, source="real", scale=0.01)
    act.header.time_scale = 0.02  # claims a different scale than it ran with
    c = compare(make_trace(rows), act, timebase="scale")
    assert any(f.startswith("makespan error -2.5") for f in c.failures)


@settings(max_examples=40, deadline=None)
@given(st.permutations([1, 2, 3, 4, 5]), st.lists(st.integers(1, 3), min_size=5, max_size=5))
def test_mapping_recovers_any_renaming(perm, counts):
    """Threads with distinct output are found again however the other trace numbers them."""
    def trace(order, names):
        tr = Trace(Header("sim"), [Unit(0, "process", "p")] +
                   [Unit(i, "thread", names[i - 1], 0) for i in range(1, 6)])
        t = 0
        for k in range(1, 6):
            for _ in range(counts[k - 1]):
                tr.append(t, order[k - 1], "emit", label=f"worker {k} says hi")
                t += 1
        return tr

    exp = trace([1, 2, 3, 4, 5], [f"w{i}" for i in range(1, 6)])
    act = trace(list(perm), [f"Thread-{i}" for i in range(1, 6)])
    pairs = map_units(exp, act, emits(exp), emits(act))
    for k in range(1, 6):
        assert pairs[k].actual == perm[k - 1] and pairs[k].shared == counts[k - 1]
