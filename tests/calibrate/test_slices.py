"""Drifting probes measured in slices around the caller's runs: split, pause, pool."""

import pytest

from schedsim.calibrate import plan
from schedsim.calibrate.plan import Figures, Step, measure, slice_budget
from schedsim.calibrate.stats import Stat, pool, summarize

MS = 1_000_000


def test_pool_merges_the_samples_of_stats_dicts_and_curves():
    a, b = summarize([1, 2, 3]), summarize([10, 20])
    assert pool([a, b]) == summarize([1, 2, 3, 10, 20])
    assert pool([a, b]).n == 5 and pool([a, b]).median == 3
    assert pool([{"x": a}, {"x": b, "y": b}]) == {"x": summarize([1, 2, 3, 10, 20]), "y": b}
    curve = pool([[(1, a), (2, b)], [(1, b)]])
    assert curve == [(1, summarize([1, 2, 3, 10, 20])), (2, b)]


def test_pool_refuses_a_stat_without_its_samples():
    with pytest.raises(ValueError, match="kept their samples"):
        pool([summarize([1]), Stat(5, 4, 6, 3)])


def test_a_slice_budget_shares_every_count_and_the_shares_add_up():
    slices = 6
    shares = [slice_budget(plan.QUICK, k, slices) for k in range(slices)]
    for attr in ("sleeps", "idles", "async_sleeps"):
        for d, n in getattr(plan.QUICK, attr):
            got = [dict(getattr(b, attr)).get(d, 0) for b in shares]
            assert sum(got) == n and max(got) - min(got) <= 1, (attr, d, got)
    assert sum(b.cold_samples for b in shares) == plan.QUICK.cold_samples
    assert all(b.n_fast == plan.QUICK.n_fast for b in shares)      # steady counts untouched
    assert sum(b.reps for b in shares) == max(plan.QUICK.reps, slices)
    assert (100 * MS) not in dict(shares[-1].sleeps)                # 5 samples: none left


def _toy_steps(log):
    def steady(b):
        log.append("steady")
        return summarize([1])

    def drifting(b):
        log.append(("drift", b.cold_samples))
        return summarize([b.cold_samples] * b.cold_samples)
    return (Step("steady", steady, lambda f, v: f.stats.__setitem__("steady", v)),
            Step("drifting", drifting, lambda f, v: f.stats.__setitem__("drifting", v),
                 drifts=True))


def test_measure_runs_the_drifting_steps_in_slices_with_the_pauses_between():
    log, progress = [], []
    figures = measure(plan.QUICK, lambda *a: progress.append(a[0]), slices=3,
                      pause=lambda k: log.append(("pause", k)), steps=_toy_steps(log))
    assert log == ["steady", ("drift", 14), ("pause", 0), ("drift", 13), ("pause", 1),
                   ("drift", 13)]
    assert figures.stats["drifting"] == summarize([14] * 14 + [13] * 26)
    assert progress == ["steady", "drifting", "drifting", "drifting", "done"]


def test_one_slice_is_the_plain_plan():
    log = []
    figures = measure(plan.QUICK, steps=_toy_steps(log))
    assert log == ["steady", ("drift", plan.QUICK.cold_samples)]
    assert isinstance(figures, Figures) and figures.stats["drifting"].n == 40
