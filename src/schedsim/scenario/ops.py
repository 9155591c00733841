"""The operations a program may contain, as data.

Each entry of :data:`OPS` says what the operation's argument looks like,
which options may be written beside it, and whether it may be written bare
(``- recv``).  :func:`check_ops` turns a YAML list into
:class:`~schedsim.model.spec.Op` objects, each carrying its location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model.spec import Loc, Op
from .schema import (Custom, Cost, Duration, Either, Field, Int, Map, Name, NameRef, Seq, Str,
                     Value, Where, check, expected, found)


@dataclass(frozen=True)
class OpDef:
    """One operation: argument schema, options beside it, whether bare is allowed."""

    arg: Any
    doc: str
    opts: dict = field(default_factory=dict)
    bare: bool = False


def _ops(value: Any, where: Where) -> list[Op]:
    return check_ops(value, where, OPS)


OPS_SCHEMA = Custom(_ops, "a list of operations", list)
NAMES = Seq(NameRef(), single=True, min_len=1)
RANDOM = Map({"min": Field(Duration(), True), "max": Field(Duration(), True)},
             "a mapping {min: DURATION, max: DURATION}")
IO = Map({
    "time": Field(Duration(), True, doc="how long the device takes"),
    "mode": Field(Name(), False, "blocking", "blocking | poll | async"),
    "every": Field(Duration(), False, 1_000_000, "poll: time between two polls"),
    "as": Field(Name(), False, None, "async: name of the request, for a later wait"),
    "callback": Field(OPS_SCHEMA, False, None, "async: operations run when it completes"),
}, "a mapping {time: DURATION, mode: blocking|poll|async, every, as, callback}")

OPS: dict[str, OpDef] = {
    "emit": OpDef(Str(), "print a line (label); {name} placeholders are substituted"),
    "compute": OpDef(Either((Duration(), RANDOM)),
                     "use the CPU for a time (or a seeded random time in [min, max])"),
    "sleep": OpDef(Duration(), "time.sleep: block the thread (and release the GIL)"),
    "start": OpDef(NAMES, "prime generator coroutines: next(gen)"),
    "send": OpDef(Map({"to": Field(NameRef(), True), "value": Field(Value())},
                      "a mapping {to: GENERATOR, value: VALUE}"),
                  "gen.send(value): run the generator until its next recv, then come back"),
    "recv": OpDef(Either((Name(), Map({"as": Field(Name(), False, "value")},
                                      "a mapping {as: NAME}"))),
                  "x = yield: suspend until a send; the value goes into {value} or {as}",
                  bare=True),
    "repeat": OpDef(Int(0), "run `do` N times; `as` counts from `from` (default 1)",
                    {"as": Field(Name()), "from": Field(Int(), False, 1),
                     "do": Field(OPS_SCHEMA, True)}),
    "loop": OpDef(OPS_SCHEMA, "run the operations forever (a generator's while True)"),
    "spawn": OpDef(NAMES, "start declared threads, child processes or asyncio tasks"),
    "open": OpDef(NAMES, "create IPC channels where the program does: multiprocessing.Queue()"),
    "join": OpDef(NAMES, "wait for threads of this process or children of this process"),
    "kill": OpDef(NAMES, "terminate child processes of this process"),
    "lock": OpDef(NameRef(), "acquire a lock of this process (blocks while another holds it)"),
    "unlock": OpDef(NameRef(), "release a lock this thread holds"),
    "set": OpDef(NameRef(), "set an event: wake every waiter"),
    "clear": OpDef(NameRef(), "clear an event"),
    "wait": OpDef(NameRef(), "wait for an event to be set, or for an async io request"),
    "put": OpDef(Map({"queue": Field(NameRef(), True), "value": Field(Value()),
                      "size": Field(Int(0), False, 0, "payload KiB (IPC cost)")},
                     "a mapping {queue: QUEUE, value: VALUE, size: KIB}"),
                 "put a value on a queue (blocks while a bounded queue is full)"),
    "get": OpDef(Either((NameRef(), Map({"queue": Field(NameRef(), True),
                                      "as": Field(Name(), False, "value")},
                                     "a mapping {queue: QUEUE, as: NAME}"))),
                 "take a value from a queue (blocks while it is empty)"),
    "read": OpDef(Either((NameRef(), Map({"var": Field(NameRef(), True), "as": Field(Name())},
                                      "a mapping {var: VARIABLE, as: NAME}"))),
                  "read a variable of the address space (recorded with the value seen)"),
    "write": OpDef(Map({"var": Field(NameRef(), True), "value": Field(Value(), True)},
                       "a mapping {var: VARIABLE, value: VALUE}"),
                   "write a variable of the address space"),
    "io": OpDef(Either((Duration(), IO)),
                "device I/O: blocking, non-blocking with polling, or asynchronous"),
    "await": OpDef(Custom(lambda v, w: check_ops(v, w, AWAITABLE, single=True)[0],
                          "a mapping with one of: sleep, get, put, wait, join, io", dict),
                   "in an asyncio task: suspend the task (not the thread) until it is ready"),
}

#: what an asyncio task may ``await``
AWAITABLE: dict[str, OpDef] = {name: OPS[name] for name in
                               ("sleep", "get", "put", "wait", "join", "io")}

#: machine cost overrides share the profile's names; Cost() accepts 3us or 3000
COST_SCHEMA = Cost()


def _op_at(item: Any, where: Where, table: dict[str, OpDef]) -> Op:
    loc = Loc(where.file, where.line, where.path)
    allowed = ", ".join(table)
    if isinstance(item, str):
        d = table.get(item)
        if d is None or not d.bare:
            hint = f"'{item}' needs an argument, e.g. '{item}: ...'" if d else \
                f"unknown operation {item!r}; expected one of: {allowed}"
            raise where.error(hint)
        return Op(item, None, {k: f.default for k, f in d.opts.items()}, loc)
    if not isinstance(item, dict):
        raise where.error(f"expected an operation (a mapping like 'emit: text'), "
                          f"found {found(item)}")
    names = [k for k in item if k in table]
    if len(names) != 1:
        if not names:
            key = next(iter(item), None)
            raise where.at(key, item).error(
                f"unknown operation {key!r}; expected one of: {allowed}")
        raise where.error(f"one operation per list item, found {', '.join(names)}")
    name = names[0]
    d = table[name]
    for key in item:
        if key != name and key not in d.opts:
            extra = ", ".join(d.opts) or "none"
            raise where.at(key, item).error(
                f"unknown key {key!r} beside {name!r}; allowed beside it: {extra}")
    arg = check(d.arg, item[name], where.at(name, item))
    opts = {k: check(f.schema, item[k], where.at(k, item)) if k in item else f.default
            for k, f in d.opts.items()}
    for k, f in d.opts.items():
        if f.required and k not in item:
            raise where.error(f"{name!r} needs {k!r} ({expected(f.schema)})")
    return Op(name, arg, opts, loc)


def check_ops(value: Any, where: Where, table: dict[str, OpDef] = OPS,
              single: bool = False) -> list[Op]:
    """Check a list of operations against ``table``."""
    if single:
        return [_op_at(value, where, table)]
    if not isinstance(value, list):
        raise where.error(f"expected a list of operations, found {found(value)}")
    return [_op_at(item, where.at(i, value), table) for i, item in enumerate(value)]
