"""Optional compiled speed-ups.  schedsim works without them.

:func:`c_generator_hook` returns the C implementation of the generator
profile hook (``genhook.c``), or None when the extension was not built
(no compiler at install time, another Python than CPython 3.11).  It
appends exactly the raw tuples the pure-Python hook of
:mod:`schedsim.real.genhook` appends, to the same list, so either can be
used.  :class:`EvalGeneratorHook` records the same tuples through a PEP 523
eval-frame function instead (``evalhook.c``): one C call per generator
resume, in every thread, no profile events and no frame objects.
``SCHEDSIM_HOOK`` in the environment picks one (:func:`choose`).

In packed mode (``packed=CODE``) the C hook writes 32-byte records into a
preallocated buffer and appends one block tuple per full buffer instead of
one tuple per event; :func:`expand_packed` (pure Python, so a trace can be
read where the extension is not built) turns a process's raw events back
into the ordinary tuples.
"""

from __future__ import annotations

import os
import struct
import sys
import threading
from typing import Callable, Iterable

try:
    from . import _genhook
except ImportError:  # not built: the pure-Python hook is used instead
    _genhook = None

#: environment variable that picks the hook: "auto" (default), "eval", "profile" or
#: "python" ("c" is an old name of "profile"; any other value means "auto")
ENV_HOOK = "SCHEDSIM_HOOK"
_REQUESTS = {"auto": "auto", "eval": "eval", "profile": "profile", "c": "profile",
             "python": "python"}

#: one packed event (``Rec`` in genhook.c): t, key, tid, qualname index, resumer index,
#: which (0 start, 1 resume, 2 yield, 3 end), how (0 next, 1 send, 2 throw, 3 close)
RECORD = struct.Struct("=qQiiiBB2x")
HOWS = ("next", "send", "throw", "close")


def available() -> bool:
    """True when the C hook is built and loadable here."""
    return _genhook is not None


def clock_uses_tsc() -> bool:
    """Whether the C hook extrapolates CLOCK_MONOTONIC from the TSC (see genhook.c)."""
    return _genhook is not None and _genhook.uses_tsc()


def requested() -> str:
    """What ``SCHEDSIM_HOOK`` asks for: "auto", "eval", "profile" or "python"."""
    return _REQUESTS.get(os.environ.get(ENV_HOOK, "auto").strip().lower(), "auto")


def wanted() -> bool:
    """Whether the environment allows the C hooks (``SCHEDSIM_HOOK`` is not ``python``)."""
    return requested() != "python"


def choose() -> str:
    """The hook to use here: "eval" (auto's choice), "profile" or "python".

    The compiled ones need the extension built and CPython; without them
    every request gives "python".
    """
    want = requested()
    if _genhook is None or sys.implementation.name != "cpython" or want == "python":
        return "python"
    return "profile" if want == "profile" else "eval"


def eval_owner() -> str:
    """Who owns the interpreter's eval-frame function: "default", "hook" (a schedsim
    :class:`EvalGeneratorHook`), "floor" (a benchmark floor) or "other"."""
    return "default" if _genhook is None else _genhook.eval_owner()


def eval_floor(mode: int) -> None:
    """Benchmark floor: 1 installs an eval-frame function that only calls the default,
    2 one that also reads the clock twice per generator frame, 0 removes either."""
    if _genhook is None:
        raise RuntimeError("schedsim._speedups._genhook is not built")
    _genhook.eval_floor(mode)


class _CompiledHook:
    """What both compiled hooks share: the C ``Hook`` object and its buffer.

    ``events`` is the list raw tuples go to; ``flush()`` is called when it
    holds ``chunk`` tuples; ``code_info(code)`` says whether a generator's
    code is recorded and where its first RESUME and YIELD_VALUE offsets are;
    ``codes`` are the raw codes (GSTART, GRESUME, GYIELD, GEND).
    """

    def __init__(self, events: list, flush: Callable[[], None],
                 code_info: Callable[[object], tuple], codes: tuple[int, int, int, int],
                 chunk: int, packed: int | None = None) -> None:
        if _genhook is None:
            raise RuntimeError("schedsim._speedups._genhook is not built")
        self.hook = _genhook.Hook(events, flush, code_info, tuple(codes), chunk, packed)

    def drain(self) -> None:
        """Packed mode: append the buffered records to the list now (else nothing)."""
        self.hook.drain()


class CGeneratorHook(_CompiledHook):
    """The C profile hook, with the ``install()``/``uninstall()`` of the Python one."""

    def install(self) -> None:
        """Hook the calling thread and every thread started from now on."""
        threading.setprofile(self.hook)  # a new thread's first event switches it to C
        self.hook.enable_here()

    def uninstall(self) -> None:
        """Unhook the calling thread and threads started from now on (and :meth:`drain`)."""
        self.hook.disable_here()
        threading.setprofile(None)
        self.hook.drain()


class EvalGeneratorHook(_CompiledHook):
    """The C hook as a PEP 523 eval-frame function (arguments as :class:`CGeneratorHook`).

    One install covers every thread of the interpreter, also threads that
    were running before; ``uninstall()`` restores the default.  Both are
    idempotent.  ``install()`` raises RuntimeError when another eval-frame
    function (a debugger's, another hook's) is installed.  ``send(None)`` is
    recorded as a ``next``, and a generator closed by finalisation as a
    ``close`` (the profile hooks say ``send`` and ``next``).
    """

    def install(self) -> None:
        """Record every generator resume in every thread from now on."""
        self.hook.install_eval()

    def uninstall(self) -> None:
        """Stop recording (restore the default eval-frame function) and :meth:`drain`."""
        self.hook.uninstall_eval()
        self.hook.drain()


def c_generator_hook(events: list, flush: Callable[[], None],
                     code_info: Callable[[object], tuple], codes: tuple[int, int, int, int],
                     chunk: int, packed: int | None = None) -> CGeneratorHook | None:
    """The C hook when built and allowed (see :func:`wanted`), else None."""
    if _genhook is None or not wanted() or sys.implementation.name != "cpython":
        return None
    return CGeneratorHook(events, flush, code_info, codes, chunk, packed)


def expand_packed(events: Iterable[tuple], packed: int,
                  codes: tuple[int, int, int, int]) -> list[tuple]:
    """One process's raw events (in file order) with every packed block expanded.

    ``packed`` is the code the hook was given; ``codes`` are (GSTART,
    GRESUME, GYIELD, GEND).  Names arrive once, in the block that first
    used them, so blocks must be read in order, one process at a time.
    """
    names: list[str] = []
    out: list[tuple] = []
    for ev in events:
        if ev[0] != packed:
            out.append(ev)
            continue
        names.extend(ev[4])
        out.extend(_unpack(ev[3], names, codes))
    return out


def _unpack(blob: bytes, names: list[str], codes: tuple[int, int, int, int]) -> list[tuple]:
    # one comprehension, no generator: this runs once per recorded generator event
    start, resume, hows = codes[0], codes[1], HOWS
    return [(resume, t, tid, key, hows[how], names[resumer]) if which == 1
            else (codes[which], t, tid, key) if which > 1
            else (start, t, tid, key, names[qual], hows[how], names[resumer])
            for t, key, tid, qual, resumer, which, how in RECORD.iter_unpack(blob)]
