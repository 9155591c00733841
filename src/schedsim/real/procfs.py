"""OS counters of a thread, from Linux's /proc (no root needed).

``schedstat`` gives the time on CPU and waiting on a run queue (ns) and
the number of time slices; ``status`` the voluntary and involuntary
context switches.  Everything returns None where /proc is missing.
"""

from __future__ import annotations

import os
import resource

try:
    from . import _procstat   # compiled: holds the GIL over the read (see procstat.c)
except ImportError:          # pragma: no cover - not built
    _procstat = None

#: names of the counter values, in the order :func:`read_thread` returns them
NAMES = ("run_ns", "wait_ns", "slices", "voluntary", "involuntary")


def read_thread(pid: int, tid: int) -> tuple[int, int, int, int, int] | None:
    """``(run_ns, wait_ns, slices, voluntary, involuntary)`` of a thread, or None."""
    base = f"/proc/{pid}/task/{tid}/"
    try:
        with open(base + "schedstat", "rb") as fh:
            run, wait, slices = (int(x) for x in fh.read().split()[:3])
        with open(base + "status", "rb") as fh:
            vol = invol = 0
            for line in fh:
                if line.startswith(b"voluntary_ctxt_switches"):
                    vol = int(line.split()[1])
                elif line.startswith(b"nonvoluntary_ctxt_switches"):
                    invol = int(line.split()[1])
    except (OSError, ValueError):
        return None
    return run, wait, slices, vol, invol


def open_self() -> int | None:
    """A descriptor on the calling thread's ``schedstat`` for :func:`read_open` (None
    where /proc is missing).  Opening is the costly part of a sample (the path lookup
    in /proc): a thread that opens it as it starts samples its end in ~4 µs hot and
    ~22 µs cold instead of ~17 and ~60, on the time its ``join`` waits."""
    if _procstat is not None:
        return _procstat.open_self()
    try:
        return os.open("/proc/thread-self/schedstat", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def read_open(fd: int) -> tuple[int, int, int, int, int] | None:
    """The calling thread's counters, as :func:`read_self`, through ``fd`` from
    :func:`open_self` (opened by this same thread).

    Compiled, the read holds the GIL: ``os.pread`` lets it go for the system
    call, and a thread sampling its end then waited 80-500 µs to get it back
    from the threads its exit had woken.
    """
    if _procstat is not None:
        return _procstat.read_open(fd)
    try:
        run, wait, slices = (int(x) for x in os.pread(fd, 128, 0).split()[:3])
    except (OSError, ValueError):
        return None
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return run, wait, slices, usage.ru_nvcsw, usage.ru_nivcsw


def close_self(fd: int) -> None:
    """Close a descriptor from :func:`open_self` (compiled: holding the GIL)."""
    if _procstat is not None:
        _procstat.close(fd)
        return
    try:
        os.close(fd)
    except OSError:
        pass


def read_self() -> tuple[int, int, int, int, int] | None:
    """The calling thread's counters, as :func:`read_thread` gives them, ~4x faster.

    ``/proc/thread-self/schedstat`` is three numbers, and ``getrusage``
    counts the thread's context switches without the kernel formatting the
    whole ``status`` file (~55 us per sample against ~15 us here): the tracer
    samples each new thread from inside it, on the program's time.
    """
    fd = open_self()
    if fd is None:
        return None
    try:
        return read_open(fd)
    finally:
        close_self(fd)


def group_pids(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(pgid).encode() and fields[0] != b"Z":
            out.append(int(name))
    return out


def group_threads(pgid: int) -> list[tuple[int, int]]:
    """``(pid, tid)`` of every thread of every live process in process group ``pgid``."""
    out = []
    for pid in group_pids(pgid):
        try:
            out.extend((pid, int(tid)) for tid in os.listdir(f"/proc/{pid}/task"))
        except (OSError, ValueError):
            continue
    return out
