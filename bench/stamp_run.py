"""Run a program untraced, noting when each printed line was written.

``python bench/stamp_run.py STAMPS SCALE PROGRAM.py`` runs PROGRAM as
``__main__`` with ``time.sleep`` and ``asyncio.sleep`` scaled by SCALE (as
``schedsim trace --time-scale`` does) and ``print`` followed by one
``perf_counter_ns`` stamp, appended to the file STAMPS as ``ns<TAB>line``
with one ``os.write`` (forked children append to the same file).  This is
all it adds to the program: the baseline that ``bench_probe.py`` holds the
tracer against.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import runpy
import sys
import time


def main(argv: list[str]) -> int:
    """Stamp every printed line of ``argv[2]`` into ``argv[0]``, sleeps scaled by ``argv[1]``."""
    stamps, scale, program = argv[0], float(argv[1]), argv[2]
    fd = os.open(stamps, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    real_print, clock, write = builtins.print, time.perf_counter_ns, os.write

    def print(*args, **kwargs):
        real_print(*args, **kwargs)
        line = " ".join(str(a) for a in args)
        write(fd, f"{clock()}\t{line}\n".encode())

    sleep, asleep = time.sleep, asyncio.sleep

    async def scaled_asleep(delay, result=None):
        return await asleep(delay * scale, result)

    builtins.print = print
    time.sleep = lambda s: sleep(s * scale)
    asyncio.sleep = asyncio.tasks.sleep = scaled_asleep
    sys.argv = [program]
    sys.path[0] = os.path.dirname(os.path.abspath(program))
    runpy.run_path(program, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
