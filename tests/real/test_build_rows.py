"""The builder's fast paths: causes point at the right events when units appear mid-way."""

from schedsim.real import rawlog as raw
from schedsim.real.build import build_trace
from schedsim.trace import Header

META = {"pid": 1, "ppid": 0, "main": True, "program": "p.py", "tid": 1, "thread": "MainThread"}


def _build(events):
    return build_trace(Header(source="real"), [(META, events)], 0)


def test_put_from_a_thread_seen_first_links_its_get_to_the_send():
    trace = _build([(raw.START, 100, 1), (raw.QPUT, 110, 7, 55, 1, "queue.Queue"),
                    (raw.QGET, 120, 1, 55, 1, "queue.Queue")])
    recv = trace.select("recv")[0]
    send = trace[recv.cause]
    assert send.kind == "send" and trace.units[send.unit].name == "thread-7"
    assert trace.units[recv.unit].name == "MainThread"


def test_generator_transfer_from_a_new_thread_causes_run_and_recv():
    trace = _build([(raw.START, 100, 1),
                    (raw.GSTART, 110, 9, 77, "gen", "next", "main"),
                    (raw.GYIELD, 111, 9, 77),
                    (raw.GRESUME, 120, 9, 77, "send", "main"),
                    (raw.GEND, 130, 9, 77)])
    gen = trace.unit_by_name("gen#1").id
    sends = trace.indices("send")
    assert [trace[i].obj for i in sends] == ["next", "send"]
    assert [e.cause for e in trace.select("run", gen)] == sends
    assert [e.cause for e in trace.select("recv", gen)] == sends[1:]
    assert [e.reason for e in trace.select("stop", gen)] == ["yield", "exit"]
    back = trace.select("switch", trace.unit_by_name("thread-9").id)
    assert [e.peer for e in back] == [gen, gen]


def test_many_events_are_moved_into_the_trace_in_bulk_in_order():
    events = [(raw.START, 100, 1)]
    for i in range(150_000):
        events += [(raw.GRESUME if i else raw.GSTART, 200 + 2 * i, 1, 5,
                    *(() if i else ("g",)), "next", "main"),
                   (raw.GYIELD, 201 + 2 * i, 1, 5)]
    trace = _build(events)
    sends = trace.indices("send")
    assert len(sends) == 150_000
    runs = [e.cause for e in trace.select("run", trace.unit_by_name("g#1").id)]
    assert runs == sends
