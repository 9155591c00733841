"""Tracing real, unmodified Python programs into schedsim traces.

:func:`trace_program` runs a program in a child interpreter under a
profile hook and returns a :class:`RealRun` whose ``trace`` has the same
format as a simulation's (``source: "real"``).  See ``docs/tracing.md``.

The names are imported on first use, so a traced process (which imports
only :mod:`.child` and what it needs) does not pay for the tracer's
parent side at start-up.
"""

from __future__ import annotations

__all__ = ["RealRun", "trace_program"]


def __getattr__(name: str):
    if name in __all__:
        from . import runner
        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
