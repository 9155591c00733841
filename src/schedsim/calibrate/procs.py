"""Calibration probes across processes: pipe ping-pong, fork, start methods, IPC.

Children made here with ``os.fork`` leave through ``os._exit`` so they never
run the parent's cleanup; every child is waited for before a probe returns.
"""

from __future__ import annotations

import json
import mmap
import multiprocessing
import os
import struct
import subprocess
import sys
import threading
import time

from .affinity import pin_self, pinned
from .fresh import fresh_env
from .stats import Line, Stat, each, fit_line, per_op, summarize

clock = time.perf_counter_ns
MIB = 1 << 20


def _child(body) -> int:
    """Fork; the child runs ``body()`` then ``os._exit(0)`` (1 if it raised)."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            body()
            status = 0
        finally:
            os._exit(status)
    return pid


def _reap(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"calibration child {pid} failed (status {status})")


def _pipe_pingpong(n: int, child_cpu: int | None) -> int:
    """Elapsed ns for n one-byte round trips with a forked child over two pipes."""
    down_r, down_w = os.pipe()
    up_r, up_w = os.pipe()

    def echo():
        pin_self(child_cpu)
        for _ in range(n):
            os.write(up_w, os.read(down_r, 1))
    pid = _child(echo)
    read, write = os.read, os.write
    t0 = clock()
    for _ in range(n):
        write(down_w, b"x")
        read(up_r, 1)
    elapsed = clock() - t0
    for fd in (down_r, down_w, up_r, up_w):
        os.close(fd)
    _reap(pid)
    return elapsed


def process_pingpong(cpus: tuple[int, int], n: int, reps: int) -> Stat:
    """One-way process hand-off over ``os.pipe``; ``cpus`` = (parent CPU, child CPU)."""
    with pinned(cpus[0]):
        return per_op(lambda k: _pipe_pingpong(k, cpus[1]), n, reps, ops_per_iter=2)


def _fork_once() -> None:
    _reap(_child(lambda: None))


def _write_pages(buf: bytearray, value: int) -> None:
    """Write ``value`` into the first byte of every 4 KiB page of ``buf``."""
    buf[::4096] = bytes([value]) * len(range(0, len(buf), 4096))


def touched(mib: int) -> bytearray:
    """A buffer of ``mib`` MiB with every page written (so fork must copy its tables)."""
    buf = bytearray(mib * MIB)
    _write_pages(buf, 1)
    return buf


def fork_cost(sizes_mib: tuple[int, ...], reps: int) -> Line:
    """``os.fork`` + child exit + ``waitpid`` with 0.. MiB of touched parent memory."""
    points = []
    for mib in sizes_mib:
        buf = touched(mib)
        points.append((mib, each(_fork_once, reps, warmup=1)))
        del buf
    return fit_line(points)


def _cow_once(buf: bytearray, mib: int) -> int:
    """In a fresh child: ns per MiB of writing one byte per page of ``buf`` (each page
    still shared with the parent, so faulted and copied) minus writing them again."""
    r, w = os.pipe()

    def child():
        t0 = clock()
        _write_pages(buf, 2)
        t1 = clock()
        _write_pages(buf, 3)
        os.write(w, struct.pack("q", ((t1 - t0) - (clock() - t1)) // mib))
    pid = _child(child)
    os.close(w)
    data = os.read(r, 8)
    os.close(r)
    _reap(pid)
    return struct.unpack("q", data)[0]


def cow_cost(mib: int, reps: int) -> Stat:
    """Copy-on-write after fork: the extra ns a child takes per MiB of its first
    writes to pages it shares with its parent (one per page, ``mib`` MiB)."""
    buf = touched(mib)
    _cow_once(buf, mib)            # unrecorded: the first fork also maps the probe's code
    return summarize([_cow_once(buf, mib) for _ in range(reps)])


def _thread_start_join() -> int:
    t0 = clock()
    worker = threading.Thread(target=_noop)
    worker.start()
    worker.join()
    return clock() - t0


def _first_thread_twice() -> tuple[int, int]:
    return _thread_start_join(), _thread_start_join()


def cow_thread_start(reps: int) -> Stat:
    """The extra of a process's first thread start after a fork: ``Thread.start`` +
    ``join`` first minus second, in the child and then (the child still alive, so
    every page still shared) in the parent; one sample from each per fork."""
    _thread_start_join()
    samples = []
    for _ in range(reps):
        up_r, up_w = os.pipe()
        down_r, down_w = os.pipe()

        def child():
            first, second = _first_thread_twice()
            os.write(up_w, struct.pack("q", first - second))
            os.read(down_r, 1)                    # stay alive while the parent measures
        pid = _child(child)
        samples.append(struct.unpack("q", os.read(up_r, 8))[0])
        first, second = _first_thread_twice()
        samples.append(first - second)
        os.write(down_w, b"x")
        _reap(pid)
        for fd in (up_r, up_w, down_r, down_w):
            os.close(fd)
    return summarize(samples)


def feeder_start(reps: int) -> Stat:
    """A ``multiprocessing.Queue``'s first put (its feeder thread starts) minus a later
    one, each put read back at once by this process."""
    ctx = multiprocessing.get_context("fork")
    samples = []
    for i in range(reps + 1):
        q = ctx.Queue()
        t0 = clock()
        q.put(1)
        q.get()
        t1 = clock()
        q.put(1)
        q.get()
        samples.append((t1 - t0) - (clock() - t1))
        q.close()
        q.join_thread()
    return summarize(samples[1:])                    # the first: imports, warm-up


def _noop() -> None:
    """Target of the start-method probes (importable by spawned children)."""


def _join(child) -> None:
    """Join a ``multiprocessing`` probe child; one that failed fails the probe."""
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"calibration child exited with {child.exitcode}")


def _start_join(ctx) -> None:
    p = ctx.Process(target=_noop)
    p.start()
    _join(p)


def _start_samples(method: str, reps: int) -> list[int]:
    ctx = multiprocessing.get_context(method)
    _start_join(ctx)  # unrecorded: forkserver launches its server here
    samples = []
    for _ in range(reps):
        t0 = clock()
        _start_join(ctx)
        samples.append(clock() - t0)
    return samples


def mp_start(method: str, reps: int) -> Stat:
    """``multiprocessing`` Process start + join with start method ``method``.

    Measured in a fresh interpreter running this module, so the cost does not
    depend on what the caller's ``__main__`` is (spawned children re-import it).
    """
    out = subprocess.run([sys.executable, "-m", __name__, method, str(reps)], env=fresh_env(),
                         capture_output=True, text=True, timeout=60 + 5 * reps)
    if out.returncode != 0:
        raise RuntimeError(f"{method} start probe failed:\n{out.stderr.strip()}")
    return summarize(json.loads(out.stdout))


def _note_end(shared, queue=None) -> None:
    """A probe child's target: note when it returns, in the shared buffer."""
    struct.pack_into("q", shared, 0, clock())


