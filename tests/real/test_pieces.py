"""Unit tests of the tracer's pieces: ANSI splitting, raw files."""

import pytest

from schedsim.real.ansi import split_ansi
from schedsim.real.rawlog import EMIT, RawLog, read_raw


def test_split_ansi_plain_and_coloured():
    assert split_ansi("plain") == ("plain", None)
    label, style = split_ansi("\x1b[32;1m[producer]\x1b[0m做好了新包子 1")
    assert label == "[producer]做好了新包子 1"
    assert style == [{"start": 0, "end": 10, "sgr": "32;1"}]


def test_split_ansi_accumulates_and_drops_other_escapes():
    label, style = split_ansi("a\x1b[1mb\x1b[31mc\x1b[0md\x1b[2Ke")
    assert label == "abcde"
    assert style == [{"start": 1, "end": 2, "sgr": "1"}, {"start": 2, "end": 3, "sgr": "1;31"}]


def test_raw_log_round_trip_and_torn_chunk(tmp_path):
    log = RawLog(str(tmp_path), {"pid": 7, "main": True})
    log.append((EMIT, 1, 2, "x", "stdout"))
    log.flush()
    log.append((EMIT, 3, 2, "y", "stdout"))
    log.close()
    header, events = read_raw(log.path)
    assert header["pid"] == 7 and [e[3] for e in events] == ["x", "y"]
    data = (tmp_path / "raw-7.bin").read_bytes()
    (tmp_path / "raw-7.bin").write_bytes(data[:-3])  # killed while writing the last chunk
    assert [e[3] for e in read_raw(log.path)[1]] == ["x"]
    (tmp_path / "raw-7.bin").write_bytes(data[:4])
    with pytest.raises(ValueError, match="not a schedsim raw file"):
        read_raw(log.path)
