"""The traced side: runs the program as ``__main__`` under the tracer.

Started by :func:`schedsim.real.runner.trace_program` as ``python -m
schedsim.real.bootstrap PROGRAM ARGS...`` with its settings in the
environment (``SCHEDSIM_RAW_DIR``, ``SCHEDSIM_TIME_SCALE``).  The program
sees ``sys.argv``, ``sys.path[0]``, ``__main__`` and ``__file__`` as under
``python PROGRAM ARGS...``; its output goes straight to the inherited
stdout/stderr.  Raw events are written out on exit, also on an exception,
``sys.exit``, ``os._exit``, SIGTERM/SIGHUP and Ctrl-C.
"""

from __future__ import annotations

import atexit
import builtins
import gc
import importlib.machinery
import os
import signal
import sys
import threading
import time
import types

from .genhook import make_hook
from .rawlog import DONE, EXIT, START, RawLog
from .taps import LineTap, install_sleep

ENV_DIR = "SCHEDSIM_RAW_DIR"
ENV_SCALE = "SCHEDSIM_TIME_SCALE"


class Session:
    """Everything the tracer installs in one traced process."""

    def __init__(self, raw_dir: str, time_scale: float, program: str) -> None:
        self.time_scale = time_scale
        self.log = RawLog(raw_dir, {
            "pid": os.getpid(), "ppid": os.getppid(), "main": True, "program": program,
            "tid": threading.get_native_id(), "thread": threading.current_thread().name,
            "time_scale": time_scale})
        self.hook = make_hook(self.log)
        self.taps: list[LineTap] = []
        self.status: int | None = None
        self._finished = False
        self._own_ns = 0  # time spent in the tracer's clean-up after the program ended

    def start(self) -> None:
        """Install taps and hooks; record the program's t = 0."""
        install_sleep(self.log, self.time_scale)
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None:
                tap = LineTap(stream, name, self.log)
                self.taps.append(tap)
                setattr(sys, name, tap)
        self._guard_exits()
        atexit.register(self.finish)
        self.log.append((START, time.perf_counter_ns(), threading.get_native_id()))
        self.hook.install()

    def done(self, status: int) -> None:
        """The program's own code has returned or raised."""
        ended = time.perf_counter_ns()  # before our own clean-up, which is not the program's
        gc.collect()  # let finished generators close while still observed
        for tap in self.taps:
            tap.drain()
        self.status = status
        self.log.append((DONE, ended, threading.get_native_id(), status))
        self.log.flush()
        # the tracer's own clean-up above is not the program's time: finish() takes it off
        self._own_ns = time.perf_counter_ns() - ended

    def finish(self, status: int | None = None) -> None:
        """Record the exit and write everything out (idempotent)."""
        if self._finished:
            return
        self._finished = True
        self.hook.uninstall()
        for tap in self.taps:
            tap.drain()
        final = self.status if status is None else status
        self.log.append((EXIT, time.perf_counter_ns() - self._own_ns, threading.get_native_id(),
                         0 if final is None else final))
        self.log.close()

    def _guard_exits(self) -> None:
        real_exit = os._exit

        def _exit(status):
            self.finish(status)
            real_exit(status)

        os._exit = _exit
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        self.finish(-signum)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _exit_status(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run(program: str, args: list[str]) -> None:
    """Run ``program`` as ``__main__`` under a :class:`Session`; exits like Python."""
    path = os.path.abspath(program)
    with open(path, "rb") as fh:
        source = fh.read()
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    sys.modules["__main__"] = main
    sys.argv = [program, *args]
    sys.path[0] = os.path.dirname(path)
    code = compile(source, path, "exec", dont_inherit=True)
    session = Session(os.environ[ENV_DIR], float(os.environ.get(ENV_SCALE, "1")), program)
    session.start()
    try:
        exec(code, main.__dict__)
    except SystemExit as exc:
        session.done(_exit_status(exc))
        raise
    except KeyboardInterrupt as exc:
        _report(exc)
        session.done(-signal.SIGINT)
        session.finish()
        _flush_streams()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as exc:  # noqa: BLE001 - reported like Python does, then exit 1
        _report(exc)
        session.done(1)
        sys.exit(1)
    session.done(0)


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()


def _report(exc: BaseException) -> None:
    """Print the traceback as ``python PROGRAM`` would (without tracer frames)."""
    tb = exc.__traceback__.tb_next
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)
