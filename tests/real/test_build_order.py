"""The replay order of raw events: as if stably sorted by (time, stream)."""

from hypothesis import given
from hypothesis import strategies as st

from schedsim.real import build_order as order
from schedsim.real import rawlog as raw

_event = st.tuples(st.sampled_from([raw.EMIT, raw.QPUT, raw.REAPED, raw.FORKED]),
                   st.integers(0, 6), st.integers(0, 10**6))
_streams = st.lists(st.lists(_event, max_size=8), min_size=1, max_size=4)


def _replayed(streams):
    return [(i, ev) for i, evs in order.runs(streams) for ev in evs]


@given(_streams)
def test_runs_are_a_stable_sort_by_time_then_stream(raws):
    streams = [order.sorted_stream(evs) for evs in raws]
    expected = sorted(((ev[1], i, k), ev) for i, evs in enumerate(raws)
                      for k, ev in enumerate(evs))
    assert _replayed(streams) == [(key[1], ev) for key, ev in expected]


@given(_streams)
def test_early_events_and_start_time(raws):
    streams = [order.sorted_stream(evs) for evs in raws]
    everything = sorted(((ev[1], i, k), ev) for i, evs in enumerate(raws)
                        for k, ev in enumerate(evs))
    early = [(i, ev) for (_, i, _), ev in everything if ev[0] in order.EARLY]
    assert order.early_events(streams, len(streams)) == early
    assert order.start_time(streams, None) == (everything[0][0][0] if everything else 0)


def test_blocked_span_is_replayed_as_its_two_ends():
    events = [(raw.EMIT, 5, 1, "a", "stdout"), (raw.BLOCKED, 2, 1, 9, "recv", "q", 7, None),
              (raw.EMIT, 6, 1, "b", "stdout")]
    assert order.sorted_stream(events) == [
        (order.BLOCK_AT, 2, 1, "recv", "q", 7, None), (raw.EMIT, 5, 1, "a", "stdout"),
        (raw.EMIT, 6, 1, "b", "stdout"), (order.UNBLOCK, 9, 1)]


def test_start_is_the_main_process_start_when_recorded():
    streams = [[(raw.EMIT, 3, 1)], [(raw.EMIT, 1, 2), (raw.START, 4, 2)]]
    assert order.start_time(streams, 1) == 4
    assert order.start_time(streams, 0) == 1
