"""Where a calibration was measured: the machine, its Python, its load."""

from __future__ import annotations

import datetime
import os
import platform

from .inproc import switch_interval_ns


def machine_info() -> dict:
    """What the figures were measured on: CPU model, CPUs, kernel, Python, date."""
    return {
        "cpu_model": _cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "switch_interval_ns": switch_interval_ns(),
        "loadavg": loadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def loadavg() -> str:
    """The 1/5/15-minute load averages: figures taken on a busy machine are inflated."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
