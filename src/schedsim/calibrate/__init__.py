"""``schedsim calibrate``: measure this machine's costs into a profile the model uses.

The probes time real switches, starts, messages and sleeps on this machine
(:mod:`.inproc`, :mod:`.procs`, :mod:`.idle`, run in the order and with the
sample counts of :mod:`.plan`); :mod:`.core` turns the figures into a
:class:`schedsim.profile.Profile`, fitting the costs that share a path so
that the model reproduces each probe (:mod:`.fit`, which simulates small
scenarios: this layer sits above the model and the scenario loader).
"""

from .core import (CalibrationResult, Line, ProgressBar, Stat, calibrate, cost_map,
                   from_profile, machine_info, measured_paths, measured_section, save,
                   to_profile)

__all__ = ["calibrate", "CalibrationResult", "Stat", "Line", "ProgressBar", "to_profile", "save",
           "cost_map", "machine_info", "measured_section", "measured_paths", "from_profile"]