#: how long the queue-using probe child idles after its message (its feeder sleeps)
QUEUE_CHILD_IDLE_S = 0.01


def _note_end_after_a_message(shared, queue) -> None:
    """A probe child's target: send one message, idle, note when it returns."""
    queue.put("ready")
    time.sleep(QUEUE_CHILD_IDLE_S)
    _note_end(shared)


def _exits(cpu: int, reps: int, target, with_queue: bool) -> Stat:
    """From ``target(shared, queue)`` returning in a fork child to the parent's ``join()``
    returning, both on ``cpu``; with a queue, the parent first reads one message."""
    ctx = multiprocessing.get_context("fork")
    shared = mmap.mmap(-1, 8)
    samples = []
    with pinned(cpu):
        for i in range(reps + 1):
            queue = ctx.Queue() if with_queue else None
            child = ctx.Process(target=target, args=(shared, queue))
            child.start()
            if queue is not None:
                queue.get()
            _join(child)
            if i:                                   # the first is a warm-up
                samples.append(clock() - struct.unpack_from("q", shared, 0)[0])
            if queue is not None:
                queue.close()
                queue.join_thread()
    return summarize(samples)


def _send_the_time(queue) -> None:
    """A probe child's target: send the time as its first message, then idle (so that
    its exit does not overlap the parent's read)."""
    queue.put(clock())
    time.sleep(QUEUE_CHILD_IDLE_S)


def first_message_after_fork(reps: int) -> Stat:
    """From a fresh ``multiprocessing`` (fork) child's first ``put`` to its parent's
    ``get`` returning that message, the parent blocked in ``get`` since the start, on
    any CPUs: the child's feeder starts and sends, each side for the first time since
    the fork."""
    ctx = multiprocessing.get_context("fork")
    samples = []
    for i in range(reps + 1):
        queue = ctx.Queue()
        child = ctx.Process(target=_send_the_time, args=(queue,))
        child.start()
        sent = queue.get()
        if i:                                       # the first is a warm-up
            samples.append(clock() - sent)
        _join(child)
        queue.close()
        queue.join_thread()
    return summarize(samples)


def process_exit(cpu: int, reps: int) -> Stat:
    """From a ``multiprocessing`` (fork) child's target returning to the parent's
    ``join()`` returning, both on ``cpu``: the child's clean-up and exit."""
    return _exits(cpu, reps, _note_end, with_queue=False)


def process_exit_after_a_queue(cpu: int, reps: int) -> Stat:
    """The same for a child that sent one ``multiprocessing.Queue`` message and then
    idled 10 ms: its exit also wakes and joins the queue's feeder thread."""
    return _exits(cpu, reps, _note_end_after_a_message, with_queue=True)


def ipc_create(reps: int) -> Stat:
    """Creating one ``multiprocessing.Queue`` (a pipe, a lock and a bounded semaphore)."""
    ctx = multiprocessing.get_context("fork")
    ctx.Queue().close()                                  # warm-up: imports, first semaphore
    samples = []
    for _ in range(reps):
        t0 = clock()
        q = ctx.Queue()
        samples.append(clock() - t0)
        q.close()
    return summarize(samples)


def _queue_echo(inbox, outbox) -> None:
    while (item := inbox.get()) is not None:
        outbox.put(item)


def _ipc_batch(inbox, outbox, payload: bytes, n: int) -> int:
    t0 = clock()
    for _ in range(n):
        inbox.put(payload)
        outbox.get()
    return clock() - t0


def ipc_cost(sizes_kib: tuple[int, ...], n: int, reps: int, cpu: int) -> Line:
    """One-way ``multiprocessing.Queue`` message vs payload KiB, both ends on ``cpu``."""
    ctx = multiprocessing.get_context("fork")
    with pinned(cpu):
        inbox, outbox = ctx.Queue(), ctx.Queue()
        child = ctx.Process(target=_queue_echo, args=(inbox, outbox), daemon=True)
        child.start()
        try:
            points = [(kib, per_op(lambda k, p=bytes(kib * 1024): _ipc_batch(inbox, outbox, p, k),
                                   n, reps, ops_per_iter=2)) for kib in sizes_kib]
        finally:
            inbox.put(None)
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()
    return fit_line(points)


if __name__ == "__main__":  # python -m schedsim.calibrate.procs METHOD REPS
    print(json.dumps(_start_samples(sys.argv[1], int(sys.argv[2]))))
