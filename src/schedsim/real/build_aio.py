"""Builder part: asyncio tasks and loop callbacks (see :mod:`.build`).

A task is a ``coroutine`` unit named by the task's name (renamed when the
name changes after creation), child of the loop's thread: ``spawn``
{peer: creator} at ``create_task``; each step ``switch`` {peer: thread,
level: coroutine} + ``run`` (after a ``wake`` if it was blocked); a step
that ends at an await is ``block`` {reason, obj} (what it awaited) or, for
a bare yield (``asyncio.sleep(0)``), ``stop`` {reason: yield}; the end is
``stop`` {reason: exit} + ``exit`` {value: "done" | "cancelled"}.  Loop
callbacks that are not task steps run on the loop's own lane (a
``coroutine`` unit named ``event loop``): ``run`` {label: the callback}
.. ``stop`` {reason: yield}.
"""

from __future__ import annotations

from . import rawlog as raw


class AioMixin:
    """asyncio task steps and loop callbacks."""

    def init_aio(self) -> None:
        """The asyncio part of the builder's state."""
        self.tasks: dict[tuple, int] = {}        # (pid, task id) -> unit
        self.task_waits: dict[int, tuple] = {}   # task unit -> (reason, chan key)
        self.loops: dict[tuple, int] = {}        # (pid, loop id) -> loop lane

    def task_unit(self, pid, t, tid, task_id, name) -> int:
        """The unit of a task (made, with its ``spawn``, on first sight)."""
        unit = self.tasks.get((pid, task_id))
        if unit is None:
            creator = self.running(pid, tid, t)
            thread = self.thread(pid, tid, t)
            unit = self.trace.new_unit("coroutine", name, thread, pid=pid, tid=tid,
                                       attrs={"task": True}).id
            self.tasks[(pid, task_id)] = unit
            self.rec(t, unit, "spawn", peer=creator)
        return unit

    def task_create(self, pid, t, tid, args) -> None:
        """``create_task``: a new task unit."""
        task_id, name = args
        self.tasks.pop((pid, task_id), None)  # a new task may reuse a dead one's id
        self.task_unit(pid, t, tid, task_id, name)

    def task_step(self, pid, t, tid, args) -> None:
        """A task step begins (after a ``wake`` if the task was blocked)."""
        task_id, name, qualname = args
        unit = self.task_unit(pid, t, tid, task_id, name)
        task = self.trace.units[unit]
        task.name = name
        task.attrs.setdefault("coroutine", qualname)
        waiting = self.task_waits.pop(unit, None)
        if waiting is not None:
            reason, chan = waiting
            self.rec(t, unit, "wake", cause=self.wake_cause(pid, reason, chan, None))
        src = self.running(pid, tid, t)
        self.rec(t, unit, "switch", peer=src, level="coroutine")
        self.rec(t, unit, "run")
        self.stacks[(pid, tid)].append(unit)

    def task_suspend(self, pid, t, tid, args) -> None:
        """A step ended at an await: ``block`` (or ``stop`` for a bare yield)."""
        task_id, reason, obj, chan, value = args
        unit = self.tasks.get((pid, task_id))
        if unit is None or not self.leave(pid, tid, unit, t):
            return
        if reason == "yield":
            self.rec(t, unit, "stop", reason="yield", obj=obj or None)
        else:
            self.rec(t, unit, "block", reason=reason, obj=obj or None, value=value)
            self.task_waits[unit] = (reason, self.chan_key(pid, chan, receiving=True))
        self.resume_below(pid, tid, unit, t)

    def task_end(self, pid, t, tid, args) -> None:
        """The task's coroutine finished."""
        task_id, state = args
        unit = self.tasks.pop((pid, task_id), None)
        if unit is None:
            return
        self.leave(pid, tid, unit, t)
        self.end_unit(unit, t, state)
        self.resume_below(pid, tid, unit, t)

    def callback_start(self, pid, t, tid, args) -> None:
        """A loop callback runs on the loop's lane."""
        loop_id, what = args
        lane = self.loops.get((pid, loop_id))
        if lane is None:
            thread = self.thread(pid, tid, t)
            lane = self.trace.new_unit("coroutine", "event loop", thread, pid=pid, tid=tid,
                                       attrs={"loop": True}).id
            self.loops[(pid, loop_id)] = lane
            self.rec(t, lane, "spawn", peer=thread)
        self.rec(t, lane, "run", label=what)
        self.stacks[(pid, tid)].append(lane)

    def callback_end(self, pid, t, tid, args) -> None:
        """The loop callback returned."""
        lane = self.loops.get((pid, args[0]))
        if lane is not None and self.leave(pid, tid, lane, t):
            self.rec(t, lane, "stop", reason="yield")

    HANDLERS = {
        raw.ACREATE: task_create, raw.ASTEP: task_step, raw.ASUSP: task_suspend,
        raw.AEND: task_end, raw.CBSTART: callback_start, raw.CBEND: callback_end,
    }
