"""Processes: who forked or started whom, and how each child ended.

``os.fork`` is wrapped to record ``FORKED`` in the parent (the child
re-opens its own raw file through ``os.register_at_fork``, see
:mod:`.child`); ``multiprocessing``'s ``Process.start`` records the
child's pid and name (``PCHILD``); ``os.waitpid`` records each exit status
it collects (``REAPED``) and its waits as ``join``; ``Process.join`` is a
join on that process.
"""

from __future__ import annotations

import os
import threading
import time

from .blocking import READ_MIN_NS, Blocking
from .patching import wrap_attr
from .rawlog import FORKED, PCHILD, REAPED, RawLog

_now, _tid = time.perf_counter_ns, threading.get_native_id


class ProcessWatch:
    """Wrappers around process creation and reaping."""

    def __init__(self, log: RawLog, blocking: Blocking) -> None:
        self.log = log
        self.blocking = blocking

    def install_now(self) -> None:
        """Wrap ``os.fork`` and ``os.waitpid``."""
        append = self.log.append

        def make_fork(original):
            def fork():
                pid = original()
                if pid > 0:
                    append((FORKED, _now(), _tid(), pid))
                return pid
            return fork

        def make_waitpid(original):
            waiting = self.blocking.primitive("join", "os.waitpid", READ_MIN_NS,
                                              peer_of=lambda pid: ("p", pid))(original)

            def waitpid(pid, options):
                got, status = waiting(pid, options)
                if got > 0 and (os.WIFEXITED(status) or os.WIFSIGNALED(status)):
                    append((REAPED, _now(), _tid(), got, os.waitstatus_to_exitcode(status)))
                return got, status
            return waitpid

        def make_exec(original):
            def execute(*args):
                self.log.flush()  # the new program image starts a raw file of its own
                return original(*args)
            return execute

        wrap_attr(os, "fork", make_fork)
        wrap_attr(os, "waitpid", make_waitpid)
        for name in ("execv", "execve"):  # the other os.exec* functions call these
            wrap_attr(os, name, make_exec)

    def patch_mp_process(self, module) -> None:
        """``BaseProcess.start`` (child pid and name) and ``join`` (a join on it)."""
        append = self.log.append

        def make_start(original):
            def start(process):
                result = original(process)
                append((PCHILD, _now(), _tid(), process.pid, process.name))
                return result
            return start

        wrap_attr(module.BaseProcess, "start", make_start)
        wrap_attr(module.BaseProcess, "join", self.blocking.context(
            "join", "multiprocessing.Process.join", peer_of=lambda p: ("p", p.pid)))
