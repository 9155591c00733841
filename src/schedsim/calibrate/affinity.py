"""CPU pinning for calibration: run on one chosen CPU, or on two different ones.

Linux affinity is per thread: ``os.sched_setaffinity(0, ...)`` pins the
calling thread, and threads and processes created afterwards inherit it.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator


def allowed_cpus() -> list[int]:
    """The CPUs this thread may run on, sorted."""
    return sorted(os.sched_getaffinity(0))


def two_cpus() -> tuple[int, int] | None:
    """Two different CPUs this thread may use, or None on a one-CPU machine."""
    cpus = allowed_cpus()
    return (cpus[0], cpus[1]) if len(cpus) >= 2 else None


@contextlib.contextmanager
def pinned(cpu: int) -> Iterator[None]:
    """Pin the calling thread to ``cpu`` for the block; restore its affinity after."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def pin_self(cpu: int | None) -> None:
    """Pin the calling thread (or freshly forked process) to ``cpu``; None leaves it."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
