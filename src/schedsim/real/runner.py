"""The tracer's parent side: run a program in a traced child, build its trace.

:func:`trace_program` starts ``python -m schedsim.real.bootstrap`` in its
own process group with the program's stdin/stdout/stderr inherited (the
output reaches the user unchanged, never through the tracer), waits for it
(ending the whole group on timeout or Ctrl-C), then reads the raw files the
traced processes wrote and merges them into one trace.
"""

from __future__ import annotations

import datetime as _dt
import glob
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import TracerError
from ..trace import Header, Trace, save
from .build import build_trace
from .child import ENV_CHILD, ENV_DIR, ENV_SCALE
from .kernel import KIN, KOUT, PerfRecorder
from .kernel import unavailable as kernel_unavailable
from .mapfile import memory_dir
from .procfs import group_pids, group_threads, read_thread
from .rawlog import read_raw

#: seconds between SIGTERM and SIGKILL when ending a process group
GRACE = 2.0

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_SITE_DIR = str(Path(__file__).resolve().parent / "site")


@dataclass
class RealRun:
    """The result of tracing one program run.

    ``status`` is the exit status as :mod:`subprocess` reports it (the exit
    code, or ``-N`` when killed by signal N); ``timed_out`` says whether the
    tracer ended the run at its timeout; ``path`` is where the trace was
    saved (None when no ``out`` was given); ``warnings`` what the user
    should know (another tracer was active, the hook was replaced...).
    """

    trace: Trace
    status: int
    timed_out: bool = False
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)


def trace_program(program: str | os.PathLike, args=(), *, time_scale: float = 1.0,
                  timeout: float | None = None, out: str | os.PathLike | None = None,
                  cwd: str | os.PathLike | None = None, env: dict | None = None,
                  counters_interval: float | None = None, kernel: bool = False) -> RealRun:
    """Run ``program`` (a Python file) with ``args`` under the tracer.

    Every ``time.sleep(d)`` and ``asyncio.sleep(d)`` in it sleeps
    ``d * time_scale``.  ``timeout`` (seconds) ends the program's whole
    process group.  ``counters_interval`` (seconds) also samples every
    thread's OS counters from outside at that interval (they are always
    sampled at each thread's start and end).  ``kernel`` merges the
    kernel's scheduler events (``perf``, root only; when unavailable the
    header's ``meta["kernel"]`` says why).  The trace is returned and, when
    ``out`` is given, saved there atomically.  Raises
    :class:`~schedsim.errors.TracerError` when the program cannot be run.
    """
    script = _check(program, cwd, time_scale, timeout, counters_interval)
    raw_dir = tempfile.mkdtemp(prefix="schedsim-raw-", dir=memory_dir())
    try:
        start_wall = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
        cmd = [sys.executable, "-m", "schedsim.real.bootstrap", os.fspath(program),
               *map(str, args)]
        perf, kernel_meta = _start_kernel(raw_dir) if kernel else (None, None)
        sampler = Sampler(counters_interval)
        try:
            status, timed_out = _run(cmd, cwd, _child_env(env, raw_dir, time_scale), timeout,
                                     sampler)
        finally:
            if perf is not None:
                perf.stop()
        files = _read_all(raw_dir)
        kernel_events = perf.events(_tids(files)) if perf is not None else []
        if perf is not None:
            kernel_meta = _kernel_summary(kernel_events)
        header = _header(script, cmd[4:], time_scale, start_wall, status, timed_out)
        if kernel_meta is not None:
            header.meta["kernel"] = kernel_meta
        trace = build_trace(header, files, status, sampler.samples, kernel_events)
    finally:
        shutil.rmtree(raw_dir, ignore_errors=True)
    path = None
    if out is not None:
        path = Path(out)
        save(trace, path)
    return RealRun(trace, status, timed_out, path, list(trace.header.meta.get("warnings", ())))


def _kernel_summary(events: list[tuple]) -> dict:
    """What perf recorded, and whether its switch-ins and switch-outs pair up.

    On some VMs perf drops switches out of the idle task, so a thread is seen
    leaving a CPU but not arriving; the header says so rather than the trace
    silently showing threads that never ran.
    """
    ins = sum(1 for e in events if e[0] == KIN)
    outs = sum(1 for e in events if e[0] == KOUT)
    summary = {"recorded": True, "events": len(events), "switch_in": ins, "switch_out": outs}
    summary["complete"] = abs(ins - outs) <= 1
    if not summary["complete"]:
        summary["note"] = (f"perf recorded {ins} switches in but {outs} out for the traced "
                           f"threads: some scheduler events were lost; on-CPU intervals "
                           f"from the kernel view are incomplete")
    return summary


def _start_kernel(raw_dir: str) -> tuple[PerfRecorder | None, dict | None]:
    reason = kernel_unavailable()
    if reason is not None:
        return None, {"skipped": reason}
    perf = PerfRecorder(raw_dir)
    if not perf.start():
        return None, {"skipped": perf.error}
    return perf, None


