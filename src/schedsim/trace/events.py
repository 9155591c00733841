"""The vocabulary of the trace contract: unit kinds, event kinds, fields.

Everything that produces or consumes traces (simulator, real tracer,
comparator, renderers) speaks these names; nothing else is allowed in a
``schedsim.trace/1`` file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

SCHEMA = "schedsim.trace/1"

#: the two kinds of trace source
SOURCES = ("sim", "real")

#: schedulable things; a process has at least one thread, a coroutine lives in a thread
UNIT_KINDS = ("process", "thread", "coroutine")

#: event kinds, in a fixed order: the index is the compact code kept in memory
KINDS = (
    "spawn",   # unit created (cause: the creating event); peer: creator unit
    "exit",    # unit finished; value: exit status where known
    "run",     # unit starts running (on cpu, when known)
    "stop",    # unit stops running; reason: yield | block | preempt | exit
    "switch",  # a context switch onto `unit` from `peer`; level; cost in ns
    "block",   # unit blocks; reason: sleep | io | recv | lock | join | gil | ...; obj
    "wake",    # unit becomes runnable; cause: the event that woke it
    "send",    # unit sends/puts/transfers; peer: receiver unit when known; obj; value
    "recv",    # unit receives/gets; cause: the matching send; obj; value
    "emit",    # an observable output line (what the program prints); label; style
    "mem",     # a read or write of a variable; reason: read | write; obj; value
    "counter", # OS counters sampled for unit; value: {name: number}
    "mark",    # a free annotation; label
)
KIND_CODE = {name: code for code, name in enumerate(KINDS)}

STOP_REASONS = ("yield", "block", "preempt", "exit")
SWITCH_LEVELS = ("process", "thread", "coroutine")
BLOCK_REASONS = ("sleep", "io", "recv", "send", "lock", "join", "gil", "event", "poll", "wait")

#: optional event fields in the order they are written to files
INT_FIELDS = ("cpu", "cause", "cost", "peer")
STR_FIELDS = ("label", "reason", "level", "obj")
FIELDS = INT_FIELDS + STR_FIELDS + ("value", "style")


class Event(NamedTuple):
    """One event, as seen by readers (the trace itself stores columns)."""

    t: int
    unit: int
    kind: str
    cpu: int | None = None
    cause: int | None = None
    cost: int | None = None
    peer: int | None = None
    label: str | None = None
    reason: str | None = None
    level: str | None = None
    obj: str | None = None
    value: Any = None
    style: Any = None

    def fields(self) -> dict:
        """The optional fields that are set, in file order."""
        return {name: getattr(self, name) for name in FIELDS if getattr(self, name) is not None}


@dataclass
class Unit:
    """A schedulable thing: a process, a thread or a coroutine.

    ``parent`` is the id of the enclosing unit (thread -> process, coroutine ->
    thread) or of the creating process for a child process; ``pid``/``tid`` are
    set for real runs; ``attrs`` holds anything else a producer wants to keep
    (e.g. the function a generator runs, its priority, its address space).
    """

    id: int
    kind: str
    name: str
    parent: int | None = None
    pid: int | None = None
    tid: int | None = None
    attrs: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The unit as a header row (fixed key order, unset keys left out)."""
        out: dict = {"id": self.id, "kind": self.kind, "name": self.name, "parent": self.parent}
        if self.pid is not None:
            out["pid"] = self.pid
        if self.tid is not None:
            out["tid"] = self.tid
        if self.attrs:
            out["attrs"] = self.attrs
        return out
