"""The schema of a scenario file, as data (see :mod:`.schema` for the walker)."""

from __future__ import annotations

from ..model.policies import POLICIES
from ..profile import COSTS
from .ops import COST_SCHEMA, OPS_SCHEMA
from .schema import (Bool, Duration, Either, Enum, Field, Int, Map, Name, Named, Num, Seq,
                     Str, Value)

MACHINE = Map({
    "cpus": Field(Int(1, 4096), False, 1, "number of CPUs"),
    "policy": Field(Enum(*POLICIES), False, "fifo", "scheduling policy"),
    "quantum": Field(Duration(), False, 10_000_000, "rr: time slice"),
    "min_granularity": Field(Duration(), False, 750_000, "fair: shortest slice"),
    "latency": Field(Duration(), False, 6_000_000, "fair: period shared by runnable threads"),
    "profile": Field(Str(), False, "default", "machine profile: 'default' or a file path"),
    "costs": Field(Map({name: Field(COST_SCHEMA, doc=doc) for name, (_, doc) in COSTS.items()},
                       "a mapping of cost names to durations"), False, None,
                   "override single costs of the profile"),
}, "a mapping {cpus, policy, quantum, profile, costs}")

THREAD = Either((OPS_SCHEMA, Map({
    "program": Field(OPS_SCHEMA, False, None, "what the thread runs"),
    "coroutines": Field(Named(OPS_SCHEMA, what="generator"), False, None,
                        "generator coroutines (started with start, driven by send)"),
    "asyncio": Field(Bool(), False, False, "run program as asyncio.run(main())"),
    "tasks": Field(Named(OPS_SCHEMA, what="task"), False, None,
                   "asyncio tasks (created with spawn, awaited with await: {join})"),
    "priority": Field(Int(), False, 0, "priority policy: larger runs first"),
    "nice": Field(Int(-20, 19), False, 0, "fair policy: nice value"),
    "period": Field(Duration(), False, None, "edf: release a job every period"),
    "deadline": Field(Duration(), False, None, "edf: relative deadline (default: period)"),
    "runtime": Field(Duration(), False, None, "edf: declared execution time per job"),
    "jobs": Field(Int(1), False, None, "edf: number of jobs"),
}, "a list of operations or a mapping {program, coroutines, tasks, asyncio, priority, ...}")))

QUEUE = Either((Int(0), Map({
    "maxsize": Field(Int(0), False, 0, "0 = unbounded"),
    "kind": Field(Enum("thread", "asyncio"), False, "thread", "queue.Queue or asyncio.Queue"),
}, "a mapping {maxsize, kind}")))

PROCESS = Map({
    "threads": Field(Named(THREAD, min_len=1, what="thread"), True, None,
                     "the threads; the first one is the main thread"),
    "gil": Field(Bool(), False, False, "the process carries a GIL"),
    "memory": Field(Int(0), False, 1, "touched memory in MiB (fork copies it)"),
    "writes": Field(Num(0, or_equal=True), False, 0, "MiB of its parent's memory this "
                    "process writes after a fork (each page copied at its first write)"),
    "vars": Field(Named(Value(), what="variable"), False, None, "variables of the address space"),
    "queues": Field(Named(QUEUE, what="queue"), False, None, "in-process queues"),
    "locks": Field(Seq(Name(), single=True), False, None, "locks (threading.Lock)"),
    "events": Field(Seq(Name(), single=True), False, None, "events (threading.Event)"),
    "start": Field(Enum("fork", "spawn", "forkserver"), False, "fork",
                   "how another process starts this one"),
}, "a mapping {threads, gil, memory, writes, vars, queues, locks, events, start}")

CHANNEL = Either((Int(0), Map({"maxsize": Field(Int(0), False, 0, "0 = unbounded")},
                              "a mapping {maxsize}")))

REAL = Map({
    "program": Field(Str(), True, None, "the real program, relative to this file"),
    "args": Field(Seq(Str()), False, None, "its arguments"),
    "time_scale": Field(Num(), False, 1.0, "factor applied to its sleeps"),
    "timeout": Field(Num(), False, None, "seconds before the real run is stopped"),
}, "a mapping {program, args, time_scale, timeout}")

DOCUMENT = Map({
    "schedsim": Field(Int(1, 1), True, None, "scenario format version (1)"),
    "name": Field(Str(), False, None, "the scenario's name"),
    "description": Field(Str(), False, None, "what it shows"),
    "seed": Field(Int(0), False, 0, "seed for random compute times"),
    "until": Field(Duration(), False, None, "stop the simulation at this time"),
    "machine": Field(MACHINE, False, None),
    "processes": Field(Named(PROCESS, min_len=1, what="process"), True),
    "ipc": Field(Named(CHANNEL, what="channel"), False, None,
                 "IPC queues between processes (multiprocessing.Queue)"),
    "real": Field(REAL, False, None, "the real program this scenario models"),
}, "a scenario mapping {schedsim: 1, name, machine, processes, ipc, real, until}")
