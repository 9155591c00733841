"""From a checked document to the model's :class:`~schedsim.model.spec.System`,
with the checks that need the whole scenario: names resolve, and no program
reaches across a process boundary or acts on a unit it may not act on."""

from __future__ import annotations

from typing import Any

from ..model.spec import (CoroSpec, Loc, MachineSpec, ProcessSpec, QueueSpec, System,
                          ThreadSpec)


def _loc(raw: Any, file: str, path: tuple) -> Loc:
    """The location of ``path`` in the raw (line-carrying) document."""
    node, line = raw, getattr(raw, "line", None)
    for key in path:
        if hasattr(node, "line_of"):
            line = node.line_of(key)
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return Loc(file, line, path)


def build(doc: dict, raw: Any, file: str) -> System:
    """Turn a schema-checked document into a System, checking names and boundaries."""
    m = doc["machine"] or {}
    machine = MachineSpec(m.get("cpus", 1), m.get("policy", "fifo"), m.get("quantum", 10_000_000),
                          m.get("min_granularity", 750_000), m.get("latency", 6_000_000),
                          m.get("profile", "default"),
                          {k: v for k, v in (m.get("costs") or {}).items() if v is not None},
                          _loc(raw, file, ("machine",)))
    channels = {name: _queue(name, "ipc", q, None, _loc(raw, file, ("ipc", name)))
                for name, q in (doc["ipc"] or {}).items()}
    processes = {name: _process(name, p, raw, file) for name, p in doc["processes"].items()}
    system = System(machine, processes, channels, doc["seed"], doc["until"])
    Resolver(system).check()
    if system.until is None:
        _check_endless(system)
    return system


def _check_endless(system: System) -> None:
    """A thread whose own program has a ``loop`` never ends: ask for ``until``."""
    for proc in system.processes.values():
        for th in proc.threads.values():
            if th.asyncio:
                continue
            op = _find_loop(th.program)
            if op is not None:
                raise op.loc.error(f"thread {th.name!r} loops forever, so the simulation would "
                                   f"never end: add 'until: DURATION' at the top level (or "
                                   f"use repeat)")


def _find_loop(ops):
    for op in ops:
        if op.name == "loop":
            return op
        if op.name == "repeat":
            found = _find_loop(op.opts["do"])
            if found is not None:
                return found
    return None


def _queue(name: str, kind: str, q, owner, loc: Loc) -> QueueSpec:
    if isinstance(q, int):
        return QueueSpec(name, kind, q, owner, loc)
    return QueueSpec(name, q.get("kind", kind) if kind != "ipc" else "ipc", q["maxsize"], owner, loc)


def _process(name: str, p: dict, raw, file: str) -> ProcessSpec:
    base = ("processes", name)
    threads = {tname: _thread(tname, t, raw, file, base + ("threads", tname))
               for tname, t in p["threads"].items()}
    queues = {q: _queue(q, "thread", spec, name, _loc(raw, file, base + ("queues", q)))
              for q, spec in (p["queues"] or {}).items()}
    proc = ProcessSpec(name, threads, p["gil"], p["memory"], dict(p["vars"] or {}), queues,
                       list(p["locks"] or []), list(p["events"] or []), p["start"],
                       writes=p["writes"], loc=_loc(raw, file, base))
    names: dict[str, str] = {}
    for kind, group in (("queue", queues), ("lock", proc.locks), ("event", proc.events)):
        for n in group:
            if n in names:
                raise proc.loc.error(f"{kind} {n!r} has the same name as a {names[n]} of "
                                     f"process {name!r}; give each object its own name")
            names[n] = kind
    return proc


def _thread(name: str, t, raw, file: str, path: tuple) -> ThreadSpec:
    loc = _loc(raw, file, path)
    if isinstance(t, list):
        return ThreadSpec(name, t, loc=loc)
    coros = {n: CoroSpec(n, "generator", ops, _loc(raw, file, path + ("coroutines", n)))
             for n, ops in (t["coroutines"] or {}).items()}
    if t["tasks"] and not t["asyncio"]:
        raise loc.error("tasks need an event loop: add 'asyncio: true' to this thread")
    if t["asyncio"]:
        if "main" in coros:
            raise loc.error("with asyncio: true the program is the task 'main'; "
                            "rename the coroutine 'main'")
        coros["main"] = CoroSpec("main", "task", t["program"] or [], loc)
        for n, ops in (t["tasks"] or {}).items():
            if n in coros:
                raise _loc(raw, file, path + ("tasks", n)).error(
                    f"task {n!r} has the same name as a coroutine of this thread")
            coros[n] = CoroSpec(n, "task", ops, _loc(raw, file, path + ("tasks", n)))
    if t["period"] is None and any(t[k] is not None for k in ("deadline", "runtime", "jobs")):
        raise loc.error("deadline, runtime and jobs describe a periodic thread: add 'period'")
    return ThreadSpec(name, t["program"] or [], coros, t["asyncio"], t["priority"], t["nice"],
                      t["period"], t["deadline"], t["runtime"], t["jobs"], loc=loc)


