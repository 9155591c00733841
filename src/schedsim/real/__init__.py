"""Tracing real, unmodified Python programs into schedsim traces.

:func:`trace_program` runs a program in a child interpreter under a
profile hook and returns a :class:`RealRun` whose ``trace`` has the same
format as a simulation's (``source: "real"``).  See ``docs/tracing.md``.
"""

from .runner import RealRun, trace_program

__all__ = ["RealRun", "trace_program"]
