"""``schedsim calibrate``: measure this machine's costs into a profile the model uses.

The probes time real switches, starts, messages and sleeps on this machine
(:mod:`.inproc`, :mod:`.procs`, :mod:`.idle`, run in the order and with the
sample counts of :mod:`.plan`); :mod:`.core` turns the figures into a
:class:`schedsim.profile.Profile`, fitting the costs that share a path so
that the model reproduces each probe (:mod:`.fit`, which simulates small
scenarios: this layer sits above the model and the scenario loader).

The names are imported on first use: the start-method probes run
``python -m schedsim.calibrate.procs``, and every child that ``spawn`` or
``forkserver`` starts imports that module again, so importing this package
must not import the model (it made a forkserver start 10x slower).
"""

from __future__ import annotations

__all__ = ["calibrate", "CalibrationResult", "Stat", "Line", "ProgressBar", "to_profile", "save",
           "cost_map", "machine_info", "measured_section", "measured_paths", "from_profile"]


def __getattr__(name: str):
    if name in __all__:
        from . import core
        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
