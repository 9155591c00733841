"""Unit tests of the tracer's pieces: ANSI splitting, raw files."""

import pytest

from schedsim.real import rawlog as raw
from schedsim.real.ansi import split_ansi
from schedsim.real.build import build_trace
from schedsim.real.mapfile import INITIAL_SIZE
from schedsim.real.rawlog import EMIT, RawLog, read_raw
from schedsim.trace import Header


def test_split_ansi_plain_and_coloured():
    assert split_ansi("plain") == ("plain", None)
    label, style = split_ansi("\x1b[32;1m[producer]\x1b[0m做好了新包子 1")
    assert label == "[producer]做好了新包子 1"
    assert style == [{"start": 0, "end": 10, "sgr": "32;1"}]


def test_split_ansi_accumulates_and_drops_other_escapes():
    label, style = split_ansi("a\x1b[1mb\x1b[31mc\x1b[0md\x1b[2Ke")
    assert label == "abcde"
    assert style == [{"start": 1, "end": 2, "sgr": "1"}, {"start": 2, "end": 3, "sgr": "1;31"}]


def test_raw_log_round_trip_and_torn_chunk(tmp_path, writer_impl):
    log = RawLog(str(tmp_path), {"pid": 7, "main": True})
    assert log.direct == (writer_impl == "compiled")
    log.append((EMIT, 1, 2, "x", "stdout"))
    log.flush()
    log.close()
    header, events = read_raw(log.path)
    assert header["pid"] == 7 and [e[3] for e in events] == ["x"]
    data = (tmp_path / "raw-7.bin").read_bytes()
    (tmp_path / "raw-7.bin").write_bytes(data[:-3])  # cut inside the last chunk
    assert read_raw(log.path)[1] == []
    (tmp_path / "raw-7.bin").write_bytes(data[:4])
    with pytest.raises(ValueError, match="not a schedsim raw file"):
        read_raw(log.path)


def test_a_sealed_log_reads_whole_and_records_nothing_more(tmp_path, writer_impl):
    """seal() at exit: every event so far is in the file, later ones are not, and the
    compiled writer leaves the map's zeros after the records for the exit to drop."""
    log = RawLog(str(tmp_path), {"pid": 9})
    for i in range(3):
        log.append((EMIT, i, 2, f"line {i}", "stdout"))
    log.seal()
    log.append((EMIT, 9, 2, "after the seal", "stdout"))
    _, events = read_raw(log.path)
    assert [e[3] for e in events] == ["line 0", "line 1", "line 2"]
    size = (tmp_path / "raw-9.bin").stat().st_size
    if writer_impl == "compiled":
        assert size == INITIAL_SIZE            # not trimmed: the exit unmaps
    else:
        assert size < 4096                     # the Python writer closes: trimmed


def test_the_raw_file_holds_every_event_as_soon_as_it_is_safe(tmp_path, writer_impl):
    """What a SIGKILL would leave: the file as it is (zeros after the records), read
    after each step.  The compiled writer has every event in the file at once; the
    Python one after each flush (a printed line, a sleep)."""
    log = RawLog(str(tmp_path), {"pid": 8})
    recorded = []
    for i in range(3 * 4096 + 10):   # more than one chunk, and the file grows
        event = (EMIT, i, 2, "包子" * (i % 50), "stdout", None, 1.5, ("t", 2 ** 40 + i))
        log.append(event)
        recorded.append(event)
        if i % 997 == 0 or i > 3 * 4096:
            if not log.direct:
                log.flush()
            assert read_raw(log.path)[1] == recorded
    log.close()
    assert read_raw(log.path)[1] == recorded


def test_builder_gives_a_reused_thread_id_a_new_lane():
    meta = {"pid": 1, "ppid": 0, "main": True, "program": "p.py", "tid": 1, "thread": "MainThread"}
    events = [(raw.START, 100, 1), (raw.TSTART, 110, 7, "a", False, 11), (raw.TEND, 120, 7),
              (raw.TSTART, 130, 7, "b", False, 12), (raw.EMIT, 140, 7, "hello", "stdout"),
              (raw.EXIT, 150, 1, 0)]
    trace = build_trace(Header(source="real"), [(meta, events)], 0)
    assert [u.name for u in trace.units] == ["p.py", "MainThread", "a", "b"]
    assert trace.units[trace.select("emit")[0].unit].name == "b"
    assert [e.t for e in trace.select("exit")] == [20, 50, 50, 50]


def test_writing_the_log_at_a_sleep_happens_on_the_sleeps_own_time(monkeypatch):
    """The raw log is written out when a sleep starts; the sleep is shortened by what
    that took, so it ends when the program asked (as untraced), not later."""
    import time

    from schedsim.real.rawlog import SLEEP, WAKE
    from schedsim.real.taps import install_sleep

    real_sleep = time.sleep

    class SlowLog:
        def __init__(self):
            self.events = []
            self.append = self.events.append

        def flush(self):
            real_sleep(0.1)

    log = SlowLog()
    monkeypatch.setattr(time, "sleep", time.sleep)  # restored after the test
    install_sleep(log, 1.0)
    before = time.perf_counter_ns()
    time.sleep(0.15)
    took = time.perf_counter_ns() - before
    assert 150_000_000 <= took < 220_000_000          # not 250 ms: the write was absorbed
    (_, start, *_), (_, end, *_) = [e for e in log.events if e[0] in (SLEEP, WAKE)]
    assert end - start >= 150_000_000                 # the recorded block spans the sleep