def _tids(files) -> set[int]:
    tids = {meta["tid"] for meta, _ in files}
    for _, events in files:
        tids.update(ev[2] for ev in events)
    return tids


class Sampler:
    """Samples every thread of the traced process group from outside, at an interval."""

    def __init__(self, interval: float | None) -> None:
        self.interval = interval
        self.samples: list[tuple] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pgid: int) -> None:
        """Begin sampling process group ``pgid`` (no-op without an interval)."""
        if self.interval:
            self._thread = threading.Thread(target=self._loop, args=(pgid,), daemon=True,
                                            name="schedsim-sampler")
            self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self, pgid: int) -> None:
        while not self._stop.wait(self.interval):
            for pid, tid in group_threads(pgid):
                values = read_thread(pid, tid)
                if values is not None:
                    self.samples.append((time.perf_counter_ns(), pid, tid, values))


def _check(program, cwd, time_scale, timeout, counters_interval) -> Path:
    script = Path(cwd or ".") / Path(program)
    if not script.is_file():
        raise TracerError(f"{program}: no such program file"
                          + (f" (looked in {cwd})" if cwd else ""))
    if not (isinstance(time_scale, (int, float)) and time_scale > 0):
        raise TracerError(f"time_scale must be a positive number, not {time_scale!r}")
    if timeout is not None and not timeout > 0:
        raise TracerError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if counters_interval is not None and not counters_interval > 0:
        raise TracerError("counters_interval must be a positive number of seconds, "
                          f"not {counters_interval!r}")
    return script.resolve()


def _child_env(env: dict | None, raw_dir: str, time_scale: float) -> dict:
    out = dict(os.environ if env is None else env)
    out[ENV_DIR] = raw_dir
    out[ENV_SCALE] = repr(float(time_scale))
    out.pop(ENV_CHILD, None)  # set by the root for its descendants only
    paths = [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p]
    out["PYTHONPATH"] = os.pathsep.join([_SITE_DIR, _PACKAGE_ROOT, *paths])
    return out


def _run(cmd: list[str], cwd, env: dict, timeout: float | None,
         sampler: Sampler) -> tuple[int, bool]:
    """Run the child in its own process group; returns (status, timed_out)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, process_group=0)
    terminal = Foreground(proc.pid)
    sampler.start(proc.pid)
    timed_out = False
    try:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _end_group(proc, signal.SIGTERM)
        except KeyboardInterrupt:
            _end_group(proc, signal.SIGINT)
    finally:
        terminal.restore()
        sampler.stop()
        if proc.poll() is None:
            _end_group(proc, signal.SIGKILL)
        _kill_leftovers(proc.pid)
    return proc.returncode, timed_out


class Foreground:
    """Hands the terminal to the traced process group while it runs.

    The program runs in its own process group (so the tracer can end the
    whole tree); on a terminal that group must be the foreground one, or
    reading stdin would stop it (SIGTTIN) and Ctrl-C would not reach it.
    Does nothing when stdin is not our terminal.
    """

    def __init__(self, pgid: int) -> None:
        self.fd: int | None = None
        try:
            if os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp():
                self.fd = 0
        except OSError:
            return
        if self.fd is not None and self._set(pgid):
            _signal_group(pgid, signal.SIGCONT)  # in case it already tried to read
        else:
            self.fd = None

    def _set(self, pgid: int) -> bool:
        if threading.current_thread() is not threading.main_thread():
            return False
        old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            os.tcsetpgrp(self.fd, pgid)
            return True
        except OSError:
            return False
        finally:
            signal.signal(signal.SIGTTOU, old)

    def restore(self) -> None:
        """Give the terminal back to the tracer's own process group."""
        if self.fd is not None:
            self._set(os.getpgrp())
            self.fd = None


def _kill_leftovers(pgid: int, patience: float = GRACE) -> None:
    """No child outlives the tracer: kill what is left of the group, wait until it is gone."""
    deadline = time.monotonic() + patience
    while group_pids(pgid) and time.monotonic() < deadline:
        _signal_group(pgid, signal.SIGKILL)
        time.sleep(0.005)


def _end_group(proc: subprocess.Popen, signum: int) -> None:
    _signal_group(proc.pid, signum)
    try:
        proc.wait(GRACE)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _read_all(raw_dir: str) -> list[tuple[dict, list[tuple]]]:
    return [read_raw(p) for p in sorted(glob.glob(os.path.join(raw_dir, "raw-*.bin")))]


def _header(script: Path, argv: list[str], time_scale: float, start_wall: str,
            status: int, timed_out: bool) -> Header:
    return Header(
        source="real",
        producer={"tool": "schedsim.real", "program": str(script), "argv": argv},
        machine={"cpus": os.cpu_count(), "python": platform.python_version(),
                 "platform": platform.platform()},
        time_scale=float(time_scale), start_wall=start_wall, version=__version__,
        meta={"status": status, "timed_out": timed_out})
