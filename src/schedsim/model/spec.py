"""The model's input language: what a system to simulate is made of.

The scenario layer parses YAML into these plain objects; the simulator only
reads them.  Every operation and declaration carries a :class:`Loc` so that
a fault found while building or running the model is reported at the file,
line and field path it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ScenarioError


@dataclass(frozen=True)
class Loc:
    """Where something was written: file, line and field path."""

    file: str | None = None
    line: int | None = None
    path: tuple = ()

    def error(self, message: str) -> ScenarioError:
        """A :class:`ScenarioError` located here."""
        return ScenarioError(message, file=self.file, line=self.line, path=self.path)


@dataclass
class Op:
    """One operation of a program: ``name`` (e.g. ``"emit"``), its argument
    ``arg`` (already validated) and the options written beside it."""

    name: str
    arg: Any = None
    opts: dict = field(default_factory=dict)
    loc: Loc = field(default_factory=Loc)


@dataclass
class CoroSpec:
    """A coroutine: a generator (``kind="generator"``) or an asyncio task."""

    name: str
    kind: str
    program: list[Op]
    loc: Loc = field(default_factory=Loc)


@dataclass
class ThreadSpec:
    """A thread: its program, its coroutines and its scheduling attributes.

    ``autostart`` is False when some operation spawns the thread.
    ``asyncio`` makes ``program`` the main task of an event loop.
    """

    name: str
    program: list[Op]
    coroutines: dict[str, CoroSpec] = field(default_factory=dict)
    asyncio: bool = False
    priority: int = 0
    nice: int = 0
    period: int | None = None
    deadline: int | None = None
    runtime: int | None = None
    jobs: int | None = None
    autostart: bool = True
    loc: Loc = field(default_factory=Loc)


@dataclass
class QueueSpec:
    """A queue: ``kind`` is ``thread`` (queue.Queue), ``ipc`` (between
    processes) or ``asyncio``; ``maxsize`` 0 means unbounded."""

    name: str
    kind: str
    maxsize: int = 0
    owner: str | None = None
    loc: Loc = field(default_factory=Loc)


@dataclass
class ProcessSpec:
    """A process: an address space (``memory`` MiB, named ``vars``), its
    threads (the first is the main thread), its sync objects, a GIL or not,
    and how it is started when another process spawns it."""

    name: str
    threads: dict[str, ThreadSpec]
    gil: bool = False
    memory: int = 1
    vars: dict[str, Any] = field(default_factory=dict)
    queues: dict[str, QueueSpec] = field(default_factory=dict)
    locks: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    start: str = "fork"
    writes: float = 0      # MiB of the parent's pages written after a fork (copy-on-write)
    autostart: bool = True
    parent: str | None = None
    loc: Loc = field(default_factory=Loc)


@dataclass
class MachineSpec:
    """CPUs, the scheduling policy and its parameters, and the costs (ns)."""

    cpus: int = 1
    policy: str = "fifo"
    quantum: int = 10_000_000
    min_granularity: int = 750_000
    latency: int = 6_000_000
    profile: str = "default"
    costs: dict[str, int] = field(default_factory=dict)
    loc: Loc = field(default_factory=Loc)


@dataclass
class System:
    """Everything to simulate: the machine, the processes and the IPC channels."""

    machine: MachineSpec
    processes: dict[str, ProcessSpec]
    channels: dict[str, QueueSpec] = field(default_factory=dict)
    seed: int = 0
    until: int | None = None        # stop the simulation at this time (ns)
