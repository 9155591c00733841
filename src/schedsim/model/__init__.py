"""The discrete-event model of OS scheduling (SimPy): processes, threads,
coroutines on N CPUs, switch costs, memory, IPC, locks, I/O and the GIL.

* :func:`simulate` runs a scenario and records a :class:`~schedsim.trace.Trace`;
* :func:`metrics` measures a trace (sim or real); :func:`format_metrics`
  prints the figures as a text table;
* :data:`COW_FIRST_USE` names the costs a process pays once after each fork,
  :data:`COLD_KINDS` those of code it has not run for a while.
"""

from .metrics import Metrics, format_metrics, metrics
from .sim import SimResult, simulate
from .cold import COLD_KINDS
from .sync import COW_FIRST_USE

__all__ = ["COLD_KINDS", "COW_FIRST_USE", "Metrics", "SimResult", "format_metrics", "metrics",
           "simulate"]
