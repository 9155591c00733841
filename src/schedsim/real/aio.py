"""asyncio: task steps, what each step awaited, loop callbacks.

Every callback an event loop runs goes through ``asyncio.events.Handle._run``
(Python code in 3.11, while ``Task.__step`` is C).  The wrapper looks at
the callback: a bound method of a Task (its step or wake-up) is a *task
step* (``ASTEP`` .. ``ASUSP``/``AEND``); anything else is a *loop
callback* (``CBSTART`` .. ``CBEND``).  When a step ends at an await, the
task's chain of awaited coroutines (``cr_await``) is walked to its
innermost coroutine, which says what the task waits for (``asyncio.sleep``,
``asyncio.Queue.get``, ``asyncio.Event.wait``...), or the future itself.
``create_task`` is wrapped to record each task's creation.

``Handle._run`` and ``Handle._callback`` are private to asyncio: this module
is tied to CPython 3.11's asyncio and says so where it breaks.
"""

from __future__ import annotations

import os
import threading
import time
from types import CoroutineType, GeneratorType

from .patching import wrap_attr
from .rawlog import ACREATE, AEND, ASTEP, ASUSP, CBEND, CBSTART, RawLog

_now, _tid = time.perf_counter_ns, threading.get_native_id

#: innermost awaited coroutine (module, qualname) -> (reason, obj)
_AWAITS = {
    ("asyncio.tasks", "sleep"): ("sleep", "asyncio.sleep"),
    ("asyncio.tasks", "__sleep0"): ("yield", "asyncio.sleep"),
    ("asyncio.queues", "Queue.get"): ("recv", "asyncio.Queue.get"),
    ("asyncio.queues", "Queue.put"): ("send", "asyncio.Queue.put"),
    ("asyncio.queues", "Queue.join"): ("wait", "asyncio.Queue.join"),
    ("asyncio.locks", "Event.wait"): ("event", "asyncio.Event.wait"),
    ("asyncio.locks", "Lock.acquire"): ("lock", "asyncio.Lock.acquire"),
    ("asyncio.locks", "Semaphore.acquire"): ("lock", "asyncio.Semaphore.acquire"),
    ("asyncio.locks", "Condition.wait"): ("wait", "asyncio.Condition.wait"),
    ("asyncio.tasks", "wait_for"): ("wait", "asyncio.wait_for"),
    ("asyncio.tasks", "wait"): ("wait", "asyncio.wait"),
}


_KNOWN: dict = {}   # code object -> its _AWAITS entry or None (looked up once per code)
_UNSEEN = object()


def awaited(task) -> tuple[str, str, int | None, int | None]:
    """``(reason, obj, chan, value)``: what a suspended task waits for.

    The outermost coroutine of the task's await chain that is a known
    asyncio wait decides; else the future the task waits on.  ``value`` is
    the (already scaled) delay of an ``asyncio.sleep`` in ns, like the
    ``value`` of a ``time.sleep`` block, so compare can stretch it.
    """
    coro = task.get_coro()
    while coro is not None:
        kind = type(coro)
        if kind is CoroutineType:
            code, frame, inner = coro.cr_code, coro.cr_frame, coro.cr_await
        elif kind is GeneratorType:
            code, frame, inner = coro.gi_code, coro.gi_frame, coro.gi_yieldfrom
        else:  # a coroutine-like object of another kind (Cython, a wrapper)
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            inner = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        if code is None or frame is None:
            break
        hit = _KNOWN.get(code, _UNSEEN)
        if hit is _UNSEEN:
            hit = _KNOWN[code] = _AWAITS.get((frame.f_globals.get("__name__", ""),
                                              code.co_qualname))
        if hit is not None:
            if hit[0] == "sleep":
                delay = _delay_ns(frame)
                # asyncio.sleep(0) (or less) only yields to the loop: no timer, nothing to
                # stretch when compared in model time
                if delay == 0:
                    return "yield", hit[1], None, None
                return "sleep", hit[1], None, delay
            chan = id(frame.f_locals.get("self")) if hit[1].startswith("asyncio.Queue") else None
            return hit[0], hit[1], chan, None
        coro = inner
    waiter = getattr(task, "_fut_waiter", None)
    if waiter is None:
        return "yield", "", None, None
    return "wait", type(waiter).__name__, None, None


