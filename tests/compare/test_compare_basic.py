"""compare(): identical traces pass; missing, swapped and late lines fail and say where."""

from __future__ import annotations

import json

import pytest

from schedsim.compare import Tolerances, compare
from schedsim.compare.textfmt import duration
from schedsim.errors import CompareError
from schedsim.trace import Header, Trace, Unit

from .conftest import S, emit_row, make_trace


def test_identical_traces_pass_with_zero_error(rows):
    c = compare(make_trace(rows), make_trace(rows))
    assert c.ok and c.failures == [] and c.verdict == "PASS"
    assert len(c.matches) == 17 and not c.missing and not c.extra
    assert c.timing.max == 0 and c.makespan.error == 0
    assert c.order.divergence is None
    assert c.format_text().startswith("PASS")


def test_a_missing_line_fails_naming_the_line(rows):
    gone = emit_row(rows, "[c2] 正在吃包子 3")
    c = compare(make_trace(rows), make_trace(rows, drop={gone}))
    assert not c.ok
    assert [e.label for e in c.missing] == ["[c2] 正在吃包子 3"] and not c.extra
    assert "missing" in c.failures[0] and "[c2] 正在吃包子 3" in c.failures[0]
    assert "c2" in c.failures[0]
    text = c.format_text()
    assert text.startswith("FAIL") and "missing: '[c2] 正在吃包子 3'" in text


def test_an_extra_line_fails(rows):
    exp = make_trace(rows)
    act = make_trace(rows[:-1])
    act.append(act.duration, 1, "emit", label="bye")
    c = compare(exp, act)
    assert [e.label for e in c.extra] == ["bye"]
    assert "extra" in c.failures[0] and "'bye'" in c.failures[0]


def test_swapped_lines_fail_with_the_first_divergence_and_context(rows):
    a, b = emit_row(rows, "[c1] 正在吃包子 2"), emit_row(rows, "[c2] 正在吃包子 2")
    swapped = list(rows)
    swapped[a] = rows[a][:3] + ({"label": rows[b][3]["label"]},)
    swapped[b] = rows[b][:3] + ({"label": rows[a][3]["label"]},)
    c = compare(make_trace(rows), make_trace(swapped), order="exact",
                tolerances=Tolerances(max_misattributed=99))
    assert not c.ok
    div = c.order.divergence
    assert div.expected.expected.label == "[c1] 正在吃包子 2"
    assert div.early.actual.label == "[c2] 正在吃包子 2"
    assert div.position == 6  # 2 ready lines, 3 for bun 1, producer 2, then the swap
    assert div.expected_context == ["[c2] 正在吃包子 1", "[producer]做好了新包子 2",
                                    "[[c1] 正在吃包子 2]", "[c2] 正在吃包子 2",
                                    "[producer]做好了新包子 3"]
    assert div.actual_context[2] == "[[c2] 正在吃包子 2]"
    assert c.order.displaced == 1
    order_failure = [f for f in c.failures if f.startswith("order differs")]
    assert order_failure and "matched line 7" in order_failure[0]


def test_swapped_lines_are_also_misattributed_by_default(rows):
    a, b = emit_row(rows, "[c1] 正在吃包子 2"), emit_row(rows, "[c2] 正在吃包子 2")
    swapped = list(rows)
    swapped[a] = rows[a][:3] + ({"label": rows[b][3]["label"]},)
    swapped[b] = rows[b][:3] + ({"label": rows[a][3]["label"]},)
    c = compare(make_trace(rows), make_trace(swapped))
    assert any("different unit" in f and "[c1] 正在吃包子 2" in f for f in c.failures)


