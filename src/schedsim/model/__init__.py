"""The discrete-event model of OS scheduling (SimPy): processes, threads,
coroutines on N CPUs, switch costs, memory, IPC, locks, I/O and the GIL.

* :func:`simulate` runs a scenario and records a :class:`~schedsim.trace.Trace`;
* :func:`metrics` measures a trace (sim or real); :func:`format_metrics`
  prints the figures as a text table;
* :data:`COW_FIRST_USE` names the costs a process pays once after each fork.
"""

from .metrics import Metrics, format_metrics, metrics
from .sim import SimResult, simulate
from .sync import COW_FIRST_USE

__all__ = ["COW_FIRST_USE", "Metrics", "SimResult", "format_metrics", "metrics", "simulate"]