_NAMED = ("start", "send", "spawn", "join", "kill", "lock", "unlock", "set", "clear", "wait",
          "put", "get", "read", "write", "await", "open")


def _subst(text: str, me: dict) -> str:
    for ref, name in me.items():
        text = text.replace(ref, name)
    return text


def _bind_self(op, me: dict) -> None:
    """Replace ``{self}``, ``{thread}`` and ``{process}`` in the names an operation
    refers to (labels keep their placeholders: they are rendered when they run)."""
    if op.name not in _NAMED:
        return
    if op.name == "await":
        _bind_self(op.arg, me)
    elif isinstance(op.arg, str):
        op.arg = _subst(op.arg, me)
    elif isinstance(op.arg, list):
        op.arg = [_subst(a, me) for a in op.arg]
    elif isinstance(op.arg, dict):
        for key in ("to", "queue", "var"):
            if isinstance(op.arg.get(key), str):
                op.arg[key] = _subst(op.arg[key], me)


def _names(group) -> str:
    return ", ".join(group) or "none"


class Resolver:
    """Walks every program once to resolve names and mark who spawns whom,
    then again to check joins, kills and boundaries."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.spawned: set = set()

    def check(self) -> None:
        """Run both passes."""
        for final in (False, True):
            self.final = final
            for proc in self.system.processes.values():
                for th in proc.threads.values():
                    if not th.asyncio:      # an asyncio program is walked as the task 'main'
                        self._walk(th.program, proc, th, None)
                    for coro in th.coroutines.values():
                        self._walk(coro.program, proc, th, coro)
        self._check_parents()

    def _check_parents(self) -> None:
        for proc in self.system.processes.values():
            seen, p = set(), proc
            while p.parent is not None:
                if p.name in seen:
                    raise proc.loc.error(f"process {proc.name!r} is its own ancestor "
                                         f"(spawn cycle)")
                seen.add(p.name)
                p = self.system.processes[p.parent]

    def _walk(self, ops, proc, th, coro) -> None:
        me = {"{self}": coro.name if coro is not None and coro.name != "main" else th.name,
              "{thread}": th.name, "{process}": proc.name}
        for op in ops:
            _bind_self(op, me)
            getattr(self, f"_op_{op.name}", self._op_default)(op, proc, th, coro)

    def _op_default(self, op, proc, th, coro) -> None:
        pass

    # nested programs
    def _op_repeat(self, op, proc, th, coro) -> None:
        self._walk(op.opts["do"], proc, th, coro)

    def _op_loop(self, op, proc, th, coro) -> None:
        self._walk(op.arg, proc, th, coro)

    def _op_io(self, op, proc, th, coro) -> None:
        if isinstance(op.arg, dict):
            if op.arg["mode"] not in ("blocking", "poll", "async"):
                raise op.loc.error(f"io mode must be one of: blocking, poll, async; "
                                   f"found {op.arg['mode']!r}")
            if op.arg["callback"]:
                if op.arg["mode"] != "async":
                    raise op.loc.error("a callback needs mode: async")
                self._walk(op.arg["callback"], proc, th, None)

    # generators
    def _generator(self, op, th, name: str, verb: str):
        gens = [n for n, c in th.coroutines.items() if c.kind == "generator"]
        if name not in gens:
            raise op.loc.error(f"unknown generator {name!r} in {verb}; generators of thread "
                               f"{th.name!r}: {_names(gens)}")

    def _op_start(self, op, proc, th, coro) -> None:
        for name in op.arg:
            self._generator(op, th, name, "start")

    def _op_send(self, op, proc, th, coro) -> None:
        self._generator(op, th, op.arg["to"], "send")
        if coro is not None and op.arg["to"] == coro.name:
            raise op.loc.error(f"generator {coro.name!r} sends to itself "
                               f"(ValueError: generator already executing)")

    def _op_recv(self, op, proc, th, coro) -> None:
        if coro is None or coro.kind != "generator":
            raise op.loc.error("recv (x = yield) only works inside a generator coroutine "
                               "(declare it under 'coroutines:')")

    def _op_await(self, op, proc, th, coro) -> None:
        if coro is None or coro.kind != "task":
            raise op.loc.error("await only works inside an asyncio task "
                               "(a thread with asyncio: true, or one of its tasks)")
        inner = op.arg
        if inner.name in ("get", "put"):
            name = inner.arg if isinstance(inner.arg, str) else inner.arg["queue"]
            q = self._queue(inner, proc, name)
            if q.kind != "asyncio":
                raise inner.loc.error(f"queue {name!r} is not an asyncio queue and cannot be "
                                      f"awaited; use plain '{inner.name}' (it blocks the "
                                      f"thread) or declare it with kind: asyncio")
        elif inner.name == "wait":
            self._event(inner, proc, inner.arg)
        elif inner.name == "join":
            tasks = [n for n, c in th.coroutines.items() if c.kind == "task"]
            for name in inner.arg:
                if name not in tasks:
                    raise inner.loc.error(f"unknown task {name!r}; tasks of thread "
                                          f"{th.name!r}: {_names(tasks)}")
        elif inner.name == "io" and isinstance(inner.arg, dict) and inner.arg["callback"]:
            raise inner.loc.error("an awaited io has no callback")

    # spawning, joining, killing
    def _op_spawn(self, op, proc, th, coro) -> None:
        for name in op.arg:
            target = th.coroutines.get(name)
            if target is not None and target.kind == "task" and name != "main":
                continue
            if name in proc.threads:
                self._spawn_thread(op, proc, th, name)
            elif name in self.system.processes:
                self._spawn_process(op, proc, name)
            else:
                raise op.loc.error(f"unknown thread, process or task {name!r} in spawn; "
                                   f"threads of {proc.name!r}: {_names(proc.threads)}; "
                                   f"processes: {_names(self.system.processes)}")

    def _spawn_thread(self, op, proc, th, name: str) -> None:
        first = next(iter(proc.threads))
        if name in (first, th.name):
            raise op.loc.error(f"thread {name!r} " + (
                "is the main thread; it starts with its process" if name == first
                else "cannot start itself"))
        proc.threads[name].autostart = False

    def _spawn_process(self, op, proc, name: str) -> None:
        child = self.system.processes[name]
        if name == proc.name:
            raise op.loc.error(f"process {name!r} cannot spawn itself")
        if child.parent not in (None, proc.name):
            raise op.loc.error(f"process {name!r} is already spawned by {child.parent!r}; "
                               f"a process has one parent")
        child.parent = proc.name
        child.autostart = False

    def _op_join(self, op, proc, th, coro) -> None:
        for name in op.arg:
            self._acts_on(op, proc, th, coro, name, "join")

    def _op_kill(self, op, proc, th, coro) -> None:
        for name in op.arg:
            if name in proc.threads:
                raise op.loc.error(f"{name!r} is a thread: Python cannot kill threads; only "
                                   f"child processes can be terminated")
            self._acts_on(op, proc, th, coro, name, "kill")

    def _acts_on(self, op, proc, th, coro, name: str, verb: str) -> None:
        if not self.final:
            return
        if verb == "join" and name in proc.threads:
            if name == th.name:
                raise op.loc.error(f"thread {name!r} cannot join itself (it would wait forever)")
            return
        task = th.coroutines.get(name)
        if task is not None and task.kind == "task":
            raise op.loc.error(f"{name!r} is an asyncio task: use 'await: {{join: {name}}}'")
        owner = next((p.name for p in self.system.processes.values() if name in p.threads
                      and p.name != proc.name), None)
        if name in self.system.processes:
            child = self.system.processes[name]
            if child.parent != proc.name:
                who = f"its parent is {child.parent!r}" if child.parent else \
                    "it is not started by any process"
                raise op.loc.error(f"process {proc.name!r} may only {verb} its own children; "
                                   f"{name!r} is not one of them ({who})")
            return
        if owner is not None:
            raise op.loc.error(f"a thread may only {verb} threads of its own process; "
                               f"{name!r} is a thread of process {owner!r}")
        raise op.loc.error(f"unknown thread or process {name!r} in {verb}; threads of "
                           f"{proc.name!r}: {_names(proc.threads)}; "
                           f"processes: {_names(self.system.processes)}")

    # objects of an address space
    def _elsewhere(self, proc, attr: str, name: str) -> str | None:
        for other in self.system.processes.values():
            if other is not proc and name in getattr(other, attr):
                return other.name
        return None

    def _crossing(self, op, proc, what: str, name: str, owner: str, advice: str):
        return op.loc.error(f"{what} {name!r} belongs to process {owner!r}; process "
                            f"{proc.name!r} cannot use it: processes share no memory, "
                            f"{advice}")

    def _queue(self, op, proc, name: str) -> QueueSpec:
        if name in proc.queues:
            return proc.queues[name]
        if name in self.system.channels:
            return self.system.channels[name]
        owner = self._elsewhere(proc, "queues", name)
        if owner:
            raise self._crossing(op, proc, "in-process queue", name, owner,
                                 "so they talk through IPC channels (declare it under "
                                 "top-level 'ipc:')")
        raise op.loc.error(f"unknown queue {name!r}; queues of {proc.name!r}: "
                           f"{_names(proc.queues)}; IPC channels: {_names(self.system.channels)}")

    def _queue_op(self, op, proc, name: str) -> None:
        q = self._queue(op, proc, name)
        if q.kind == "asyncio":
            raise op.loc.error(f"queue {name!r} is an asyncio queue: use "
                               f"'await: {{{op.name}: ...}}' inside a task")

    def _op_open(self, op, proc, th, coro) -> None:
        for name in op.arg:
            if name not in self.system.channels:
                raise op.loc.error(f"open creates IPC channels (multiprocessing.Queue()); "
                                   f"{name!r} is not one; IPC channels: "
                                   f"{_names(self.system.channels)}")

    def _op_put(self, op, proc, th, coro) -> None:
        self._queue_op(op, proc, op.arg["queue"])

    def _op_get(self, op, proc, th, coro) -> None:
        self._queue_op(op, proc, op.arg if isinstance(op.arg, str) else op.arg["queue"])

    def _lock(self, op, proc, name: str) -> None:
        if name not in proc.locks:
            owner = self._elsewhere(proc, "locks", name)
            if owner:
                raise self._crossing(op, proc, "lock", name, owner,
                                     "so a lock of another process does not exist here")
            raise op.loc.error(f"unknown lock {name!r}; locks of {proc.name!r}: "
                               f"{_names(proc.locks)}")

    def _op_lock(self, op, proc, th, coro) -> None:
        self._lock(op, proc, op.arg)

    _op_unlock = _op_lock

    def _event(self, op, proc, name: str, th=None) -> None:
        if name in proc.events:
            return
        if th is not None and self._io_request(th, name):
            return
        owner = self._elsewhere(proc, "events", name)
        if owner:
            raise self._crossing(op, proc, "event", name, owner,
                                 "so signal another process through an IPC channel")
        raise op.loc.error(f"unknown event {name!r}; events of {proc.name!r}: "
                           f"{_names(proc.events)}")

    def _io_request(self, th, name: str) -> bool:
        def walk(ops) -> bool:
            for op in ops:
                if op.name == "io" and isinstance(op.arg, dict) and op.arg["as"] == name:
                    return True
                if op.name == "repeat" and walk(op.opts["do"]) or op.name == "loop" and walk(op.arg):
                    return True
            return False
        return walk(th.program) or any(walk(c.program) for c in th.coroutines.values())

    def _op_set(self, op, proc, th, coro) -> None:
        self._event(op, proc, op.arg)

    _op_clear = _op_set

    def _op_wait(self, op, proc, th, coro) -> None:
        self._event(op, proc, op.arg, th)

    def _visible_vars(self, proc) -> set:
        """A process's own variables, plus its parent's when it is forked (a copy)."""
        names, p = set(proc.vars), proc
        while p.start == "fork" and p.parent is not None:
            p = self.system.processes[p.parent]
            names |= set(p.vars)
        return names

    def _var(self, op, proc, name: str) -> None:
        if name not in self._visible_vars(proc):
            owner = self._elsewhere(proc, "vars", name)
            if owner:
                raise self._crossing(op, proc, "variable", name, owner,
                                     "so a forked child has its own copy and other processes "
                                     "see nothing (send it through an IPC channel)")
            raise op.loc.error(f"unknown variable {name!r}; variables of {proc.name!r}: "
                               f"{_names(proc.vars)} (declare it under 'vars:')")

    def _op_read(self, op, proc, th, coro) -> None:
        self._var(op, proc, op.arg if isinstance(op.arg, str) else op.arg["var"])

    def _op_write(self, op, proc, th, coro) -> None:
        self._var(op, proc, op.arg["var"])
