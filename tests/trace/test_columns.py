"""Bulk events: ``Trace.extend`` and ``Trace.json_text``, compiled and pure Python.

Each test runs with the compiled helper (``schedsim.trace._columns``)
and with its pure-Python twin; both must agree with ``Trace.append`` one
event at a time and with the reference encoding of one :class:`Event`
(``jsonl.event_json``).
"""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedsim.trace import Event, Header, Trace, columns
from schedsim.trace.events import KINDS
from schedsim.trace.jsonl import _dumps, dump, event_json


def _trace(units: int = 3) -> Trace:
    tr = Trace(Header("real"))
    tr.new_unit("process", "p")
    for i in range(1, units):
        tr.new_unit("thread", f"t{i}", 0)
    return tr


_opt_small = st.one_of(st.none(), st.integers(0, 3), st.integers(0, 2**31 - 1))
_opt_int = st.one_of(st.none(), st.integers(0, 3), st.integers(0, 2**62))
_opt_str = st.one_of(st.none(), st.sampled_from(["yield", "coroutine", "包子", 'q"\\\n', ""]))
_value = st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3),
                   st.lists(st.integers(0, 3), max_size=2), st.just({"run_ns": 7}))


@st.composite
def _events(draw, units: int = 3):
    n = draw(st.integers(0, 40))
    gaps = draw(st.lists(st.integers(0, 3) | st.integers(0, 10**12), min_size=n, max_size=n))
    out, t = [], 0
    for gap in gaps:
        t += gap
        out.append(Event(t, draw(st.integers(0, units - 1)), draw(st.sampled_from(KINDS)),
                         draw(_opt_small), draw(_opt_int), draw(_opt_int), draw(_opt_small),
                         draw(_opt_str), draw(_opt_str), draw(_opt_str), draw(_opt_str),
                         draw(_value), draw(_value)))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_events(), second=_events())
def test_extend_is_append_one_by_one(column_impl, first, second):
    one, bulk = _trace(), _trace()
    for ev in first + [e._replace(t=e.t + (first[-1].t if first else 0)) for e in second]:
        one.append(*ev[:3], **ev.fields())
    bulk.extend(first)
    bulk.extend([tuple(e._replace(t=e.t + (first[-1].t if first else 0))) for e in second])
    assert list(bulk) == list(one)
    assert [bulk.indices(k) for k in KINDS] == [one.indices(k) for k in KINDS]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_events(), size=st.integers(1, 7))
def test_json_text_is_each_event_encoded_alone(column_impl, events, size):
    tr = _trace()
    tr.extend(events)
    text = "".join(tr.json_text(_dumps, size=size))
    assert text == "".join(event_json(ev) + "\n" for ev in tr)
    assert list(tr.json_lines(_dumps)) == [event_json(ev) for ev in tr]
    for line, ev in zip(text.split("\n"), tr):
        assert json.loads(line) == {"t": ev.t, "unit": ev.unit, "kind": ev.kind, **ev.fields()}


def test_dump_of_many_events_spans_pieces(column_impl):
    tr = _trace()
    tr.extend((t, t % 3, "run", t % 2 or None, None, None, None, None, None, None, None, None,
               None) for t in range(70_000))
    out = io.StringIO()
    dump(tr, out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 70_001
    assert lines[1] == '{"t":0,"unit":0,"kind":"run"}'
    assert lines[-1] == '{"t":69999,"unit":0,"kind":"run","cpu":1}'


_ROW = (None,) * 10


@pytest.mark.parametrize("rows, message", [
    ([(5, 0, "run") + _ROW, (4, 0, "run") + _ROW], "event 2 at t=4 is earlier .* time order"),
    ([(5, 0, "run") + _ROW, (6, 3, "run") + _ROW], "event 2: unknown unit 3"),
    ([(5, -1, "run") + _ROW], "event 1: unknown unit -1"),
    ([(5, 0, "hop") + _ROW], "unknown event kind 'hop'"),
    ([(5, 0, "run")], "event 1: expected 13 fields"),
])
def test_extend_refuses_bad_events_and_appends_none(column_impl, rows, message):
    tr = _trace()
    tr.append(5, 0, "run")
    with pytest.raises(ValueError, match=message):
        tr.extend(rows)
    assert len(tr) == 1 and list(tr) == [Event(5, 0, "run")]
    assert "".join(tr.json_text(_dumps)) == '{"t":5,"unit":0,"kind":"run"}\n'


def test_extend_checks_order_against_events_already_there(column_impl):
    tr = _trace()
    tr.append(10, 0, "run")
    with pytest.raises(ValueError, match="event 1 at t=9"):
        tr.extend([(9, 0, "run") + _ROW])
    tr.extend([(10, 1, "stop", None, None, None, None, None, "yield") + (None,) * 4])
    assert tr[1] == Event(10, 1, "stop", reason="yield")


def test_compiled_and_python_columns_agree():
    if columns.compiled is None:
        pytest.skip("schedsim.trace._columns is not built")
    rows = [(t, t % 2, KINDS[t % len(KINDS)], None, t or None, None, 1, "a" if t % 3 else None,
             None, "b", None, {"v": t} if t % 5 == 0 else None, None) for t in range(50)]
    tables = [{None: 0, "a": 1, "b": 2} for _ in range(2)]
    c = columns.compiled.rows_to_columns(rows, {k: i for i, k in enumerate(KINDS)},
                                         tables[0], None, 2, 7)
    p = columns.py_rows_to_columns(rows, {k: i for i, k in enumerate(KINDS)}, tables[1], None, 2, 7)
    assert c == p
    assert c[11][0] == (7, {"v": 0})
