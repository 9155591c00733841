"""The JSON Lines file format: exact bytes, round trips, located errors."""

import json
import os

import pytest

from schedsim.errors import TraceFormatError
from schedsim.trace import Header, Trace, TraceWriter, load, save



def test_file_layout_is_header_then_one_event_per_line(tmp_path, small_trace):
    path = tmp_path / "t.jsonl"
    save(small_trace(), path)
    lines = path.read_text("utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["schema"] == "schedsim.trace/1"
    assert header["source"] == "sim" and header["clock"] == "ns"
    assert [u["name"] for u in header["units"]] == ["main", "main", "c1"]
    assert header["units"][2] == {"id": 2, "kind": "coroutine", "name": "c1", "parent": 1}
    # fixed key order, compact separators, real UTF-8 (checked by hand against the contract)
    assert lines[1] == '{"t":0,"unit":1,"kind":"run","cpu":0}'
    assert lines[3] == '{"t":5,"unit":2,"kind":"switch","cpu":0,"cost":13,"peer":1,"level":"coroutine"}'
    assert lines[6] == '{"t":20,"unit":2,"kind":"emit","label":"[c1] 正在吃包子 1"}'
    assert len(lines) == 8


def test_round_trip_is_lossless_and_byte_identical(tmp_path, small_trace):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    save(small_trace(), a)
    again = load(a)
    assert list(again) == list(small_trace())
    save(again, b)
    assert a.read_bytes() == b.read_bytes()


def test_streaming_writer_gives_the_same_bytes(tmp_path, small_trace):
    ref = small_trace()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    save(ref, a)
    with TraceWriter(b, ref.header, ref.units) as w:
        for ev in ref:
            w.append(ev.t, ev.unit, ev.kind, **ev.fields())
    assert a.read_bytes() == b.read_bytes()


def test_aborted_stream_keeps_the_old_file(tmp_path, small_trace):
    path = tmp_path / "t.jsonl"
    path.write_text("precious")
    ref = small_trace()
    with pytest.raises(RuntimeError):
        with TraceWriter(path, ref.header, ref.units) as w:
            w.append(0, 1, "run")
            raise RuntimeError("simulation failed")
    assert path.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["t.jsonl"]


def _write(tmp_path, *lines):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


HEADER = json.dumps({"schema": "schedsim.trace/1", "source": "real",
                     "units": [{"id": 0, "kind": "process", "name": "p", "parent": None}]})


@pytest.mark.parametrize("lines, message", [
    ((HEADER, '{"t":0,"unit":0,"kind":"run"', ), r"bad.jsonl:2: not valid JSON"),
    ((HEADER, '{"t":-1,"unit":0,"kind":"run"}'), r"bad.jsonl:2: field 't' must be a non-negative"),
    ((HEADER, '{"t":0,"unit":4,"kind":"run"}'), r"bad.jsonl:2: field 'unit' must be a unit id 0..0"),
    ((HEADER, '{"t":0,"unit":0,"kind":"jump"}'), r"bad.jsonl:2: field 'kind' must be one of"),
    ((HEADER, '{"t":0,"unit":0,"kind":"run","colour":1}'), r"bad.jsonl:2: unknown field 'colour'"),
    ((HEADER, '{"t":5,"unit":0,"kind":"run"}', '{"t":4,"unit":0,"kind":"run"}'),
     r"bad.jsonl:3: events must be in time order"),
    ((HEADER, '{"t":0,"unit":0,"kind":"recv","cause":7}'), r"bad.jsonl:2: field 'cause' must refer"),
    ((HEADER.replace("trace/1", "trace/2"),), r"bad.jsonl:1: trace schema 'schedsim.trace/2' is not supported"),
    (('{"hello": 1}',), r"bad.jsonl:1: not a schedsim trace"),
    ((HEADER.replace('"real"', '"guess"'),), r"bad.jsonl:1: header 'source' must be"),
])
def test_malformed_files_name_file_line_and_problem(tmp_path, lines, message):
    with pytest.raises(TraceFormatError, match=message):
        load(_write(tmp_path, *lines))


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    with pytest.raises(TraceFormatError, match="e.jsonl: empty file"):
        load(empty)
    with pytest.raises(TraceFormatError, match="cannot open trace"):
        load(tmp_path / "nope.jsonl")


def test_non_utf8_is_reported(tmp_path):
    path = tmp_path / "bin.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TraceFormatError, match="not UTF-8"):
        load(path)


def test_saved_files_get_the_usual_permissions(tmp_path, small_trace):
    path = tmp_path / "t.jsonl"
    old = os.umask(0o022)
    try:
        save(small_trace(), path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
