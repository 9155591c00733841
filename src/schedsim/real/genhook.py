"""The pure-Python profile hook that records generator transfers.

``sys.setprofile`` sees a generator's frame ``call`` when it starts or is
resumed and ``return`` when it yields or ends.  The traps (FIELD-NOTES):

* ``arg is None`` at ``return`` does not tell a yield from the end, so the
  frame's ``f_lasti`` is checked against the code's ``YIELD_VALUE``
  offsets;
* ``throw()``/``close()`` (and finalisation) enter the frame *at* a yield
  offset and may leave at the same offset by raising, so after such an
  entry the generator object itself (seen in the ``c_call``) decides, via
  ``gi_suspended``;
* ``send``/``throw``/``close`` are C calls (``c_call`` names them) but
  ``__next__`` is not: a resume with no such call is a ``next``;
* frame ids are reused, so a ``call`` at the code's first ``RESUME`` is
  always a new generator.

Only generators whose code lives outside the standard library,
site-packages and schedsim itself are recorded.

The hook is swappable: anything with the interface of :class:`ProfileHook`
that appends the same raw tuples of :mod:`.rawlog` to ``log.events`` will
do.  :func:`make_hook` picks, by ``SCHEDSIM_HOOK`` (``auto``, ``eval``,
``profile``, ``python``): the compiled PEP 523 eval-frame hook of
:mod:`schedsim._speedups` (:class:`EvalHook`, auto's choice when built),
the compiled profile hook (:class:`CHook`) or this module's
(:class:`ProfileHook`, always available).
"""

from __future__ import annotations

import dis
import functools
import os
import sys
import sysconfig
import threading
import time
from types import CodeType, GeneratorType
from typing import Callable

from .. import _speedups
from .._speedups import c_generator_hook
from .rawlog import CHUNK, GEN_CODES, GEND, GPACKED, GRESUME, GSTART, GYIELD, WARN, RawLog

_GENERATOR = 0x20  # inspect.CO_GENERATOR

#: records per packed block of the compiled hooks: 64 KiB, under glibc's mmap threshold, so
#: block buffers are reused instead of mapped and faulted in afresh (bench: 4096 was slower)
PACKED_CHUNK = 2048


def _skipped_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.add(os.path.realpath(os.path.dirname(os.path.dirname(__file__))))
    return tuple(d.rstrip(os.sep) + os.sep for d in sorted(dirs))


_SKIPPED = _skipped_dirs()


@functools.lru_cache(maxsize=None)
def is_user_file(filename: str) -> bool:
    """True for code of the traced program (not stdlib, site-packages, schedsim)."""
    if filename.startswith("<frozen"):
        return False
    return not os.path.realpath(filename).startswith(_SKIPPED)


_YIELD_VALUE, _RESUME = dis.opmap["YIELD_VALUE"], dis.opmap["RESUME"]


def code_info(code: CodeType) -> tuple:
    """``(first RESUME offset, YIELD_VALUE offsets)`` of user code, else ``()``."""
    if not is_user_file(code.co_filename):
        return ()
    ops = code.co_code[0::2]  # 2-byte code units: opcode, arg (caches are opcode 0)
    yields = frozenset(2 * i for i, op in enumerate(ops) if op == _YIELD_VALUE)
    return (2 * ops.index(_RESUME), yields)


class Codes:
    """:func:`code_info` for one hook, which also notes whether it ever chose a code
    to record: a program that made no generator of its own leaves none suspended for
    the tracer's last garbage collection to close (see ``Session.done``)."""

    def __init__(self) -> None:
        self.recorded_any = False

    def __call__(self, code: CodeType) -> tuple:
        info = code_info(code)
        if info:
            self.recorded_any = True
        return info


class ProfileHook:
    """Records generator start/resume/yield/end through ``sys.setprofile``.

    The interface every generator hook offers: ``install()`` hooks the
    calling thread, ``enable_here()`` a newly started thread (called from
    its first profile event), ``uninstall()`` the calling thread and new
    threads, and ``profiler`` is what ``sys.getprofile()`` returns while
    installed.
    """

    kind = "python"

    def __init__(self, log: RawLog, codes: Codes | None = None) -> None:
        self.codes = Codes() if codes is None else codes
        self.profiler = _make_profiler(log, self.codes)

    def install(self) -> None:
        """Hook the calling thread and every thread started from now on."""
        threading.setprofile(self.profiler)
        sys.setprofile(self.profiler)

    def enable_here(self) -> None:
        """Hook the calling thread."""
        sys.setprofile(self.profiler)

    def uninstall(self) -> None:
        """Unhook the calling thread and threads started from now on."""
        sys.setprofile(None)
        threading.setprofile(None)


class CHook:
    """The compiled profile hook of :mod:`schedsim._speedups` behind the same interface."""

    kind = "profile"

    def __init__(self, compiled, codes: Codes | None = None) -> None:
        self.compiled = compiled
        self.codes = Codes() if codes is None else codes
        self.profiler = compiled.hook

    def install(self) -> None:
        """Hook the calling thread and every thread started from now on."""
        self.compiled.install()

    def enable_here(self) -> None:
        """Hook the calling thread."""
        self.profiler.enable_here()

    def uninstall(self) -> None:
        """Unhook the calling thread and threads started from now on."""
        self.compiled.uninstall()

    def drain(self) -> None:
        """Move the records it buffers into the log's list (before each flush)."""
        self.compiled.drain()