def test_a_late_line_fails_on_timing_naming_it(rows):
    late = emit_row(rows, "[producer]做好了新包子 3")
    c = compare(make_trace(rows), make_trace(rows, shift={late: 9 * S // 10}))
    assert not c.ok and c.order.divergence is None
    assert c.timing.max == pytest.approx(0.9 * S)
    fail = [f for f in c.failures if "max timing error" in f]
    assert fail and "[producer]做好了新包子 3" in fail[0] and "+900 ms" in fail[0]
    worst, err = c.worst(1)[0]
    assert worst.expected.label == "[producer]做好了新包子 3" and err == pytest.approx(0.9 * S)


def test_small_drift_passes_within_default_tolerances(rows):
    c = compare(make_trace(rows), make_trace(rows, overshoot=12_000_000))  # 12 ms per sleep
    assert c.ok, c.failures
    assert c.makespan.error == pytest.approx(60_000_000)


def test_makespan_over_tolerance_fails(rows):
    c = compare(make_trace(rows), make_trace(rows, overshoot=100_000_000))
    assert any(f.startswith("makespan error +500 ms") for f in c.failures)
    assert c.makespan.relative == pytest.approx(0.1, rel=1e-3)


def test_tolerances_are_configurable(rows):
    gone = emit_row(rows, "[c2] 正在吃包子 3")
    loose = Tolerances(max_missing=1)
    assert compare(make_trace(rows), make_trace(rows, drop={gone}), tolerances=loose).ok
    with pytest.raises(ValueError, match="timing_p95"):
        Tolerances(timing_p95=-1)


def test_align_first_removes_a_start_offset_and_reports_it(rows):
    late_start = {r: 300_000_000 for r in range(len(rows))}
    exp, act = make_trace(rows), make_trace(rows, shift=late_start)
    assert not compare(exp, act, align="start").ok
    c = compare(exp, act)  # align="first" is the default
    assert c.ok, c.failures
    assert c.timing.max == 0
    first = next(r[0] for r in rows if r[2] == "emit")
    assert c.startup == (first, first + 300_000_000)
    assert (f"Start-up (zero to the first matched line): expected {duration(first)}, "
            "actual 300 ms (not judged: aligned at the first line)") in c.format_text()
    with pytest.raises(ValueError, match="align"):
        compare(exp, act, align="middle")


def test_no_common_emit_is_a_compare_error(rows):
    other = Trace(Header("real"), [Unit(0, "process", "p"), Unit(1, "thread", "t", 0)])
    other.append(0, 1, "emit", label="hello")
    with pytest.raises(CompareError, match="share no printed line"):
        compare(make_trace(rows), other)
    silent = Trace(Header("real"), [Unit(0, "process", "p")])
    with pytest.raises(CompareError, match="actual trace has no emit"):
        compare(make_trace(rows), silent)
    assert CompareError.exit_code == 2


def test_json_is_serialisable_and_complete(rows):
    gone = emit_row(rows, "[c2] 正在吃包子 3")
    data = compare(make_trace(rows), make_trace(rows, drop={gone})).to_json()
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    assert json.loads(text)["verdict"] == "FAIL"
    assert data["counts"] == {"matched": 16, "missing": 1, "extra": 0, "misattributed": 0}
    assert data["missing"][0]["label"] == "[c2] 正在吃包子 3"
    assert data["timing"]["model"]["n"] == 16


def test_traces_of_different_programs_are_a_compare_error(rows):
    a = make_trace(rows, source="real", producer={"program": "/x/examples/baozi/coroutines.py"})
    b = make_trace(rows, source="real", producer={"program": "threads.py"})
    with pytest.raises(CompareError, match="different programs: expected 'coroutines.py'"):
        compare(a, b)
    same = make_trace(rows, source="real", producer={"program": "examples/baozi/coroutines.py"})
    assert compare(a, same).ok
    sim = make_trace(rows, producer={"scenario": "s.yaml", "real_program": "threads.py"})
    with pytest.raises(CompareError):
        compare(sim, a)
    assert compare(make_trace(rows), a).ok  # a sim trace that names no program
    other_model = make_trace(rows, producer={"scenario": "t.yaml", "real_program": "x.py"})
    assert compare(sim, other_model).ok     # two models of different programs: a fair question


def test_makespan_ends_with_the_last_thread_not_the_process_teardown(rows):
    """A real process outlives its threads by interpreter teardown; the makespan
    stops at the work's end."""
    teardown = rows + [(rows[-1][0] + 50_000_000, 0, "exit", {})]
    c = compare(make_trace(rows), make_trace(teardown, source="real"))
    assert c.makespan.error == 0
    assert c.ok, c.failures


def _loop_trace(tail):
    """A thread running an event loop: task ``t`` emits at 0 and 10 ms and ends; then
    ``tail`` (time, unit, kind, fields) rows of asyncio.run's shutdown."""
    tr = Trace(Header(source="real"))
    tr.add_unit(Unit(0, "process", "p.py"))
    tr.add_unit(Unit(1, "thread", "MainThread", 0))
    tr.add_unit(Unit(2, "coroutine", "t", 1, attrs={"task": True}))
    tr.add_unit(Unit(3, "coroutine", "event loop", 1, attrs={"loop": True}))
    tr.append(0, 2, "emit", label="a")
    tr.append(10 * S // 1000, 2, "emit", label="b")
    tr.append(11 * S // 1000, 2, "exit")
    for t, unit, kind, fields in tail:
        tr.append(t, unit, kind, **fields)
    return tr


def test_makespan_leaves_out_asyncio_runs_shutdown_but_not_later_work():
    """After the loop's last task, the loop's callbacks and the thread's exit are
    asyncio.run closing down (not described by any scenario); a line printed after it
    is work."""
    model = _loop_trace([(11 * S // 1000, 1, "exit", {})])
    shutdown = [(12 * S // 1000, 3, "run", {}), (12 * S // 1000 + 5000, 3, "stop", {"reason": "yield"}),
                (13 * S // 1000, 1, "exit", {})]
    assert compare(model, _loop_trace(shutdown)).makespan.error == 0
    printed = shutdown[:-1] + [(13 * S // 1000, 1, "emit", {"label": "after"}),
                               (14 * S // 1000, 1, "exit", {})]
    assert compare(model, _loop_trace(printed)).makespan.actual == 13 * S // 1000


def test_makespan_leaves_out_daemon_threads_after_the_main_thread_ended():
    """multiprocessing joins its queues' feeder threads (daemon threads) from atexit,
    after the main thread ended: interpreter shutdown, like the process's own teardown."""
    def trace(tail):
        tr = Trace(Header(source="real"))
        tr.add_unit(Unit(0, "process", "p.py"))
        tr.add_unit(Unit(1, "thread", "MainThread", 0))
        tr.add_unit(Unit(2, "thread", "QueueFeederThread", 0, attrs={"daemon": True}))
        tr.append(0, 1, "emit", label="a")
        tr.append(10 * S // 1000, 1, "emit", label="b")
        tr.append(11 * S // 1000, 1, "exit")
        for t, kind, fields in tail:
            tr.append(t, 2, kind, **fields)
        return tr
    model = trace([])
    shutdown = [(12 * S // 1000, "wake", {}), (12 * S // 1000, "run", {}),
                (13 * S // 1000, "exit", {})]
    assert compare(model, trace(shutdown)).makespan.actual == 11 * S // 1000
    sends = shutdown[:2] + [(13 * S // 1000, "send", {"obj": "q"}), (14 * S // 1000, "exit", {})]
    assert compare(model, trace(sends)).makespan.actual == 13 * S // 1000   # a flush is work
