"""Label placement, ANSI styles, time parsing, font discovery."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, strategies as st

from schedsim.errors import RenderError
from schedsim.render import fonts
from schedsim.render.labels import MIN_PX, place, segments, sgr_color
from schedsim.render.style import LIGHT
from schedsim.render.timeaxis import parse_time, parse_window, pick_unit


@given(st.lists(st.tuples(st.floats(0, 2000), st.floats(1, 600)), max_size=40),
       st.integers(1, 3))
def test_placed_labels_never_overlap_or_pass_the_right_edge(items, rows):
    items.sort()
    xs, widths = [x for x, _ in items], [w for _, w in items]
    spots = place(xs, widths, rows, right=2000.0)
    assert len(spots) == len(xs)
    for spot, w in zip(spots, widths):
        assert 0 <= spot.row < rows
        assert spot.width <= w + 1e-9
        assert spot.width in (0, w) or spot.width >= MIN_PX
        assert spot.start + spot.width <= 2000.0 + 1e-6
    shown = sorted((s.row, s.start, s.start + s.width) for s in spots if s.width > 0)
    for (r1, _, e1), (r2, s2, _) in zip(shown, shown[1:]):
        if r1 == r2:
            assert s2 >= e1


def test_labels_take_the_next_row_before_being_shortened():
    spots = place([0, 50, 100], [200, 200, 200], rows=3, right=1000)
    assert [(s.row, s.width) for s in spots] == [(0, 200), (1, 200), (2, 200)]
    spots = place([0, 50, 100], [200, 200, 200], rows=2, right=1000, gap=8)
    # rows 0 and 1 are taken: the label in row 0 is cut to end 8 px before the third one
    assert [(s.row, s.width) for s in spots] == [(0, 92), (1, 200), (0, 200)]
    spots = place([0, 10, 20], [200, 200, 200], rows=1, right=1000, gap=0)
    assert [s.width for s in spots] == [0.0, 0.0, 200]  # too little room: hidden


def test_a_label_near_the_right_edge_ends_there_instead_of_vanishing():
    (spot,) = place([950], [200], rows=1, right=1000)
    assert spot.start == 800 and spot.width == 200
    # with a label before it, it starts after that one (and is shortened) rather than hide it
    first, second = place([700, 950], [150, 200], rows=1, right=1000, gap=8)
    assert (first.start, first.width) == (700, 150)
    assert (second.start, second.width) == (858, 142)


def test_ansi_segments():
    runs = segments("[producer]做好了新包子 1", [{"start": 0, "end": 10, "sgr": "32;1"}],
                    LIGHT.ansi)
    assert runs == [("[producer]", LIGHT.ansi[32], True), ("做好了新包子 1", None, False)]
    assert segments("plain", None, LIGHT.ansi) == [("plain", None, False)]
    assert sgr_color("91", LIGHT.ansi) == (LIGHT.ansi[31], False)
    assert sgr_color("38;2;255;0;16", LIGHT.ansi) == ("#ff0010", False)
    assert sgr_color("1;38;5;196", LIGHT.ansi) == ("#ff0000", True)
    assert sgr_color("38;5;2", LIGHT.ansi) == (LIGHT.ansi[32], False)
    assert sgr_color("38;5;244", LIGHT.ansi) == ("#808080", False)
    assert sgr_color("32;1;0", LIGHT.ansi) == (None, False)


@pytest.mark.parametrize("text,ns", [("1.5s", 1.5e9), ("200ms", 2e8), ("30us", 3e4),
                                     ("30µs", 3e4), ("100ns", 100.0), (2, 2e9), (0.25, 2.5e8),
                                     ("1.5", 1.5e9)])
def test_parse_time(text, ns):
    assert parse_time(text) == ns


@pytest.mark.parametrize("bad", ["1.5 min", "fast", "-1s", -3])
def test_parse_time_rejects(bad):
    with pytest.raises(RenderError):
        parse_time(bad)


def test_parse_window():
    assert parse_window("1s:2.5s") == (1e9, 2.5e9)
    assert parse_window((0, "1ms")) == (0.0, 1e6)
    assert parse_window((1, 2.5)) == (1e9, 2.5e9)  # numbers are seconds, as on the CLI
    with pytest.raises(RenderError, match="START:END"):
        parse_window("1s")


def test_pick_unit():
    assert pick_unit(5e9) == ("s", 1e9)
    assert pick_unit(1.5e9) == ("ms", 1e6)
    assert pick_unit(30e3) == ("µs", 1e3)
    assert pick_unit(10) == ("ns", 1.0)


def test_missing_cjk_font_warns_once_and_goes_on(monkeypatch):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())
    monkeypatch.setattr(fonts, "_from_fontconfig", lambda: None)
    fonts.cjk_family.cache_clear()
    try:
        with pytest.warns(fonts.FontWarning, match="CJK"):
            assert fonts.font_families() == [fonts.BASE_FAMILY]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert fonts.font_families() == [fonts.BASE_FAMILY]
    finally:
        fonts.cjk_family.cache_clear()


def test_installed_cjk_font_is_found():
    family = fonts.cjk_family()
    if family is None:
        pytest.skip("no CJK font on this machine")
    assert fonts.font_families() == [fonts.BASE_FAMILY, family]


def test_density_helpers():
    from schedsim.render.density import bursts, thinned
    # 0 alone; 10, 12 a short burst; 30..60 every 3 px a texture; 80 alone
    xs = [0, 10, 12, 30] + list(range(33, 61, 3)) + [80]
    assert [xs[k] for k in bursts(xs, gap=6, span=6)] == [0, 10, 80]
    assert [xs[k] for k in bursts(xs, gap=6, span=0)] == [0, 80]
    assert thinned([0, 3, 7, 9, 20], gap=8) == [True, False, False, True, True]
    assert bursts([]) == [] and thinned([]) == []
