"""Run a program with only the generator hook installed (no other tracing).

    python bench/hook_driver.py MODE PROGRAM.py [ARGS...]

Isolates the hook's own cost for bench_tracer.py.  MODE is one of

* ``python``                 the pure-Python profile hook of schedsim.real.genhook;
* ``c``, ``c-packed``        the C profile hook of schedsim._speedups (one tuple per
                             event, or packed 32-byte records);
* ``eval``, ``eval-packed``  the C PEP 523 eval-frame hook, same two record forms;
* ``floor-pass``             an eval-frame function that records nothing and only
                             calls the default (what installing any costs);
* ``floor-clock``            the same, reading the clock before and after each
                             generator frame (what any timestamping hook costs).

The hooks record into a RawLog in a temporary directory; prints
``bench-events: N`` (raw events) on stderr at exit (0 for the floors).
Forked children drop the hook (only the parent is measured).
"""

import os
import runpy
import sys
import tempfile
import threading

from schedsim import _speedups
from schedsim.real import genhook
from schedsim.real.rawlog import CHUNK, GEND, GRESUME, GSTART, GYIELD, RawLog

PACKED = -1  # any code the raw log does not use otherwise


MODES = ("python", "c", "c-packed", "eval", "eval-packed", "floor-pass", "floor-clock")


class Floor:
    """A benchmark floor (``floor-pass`` = 1, ``floor-clock`` = 2) with a hook's interface."""

    def __init__(self, mode: int) -> None:
        self.mode = mode

    def install(self) -> None:
        """Install the floor eval-frame function."""
        _speedups.eval_floor(self.mode)

    def uninstall(self) -> None:
        """Restore the default eval-frame function."""
        _speedups.eval_floor(0)


def make(mode: str, log: RawLog):
    """The hook for ``mode`` (see the module's docstring; the C ones must be built)."""
    if mode not in MODES:
        sys.exit(f"hook_driver: unknown mode {mode!r} (one of {', '.join(MODES)})")
    if mode == "python":
        return genhook.ProfileHook(log)
    if not _speedups.available():
        sys.exit("hook_driver: the C hook is not built (schedsim._speedups._genhook)")
    if mode.startswith("floor-"):
        return Floor(1 if mode == "floor-pass" else 2)
    kind = _speedups.EvalGeneratorHook if mode.startswith("eval") else _speedups.CGeneratorHook
    packed = mode.endswith("-packed")
    return kind(log.events, log.flush, genhook.code_info, (GSTART, GRESUME, GYIELD, GEND),
                genhook.PACKED_CHUNK if packed else CHUNK, PACKED if packed else None)


def count(events: list) -> int:
    """Raw events in ``events``, counting each packed record."""
    size = _speedups.RECORD.size
    return sum(len(e[3]) // size if e[0] == PACKED else 1 for e in events)


def main() -> None:
    """Install the hook, run the program as __main__, report the event count."""
    mode, program, *args = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        log = RawLog(tmp, {"pid": os.getpid()})
        written = [0]
        flush = log.flush

        def counting_flush():
            written[0] += count(log.events)
            flush()
        log.flush = counting_flush
        hook = make(mode, log)

        def drop_in_child():
            sys.setprofile(None)
            threading.setprofile(None)
            if mode.startswith(("eval", "floor")):
                hook.uninstall()
        os.register_at_fork(after_in_child=drop_in_child)
        sys.argv = [program, *args]
        hook.install()
        try:
            runpy.run_path(program, run_name="__main__")
        finally:
            hook.uninstall()
            print(f"bench-events: {written[0] + count(log.events)}", file=sys.stderr)
            log.close()


if __name__ == "__main__":
    main()
