"""Statistics used by calibration: percentiles, line fits, batch timing."""

import pytest
from hypothesis import given, strategies as st

from schedsim.calibrate.stats import Stat, fit_line, per_op, percentile, summarize


def test_summarize_median_and_spread():
    s = summarize([5, 1, 4, 2, 3, 100, 0, 6, 7, 8, 9])
    assert s.median == 5
    assert s.p10 == 1 and s.p90 == 9
    assert s.n == 11
    assert s.spread == 8


def test_percentile_interpolates():
    assert percentile([0, 10], 0.25) == 2.5
    with pytest.raises(ValueError):
        percentile([], 0.5)


@given(st.floats(-1e6, 1e6), st.floats(-1e3, 1e3),
       st.lists(st.integers(0, 1000), min_size=2, max_size=8, unique=True))
def test_fit_line_recovers_exact_line(a, b, xs):
    line = fit_line([(x, Stat(a + b * x, 0, 0, 1)) for x in xs])
    assert line.intercept == pytest.approx(a, abs=1e-6 * (1 + abs(a) + abs(b) * 1000))
    assert line.slope == pytest.approx(b, abs=1e-6 * (1 + abs(b)))


def test_fit_line_needs_two_x():
    with pytest.raises(ValueError):
        fit_line([(1, Stat(1, 1, 1, 1)), (1, Stat(2, 2, 2, 1))])


def test_per_op_divides_by_ops_and_iterations():
    calls = []

    def batch(n):
        calls.append(n)
        return 600 * n
    s = per_op(batch, 100, 3, ops_per_iter=2)
    assert s.median == 300 and s.n == 3
    assert calls == [10, 100, 100, 100]  # one warm-up batch, then the recorded ones


def test_minus_shifts_spread():
    d = Stat(10, 8, 15, 5).minus(Stat(4, 3, 5, 5))
    assert (d.median, d.p10, d.p90) == (6, 4, 11)