def _delay_ns(frame) -> int | None:
    """The (already scaled) delay asked of ``asyncio.sleep``, ns (0 for zero or less)."""
    delay = frame.f_locals.get("delay")
    if not isinstance(delay, (int, float)) or isinstance(delay, bool):
        return None
    return max(0, round(delay * 1e9))


_INTERNAL: dict = {}  # code object -> is it asyncio's own


def _internal(coro) -> bool:
    """A task running asyncio's own coroutine (e.g. ``shutdown_asyncgens``)."""
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        return False
    known = _INTERNAL.get(code)
    if known is None:
        import asyncio
        home = os.path.dirname(asyncio.__file__) + os.sep
        known = _INTERNAL[code] = code.co_filename.startswith(home)
    return known


def describe(callback) -> str:
    """A short name for a loop callback."""
    name = getattr(callback, "__qualname__", None) or type(callback).__name__
    return str(name)


class AsyncioWatch:
    """The wrappers that record task steps and loop callbacks, and scale sleeps."""

    def __init__(self, log: RawLog, time_scale: float = 1.0) -> None:
        self.log = log
        self.time_scale = time_scale

    def patch_package(self, module) -> None:
        """``asyncio.sleep(d)`` sleeps ``d * time_scale``, like ``time.sleep``."""
        scale = self.time_scale
        if scale == 1.0:
            return

        def make(original):
            async def sleep(delay, result=None):
                return await original(delay * scale if delay else delay, result)
            return sleep
        wrap_attr(module.tasks, "sleep", make)
        module.sleep = module.tasks.sleep

    def patch_events(self, module) -> None:
        """Wrap ``Handle._run``: every callback the loop runs.

        A task's name and coroutine are read at its first step and kept
        (``tasks``: task -> (name, qualname), or None for asyncio's own
        tasks) until it ends: a step is on the hot path of every await.
        """
        append = self.log.append
        task_types: tuple = ()
        tasks: dict = {}

        def make(original):
            def _run(handle):
                nonlocal task_types
                if not task_types:
                    task_types = _task_types()
                owner = getattr(handle._callback, "__self__", None)
                if isinstance(owner, task_types):
                    info = tasks.get(owner, _UNSEEN)
                    if info is _UNSEEN:
                        info = tasks[owner] = _task_info(owner)
                    if info is not None:
                        return _step(original, handle, owner, info, append, tasks)
                loop_id = id(handle._loop)
                append((CBSTART, _now(), _tid(), loop_id, describe(handle._callback)))
                try:
                    return original(handle)
                finally:
                    append((CBEND, _now(), _tid(), loop_id))
            return _run
        wrap_attr(module.Handle, "_run", make)

    def patch_base_events(self, module) -> None:
        """Wrap ``BaseEventLoop.create_task``: task creation."""
        append = self.log.append

        def make(original):
            def create_task(loop, coro, *args, **kwargs):
                task = original(loop, coro, *args, **kwargs)
                if not _internal(coro):
                    append((ACREATE, _now(), _tid(), id(task), task.get_name()))
                return task
            return create_task
        wrap_attr(module.BaseEventLoop, "create_task", make)


def _task_types() -> tuple:
    import asyncio.tasks as tasks
    return tuple({tasks.Task, getattr(tasks, "_PyTask", tasks.Task)})


def _task_info(task) -> tuple[str, str] | None:
    """``(name, coroutine qualname)`` of a task, None for asyncio's own tasks."""
    coro = task.get_coro()
    if _internal(coro):
        return None
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    return task.get_name(), code.co_qualname if code else "?"


def _step(original, handle, task, info, append, tasks):
    me, key = _tid(), id(task)
    append((ASTEP, _now(), me, key, *info))
    try:
        return original(handle)
    finally:
        t = _now()
        if task.done():  # (task.exception() would mark the error as retrieved: not asked)
            del tasks[task]
            append((AEND, t, me, key, "cancelled" if task.cancelled() else "done"))
        else:
            append((ASUSP, t, me, key, *awaited(task)))
