"""Coroutines: generator coroutines driven by ``send`` and the trampoline
that runs a coroutine's program inside its thread's SimPy process.

A coroutine's program is a Python generator (see :mod:`.interp`) that yields
SimPy events — forwarded to the thread's process, so a blocking call inside
a coroutine blocks the whole thread — or a *marker* when it suspends itself
(:data:`RECV` at ``x = yield``, an :class:`Await` in an asyncio task).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class _Marker:
    """A sentinel a coroutine program yields to suspend itself."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


RECV = _Marker("RECV")
DONE = _Marker("DONE")


@dataclass
class Await:
    """An asyncio task suspends until ``what`` (an op name) is ready."""

    what: str
    target: Any = None
    value: Any = None


class Coro:
    """The runtime state of a coroutine unit (generator or task)."""

    def __init__(self, spec, unit: int, thread) -> None:
        self.spec = spec
        self.name = spec.name
        self.unit = unit
        self.thread = thread
        self.gen = None
        self.started = False
        self.running = False
        self.done = False
        self.waiters: list = []       # tasks awaiting this one
        self.exit_index: int | None = None


def drive(gen, value):
    """Run ``gen`` until it suspends (returns its marker) or ends (returns DONE).

    SimPy events it yields are passed up to the thread's process and their
    results (or interrupts) passed back down.
    """
    exc = None
    while True:
        try:
            item = gen.throw(exc) if exc is not None else gen.send(value)
        except StopIteration:
            return DONE
        if isinstance(item, (_Marker, Await)):
            return item
        exc = None
        try:
            value = yield item
        except BaseException as raised:  # noqa: BLE001 - re-thrown into the coroutine
            exc = raised
