"""What the generator-hook tests share: a stand-in raw log, the generators
they drive, and how their raw events are compared."""

import os
import threading

import pytest

from schedsim import _speedups
from schedsim.real.rawlog import GEND, GRESUME, GSTART, GYIELD

CODES = (GSTART, GRESUME, GYIELD, GEND)
PACKED = -7  # a code no other raw event uses


class Log:
    """Stands in for RawLog: the events list and a flush that keeps what it drains."""

    def __init__(self):
        self.events, self.drained, self.flushes = [], [], 0

    def flush(self):
        self.flushes += 1
        chunk = self.events[:]
        del self.events[:len(chunk)]
        self.drained.extend(chunk)

    def all(self):
        """Everything recorded, as appended (packed blocks left packed)."""
        return self.drained + self.events

    def expanded(self):
        """Everything recorded, packed blocks (code PACKED) expanded."""
        return _speedups.expand_packed(self.all(), PACKED, CODES)


def in_forked_child(body) -> tuple[int, str]:
    """Fork; the child runs ``body()`` and reports the text it returns, then leaves at
    once.  Returns (the child's pid, that text)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(w, body().encode())
        finally:
            os._exit(0)
    os.close(w)
    text = os.read(r, 10_000).decode()
    os.close(r)
    os.waitpid(pid, 0)
    return pid, text


def generator_in_child(log, hook, expand) -> str:
    """In a forked child: drop what the parent recorded, start a generator, and report
    (code, tid, qualname of a start) of what ``expand(log)`` then holds."""
    del log.events[:]
    del log.drained[:]
    d = consumer()
    next(d)
    hook.drain()
    return repr([(e[0], e[2], e[4] if e[0] == GSTART else "") for e in expand(log)])


def consumer():
    seen = []
    while True:
        try:
            seen.append((yield len(seen)))
        except KeyError:
            yield "caught"


def inner():
    yield 1
    return 2


def outer():
    yield (yield from inner())


def exercise():
    """Sends, next, throw (caught and escaping), close and yield from."""
    c = consumer()
    next(c)
    for i in range(50):
        c.send(i)
    c.throw(KeyError)
    next(c)
    c.close()
    list(outer())
    e = consumer()
    next(e)
    with pytest.raises(ValueError):
        e.throw(ValueError)


def in_a_thread():
    """A generator started, sent to and closed by another thread."""
    def worker():
        g = consumer()
        next(g)
        g.send("t")
        g.close()
    t = threading.Thread(target=worker)
    t.start()
    t.join()


def record(factory, body):
    """Run ``body`` under the hook ``factory(log)`` makes; returns the log."""
    log = Log()
    hook = factory(log)
    hook.install()
    try:
        body()
    finally:
        hook.uninstall()
    return log


def normalized(events):
    """Raw tuples with times dropped, threads numbered, generators numbered by their start."""
    tids, keys, out = {}, {}, []
    for code, _t, tid, key, *rest in events:
        if code == GSTART:
            keys[key] = len(out)
        out.append((code, tids.setdefault(tid, len(tids)), keys.get(key, -1), *rest))
    return out
