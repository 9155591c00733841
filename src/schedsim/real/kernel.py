"""The kernel's view: ``sched_switch``/``sched_wakeup`` from ``perf`` (root only).

``perf record -a -k CLOCK_MONOTONIC -e sched:sched_switch -e
sched:sched_wakeup`` runs beside the traced program; its timestamps are on
the clock the tracer uses (``time.perf_counter_ns``), so the events merge
directly.  :func:`unavailable` says why the kernel view cannot be had
here (not root, no perf, perf refuses), and the trace header records it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time

#: raw codes of the kernel events (beside :mod:`.rawlog`'s)
KOUT, KIN, KWAKE = 201, 202, 203

_LINE = re.compile(r"\[(\d+)\]\s+(\d+)\.(\d+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$")
_FIELD = re.compile(r"(\w+)=(\S+)")


def unavailable() -> str | None:
    """Why ``perf sched`` events cannot be recorded here, or None when they can."""
    if os.geteuid() != 0:
        return "the kernel view needs root (perf records every CPU's scheduler events)"
    if shutil.which("perf") is None:
        return "perf is not installed (Debian: apt-get install linux-perf)"
    return None


class PerfRecorder:
    """One ``perf record`` of scheduler events, started before and stopped after a run."""

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, "perf.data")
        self.proc: subprocess.Popen | None = None
        self.error: str | None = None

    def start(self, settle: float = 0.3) -> bool:
        """Start recording; False (with :attr:`error`) when perf will not run."""
        cmd = ["perf", "record", "-q", "-a", "-k", "CLOCK_MONOTONIC", "-e",
               "sched:sched_switch", "-e", "sched:sched_wakeup", "-o", self.path]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 5
        while not os.path.exists(self.path) and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        time.sleep(settle)  # perf opens its per-CPU buffers after creating the file
        if self.proc.poll() is not None:
            self.error = "perf record failed: " + self.proc.stderr.read().decode()[-300:].strip()
            return False
        return True

    def stop(self) -> None:
        """Stop recording and let perf write its file."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def events(self, tids: set[int]) -> list[tuple]:
        """Raw kernel events of threads ``tids``: ``(code, t, tid, cpu, extra)``."""
        if not os.path.exists(self.path):
            return []
        done = subprocess.run(["perf", "script", "-i", self.path, "-F",
                               "cpu,time,event,trace", "--ns"], capture_output=True, text=True)
        return parse(done.stdout, tids)


def parse(text: str, tids: set[int]) -> list[tuple]:
    """Kernel events of ``tids`` from ``perf script -F cpu,time,event,trace --ns`` output.

    ``(KOUT, t, tid, cpu, "preempt" | "block")`` when a thread leaves a CPU,
    ``(KIN, t, tid, cpu, None)`` when it gets one, ``(KWAKE, t, tid, cpu, None)``
    when it is woken (``cpu`` is the target CPU).
    """
    out = []
    for line in text.splitlines():
        m = _LINE.search(line)
        if m is None:
            continue
        cpu, t = int(m.group(1)), int(m.group(2)) * 1_000_000_000 + int(m.group(3).ljust(9, "0"))
        fields = dict(_FIELD.findall(m.group(5)))
        if m.group(4) == "sched_switch":
            prev, nxt = int(fields.get("prev_pid", -1)), int(fields.get("next_pid", -1))
            if prev in tids:
                state = fields.get("prev_state", "")
                out.append((KOUT, t, prev, cpu, "preempt" if state.startswith("R") else "block"))
            if nxt in tids:
                out.append((KIN, t, nxt, cpu, None))
        else:
            tid = int(fields.get("pid", -1))
            if tid in tids:
                out.append((KWAKE, t, tid, int(fields.get("target_cpu", cpu)), None))
    return out