class EvalHook:
    """The compiled eval-frame hook behind the same interface.

    It covers every thread of the interpreter at once, so ``enable_here()``
    only takes the thread-start profile function (:mod:`.threads`) off the
    new thread.  It needs no profile function and no profile function
    disturbs it, so ``profiler`` is whatever the calling thread has.
    If another eval-frame function appears before :meth:`install`, a
    warning goes to the log and ``fallback()`` (a profile hook) is
    installed instead.
    """

    def __init__(self, compiled, fallback, log: RawLog, codes: Codes | None = None) -> None:
        self.compiled = compiled
        self.fallback = fallback
        self.log = log
        self.codes = Codes() if codes is None else codes
        self.used = None  # the fallback hook, once it replaced this one

    @property
    def kind(self) -> str:
        """"eval", or the kind of the fallback in use."""
        return "eval" if self.used is None else self.used.kind

    @property
    def profiler(self):
        """What ``sys.getprofile()`` returns while installed (any value, for this hook)."""
        return sys.getprofile() if self.used is None else self.used.profiler

    def install(self) -> None:
        """Record in every thread, or install the fallback (and warn) if refused."""
        if self.used is not None:
            self.used.install()
            return
        try:
            self.compiled.install()
        except RuntimeError as exc:
            _warn(self.log, f"{exc}: generators are recorded with the profile hook instead")
            self.used = self.fallback()
            self.used.install()
            return
        sys.setprofile(None)  # as the profile hooks do: schedsim's replaces another profiler

    def enable_here(self) -> None:
        """A new thread: drop its thread-start profile function (it is already covered)."""
        if self.used is not None:
            self.used.enable_here()
        else:
            sys.setprofile(None)

    def uninstall(self) -> None:
        """Stop recording (every thread) and move buffered records to the log."""
        (self.compiled if self.used is None else self.used).uninstall()

    def drain(self) -> None:
        """Move the records it buffers into the log's list (before each flush)."""
        self.compiled.drain()  # a fallback CHook set ``log.drain`` to its own


def make_hook(log: RawLog) -> ProfileHook | CHook | EvalHook:
    """The hook ``SCHEDSIM_HOOK`` asks for (default: the best one built here).

    The compiled hooks pack their records into blocks (``GPACKED``,
    expanded when the raw file is read) and are drained before every
    flush.  The eval-frame hook is not used when another eval-frame
    function is installed (a warning says so).
    """
    kind, codes = _speedups.choose(), Codes()
    if kind == "eval":
        owner = _speedups.eval_owner()
        if owner == "default":
            compiled = _speedups.EvalGeneratorHook(log.events, log.flush, codes, GEN_CODES,
                                                   PACKED_CHUNK, GPACKED)
            hook = EvalHook(compiled, lambda: _profile_hook(log, codes), log, codes)
            log.drain = hook.drain
            return hook
        _warn(log, f"another eval-frame function ({owner}) is installed: generators are "
                   "recorded with the profile hook instead")
    return _profile_hook(log, codes)


def _profile_hook(log: RawLog, codes: Codes) -> ProfileHook | CHook:
    compiled = c_generator_hook(log.events, log.flush, codes, GEN_CODES, PACKED_CHUNK,
                                GPACKED)
    if compiled is None:
        return ProfileHook(log, codes)
    hook = CHook(compiled, codes)
    log.drain = hook.drain
    return hook


def _warn(log: RawLog, text: str) -> None:
    log.append((WARN, time.perf_counter_ns(), threading.get_native_id(), text))


def _make_profiler(log: RawLog, code_info: Callable[[CodeType], tuple] = code_info):
    events = log.events
    append, flush = events.append, log.flush
    now, get_tid = time.perf_counter_ns, threading.get_native_id
    infos: dict = {}
    pending: dict = {}   # tid -> (frame id, "send" | "throw" | "close", generator)
    thrown: dict = {}    # frame id -> generator (or None) entered by throw/close

    def on_call(frame, info) -> None:
        t, me, key = now(), get_tid(), id(frame)
        p = pending.pop(me, None)
        how = p[1] if p is not None and p[0] == key else "next"
        back = frame.f_back
        resumer = back.f_code.co_qualname if back is not None else "?"
        lasti = frame.f_lasti
        if lasti == info[0]:
            append((GSTART, t, me, key, frame.f_code.co_qualname, how, resumer))
        else:
            append((GRESUME, t, me, key, how, resumer))
        if lasti in info[1]:
            thrown[key] = p[2] if how != "next" else None
        elif thrown:
            thrown.pop(key, None)

    def on_return(frame, info) -> None:
        key = id(frame)
        if frame.f_lasti not in info[1]:
            code = GEND
        elif key in thrown:
            gen = thrown.pop(key)
            code = GYIELD if gen is not None and gen.gi_suspended else GEND
        else:
            code = GYIELD
        append((code, now(), get_tid(), key))
        if len(events) >= CHUNK:
            flush()

    def profiler(frame, event, arg):
        if event == "call" or event == "return":
            code = frame.f_code
            if code.co_flags & _GENERATOR:
                info = infos.get(code)
                if info is None:
                    info = infos[code] = code_info(code)
                if info:
                    (on_call if event == "call" else on_return)(frame, info)
        elif event == "c_call":
            gen = getattr(arg, "__self__", None)
            if type(gen) is GeneratorType and gen.gi_frame is not None:
                pending[get_tid()] = (id(gen.gi_frame), arg.__name__, gen)

    return profiler
