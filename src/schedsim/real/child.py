"""The traced side: one :class:`Session` per traced process.

The root process is started by :func:`schedsim.real.runner.trace_program`
as ``python -m schedsim.real.bootstrap PROGRAM ARGS...`` (settings in the
environment: ``SCHEDSIM_RAW_DIR``, ``SCHEDSIM_TIME_SCALE``); :func:`run`
runs the program as ``__main__`` so it sees ``sys.argv``, ``sys.path[0]``,
``__main__`` and ``__file__`` as under ``python PROGRAM ARGS...``.  Forked
children keep their parent's session and re-open their own raw file;
other Python processes the program starts (multiprocessing spawn and
forkserver, subprocesses) start one from ``sitecustomize``
(:func:`start_subprocess_session`).  Raw events are written out on exit,
also on an exception, ``sys.exit``, ``os._exit``, SIGTERM/SIGHUP and Ctrl-C.
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

from .._speedups import choose as choose_hook
from .aio import AsyncioWatch
from .blocking import Blocking
from .channels import Channels
from .genhook import make_hook
from .patching import PostImport
from .procs import ProcessWatch
from .rawlog import DONE, EXIT, START, TEND, WARN, RawLog
from .taps import LineTap, install_sleep
from .threads import ThreadWatch

ENV_DIR = "SCHEDSIM_RAW_DIR"
ENV_SCALE = "SCHEDSIM_TIME_SCALE"
ENV_CHILD = "SCHEDSIM_CHILD"   # set for the root's descendants: they trace themselves

_now, _tid = time.perf_counter_ns, threading.get_native_id


def _cmdline() -> list[str]:
    try:
        with open("/proc/self/cmdline", "rb") as fh:
            return [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return list(sys.argv)


class Session:
    """Everything the tracer installs in one traced process."""

    def __init__(self, raw_dir: str, time_scale: float, program: str | None,
                 main: bool = True) -> None:
        self.time_scale = time_scale
        self.program = program
        self.main = main
        self.log = RawLog(raw_dir, self._header())
        self.hook = make_hook(self.log)
        self.threads = ThreadWatch(self.log, self.hook.enable_here)
        self.blocking = Blocking(self.log)
        self.channels = Channels(self.log, self.blocking)
        self.procs = ProcessWatch(self.log, self.blocking)
        self.aio = AsyncioWatch(self.log, time_scale)
        self.imports = PostImport()
        self.taps: list[LineTap] = []
        self.status: int | None = None
        self._finished = False

    def _header(self) -> dict:
        return {"pid": os.getpid(), "ppid": os.getppid(), "main": self.main,
                "program": self.program, "cmdline": _cmdline(), "tid": _tid(),
                "thread": threading.current_thread().name, "time_scale": self.time_scale,
                "hook": choose_hook()}  # what make_hook installs (a refusal is a warning)

    # -- setting up ------------------------------------------------------------
    def start(self) -> None:
        """Install taps, wrappers and hooks; the root records the program's t = 0."""
        self._check_other_tracers()
        install_sleep(self.log, self.time_scale)
        self._tap_streams()
        self._install_wrappers()
        self._guard_exits()
        atexit.register(self.finish)
        os.register_at_fork(after_in_child=self._after_fork)
        self.threads.sample(_tid())
        gc.freeze()  # the tracer's objects: the program's collections need not scan them
        if self.main:
            self.log.append((START, _now(), _tid()))
        self.hook.install()
        self.threads.install()
        os.environ[ENV_CHILD] = "1"

    def _tap_streams(self) -> None:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None:
                tap = LineTap(stream, name, self.log)
                self.taps.append(tap)
                setattr(sys, name, tap)

    def _install_wrappers(self) -> None:
        self.blocking.install_now()
        self.procs.install_now()
        for module, patch in (("queue", self.channels.patch_queue),
                              ("selectors", self.blocking.patch_selectors),
                              ("asyncio", self.aio.patch_package),
                              ("asyncio.events", self.aio.patch_events),
                              ("asyncio.base_events", self.aio.patch_base_events),
                              ("asyncio.queues", self.channels.patch_asyncio_queue),
                              ("multiprocessing.queues", self.channels.patch_mp_queues),
                              ("multiprocessing.connection", self.channels.patch_mp_connection),
                              ("multiprocessing.process", self.procs.patch_mp_process)):
            self.imports.add(module, patch)

    def _check_other_tracers(self) -> None:
        notes = []
        if sys.gettrace() is not None:
            notes.append(f"a trace function was already active ({sys.gettrace()!r}); "
                         "it stays, and slows the program")
        if sys.getprofile() is not None:
            notes.append(f"another profiler ({sys.getprofile()!r}) was active; schedsim "
                         "replaced it")
        if "coverage" in sys.modules or os.environ.get("COVERAGE_PROCESS_START"):
            notes.append("coverage is active in the traced program: timings are inflated")
        for note in notes:
            self.warn(note)

    def warn(self, text: str) -> None:
        """Record a warning for the trace header."""
        self.log.append((WARN, _now(), _tid(), text))

    # -- ending ------------------------------------------------------------------
    def done(self, status: int) -> None:
        """The program's own code has returned or raised.

        Its end is stamped before the tracer's own clean-up (a garbage
        collection, a counter sample), unless that collection closed a
        generator the program left suspended: then the program ran until the
        collection ended.  The collection runs only when the hook recorded a
        generator of the program's own: without one there is nothing for it to
        close, and it took 0.6 ms of the process baozi's interpreter shutdown
        (1.6 ms in the asyncio one), before the work ``atexit`` still does there
        (joining the queues' feeder threads).
        """
        for tap in self.taps:
            tap.drain()
        end = _now()
        if self.hook.codes.recorded_any and self._collect():
            end = _now()
        self.status = status
        self.threads.sample(_tid(), end)
        self.log.append((DONE, end, _tid(), status))
        if not _waits_at_shutdown():
            self.log.append((TEND, end, _tid()))  # the rest is interpreter teardown
        self.log.flush()

    def _collect(self) -> bool:
        """Collect garbage so finished generators close while still observed;
        True when that recorded anything."""
        drain = self.log.drain or (lambda: None)
        drain()
        before = len(self.log.events)
        gc.collect()
        drain()
        return len(self.log.events) != before

    def finish(self, status: int | None = None) -> None:
        """Record the exit and write everything out (idempotent)."""
        if self._finished:
            return
        self._finished = True
        if sys.getprofile() is not self.hook.profiler:
            self.warn("the program replaced schedsim's profile hook (another profiler?): "
                      "generator events after that point are missing")
        self.hook.uninstall()
        self.threads.uninstall()
        for tap in self.taps:
            tap.drain()
        if not self.main:
            self.threads.sample(_tid())
        final = self.status if status is None else status
        self.log.append((EXIT, _now(), _tid(), final))
        self.log.seal()

    def _after_fork(self) -> None:
        """In a forked child: this process's own file and state."""
        self.main = False
        self.status = None
        self._finished = False
        self.blocking.contexts.clear()
        for tap in self.taps:
            tap.forget()
        # the parent's header, not a fresh one: a just-forked child runs every new
        # step through copy-on-write faults (reading /proc/self/cmdline here took
        # 220 µs), and a fork changes neither the command line nor the settings
        self.log.reopen(dict(self.log.header, pid=os.getpid(), ppid=os.getppid(), main=False,
                             tid=_tid(), thread=threading.current_thread().name))
        self.threads.forked()
        self.threads.started_at_zero(_tid())

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


def _waits_at_shutdown() -> bool:
    """Whether the main thread still has work after the program's code: joining
    non-daemon threads or multiprocessing children at interpreter exit."""
    me = threading.current_thread()
    if any(t is not me and t.is_alive() and not t.daemon for t in threading.enumerate()):
        return True
    mp = sys.modules.get("multiprocessing")
    return mp is not None and bool(mp.active_children())


def start_subprocess_session() -> Session | None:
    """From ``sitecustomize``: trace this process if it descends from a traced root."""
    raw_dir = os.environ.get(ENV_DIR)
    if not raw_dir or not os.environ.get(ENV_CHILD) or not os.path.isdir(raw_dir):
        return None
    session = Session(raw_dir, float(os.environ.get(ENV_SCALE, "1")), None, main=False)
    session.start()
    return session


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
