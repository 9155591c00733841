"""The tiny label formatter: placeholders, offsets, escapes, errors; never eval."""

import pytest

from schedsim.model.template import TemplateError, names, render


def test_placeholders_and_offsets():
    assert render("[{name}] eats {n}", {"name": "c1", "n": 3}) == "[c1] eats 3"
    assert render("{n+1}/{n-2}", {"n": 5}) == "6/3"


def test_a_lone_placeholder_keeps_its_type():
    assert render("{n}", {"n": 3}) == 3
    assert render("{n+1}", {"n": 3}) == 4
    assert render(7, {}) == 7 and render(None, {}) is None


def test_braces_escape():
    assert render("{{literal}} {x}", {"x": 1}) == "{literal} 1"


def test_unknown_variable_names_the_known_ones():
    with pytest.raises(TemplateError, match=r"unknown variable \{m\} \(known here: n\)"):
        render("{m}", {"n": 1})


def test_offset_needs_a_number():
    with pytest.raises(TemplateError, match="needs a whole number"):
        render("{s+1}", {"s": "text"})


def test_no_eval():
    with pytest.raises(TemplateError, match="unmatched"):
        render("{__import__('os')}", {})
    assert names("{a} {b+1} {{c}}") == ["a", "b"]
