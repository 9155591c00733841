"""Run a program with only the generator profile hook installed (no other tracing).

    python bench/hook_driver.py {python|c|c-packed} PROGRAM.py [ARGS...]

Isolates the hook's own cost for bench_tracer.py: the pure-Python hook of
schedsim.real.genhook or the C one of schedsim._speedups (tuple or packed
mode), recording into a RawLog in a temporary directory; prints
``bench-events: N`` (raw events) on stderr at exit.  Forked children drop
the hook (only the parent is measured).
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


def make(mode: str, log: RawLog):
    """The hook for ``mode``: 'python', 'c' or 'c-packed' (C ones must be built)."""
    if mode == "python":
        return genhook.ProfileHook(log)
    if not _speedups.available():
        sys.exit("hook_driver: the C hook is not built (schedsim._speedups._genhook)")
    return _speedups.CGeneratorHook(log.events, log.flush, genhook.code_info,
                                    (GSTART, GRESUME, GYIELD, GEND), CHUNK,
                                    PACKED if mode == "c-packed" else None)


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
        os.register_at_fork(after_in_child=lambda: (sys.setprofile(None),
                                                    threading.setprofile(None)))
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
