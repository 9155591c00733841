"""``python -m schedsim.calibrate.fresh [--quick] [--slices K] OUT``: measure here.

:func:`schedsim.calibrate.calibrate` runs the probes here rather than in its
caller, so that what they fork, start and wake is a small program whatever
the caller holds.  The probes run before the model is imported (the plan
alone is ~20 MiB of interpreter, the model and fit ~8 more); the result is
written to ``OUT`` as a profile with its ``measured`` figures.  Each step is
announced on stdout as ``PROGRESS<TAB>done<TAB>total<TAB>name``.

With ``--slices K`` the drifting steps run in K slices (see
:func:`~.plan.measure`); after each but the last this prints
``SLICE<TAB>k`` and waits, idle, for a line on stdin: the caller runs
what the figures are for meanwhile.
"""

from __future__ import annotations

import os
import sys

PROGRESS_TAG = "PROGRESS"
SLICE_TAG = "SLICE"


def fresh_env() -> dict:
    """The environment of a measuring interpreter: this one's, with this copy of
    schedsim first on ``PYTHONPATH`` (as it is for the caller), and how a program
    this process starts now would buffer its stdout (:mod:`.sinks`: the measuring
    interpreter's own stdout is a pipe to here)."""
    from .sinks import ENV_STDOUT, program_stdout
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, ENV_STDOUT: program_stdout()}


def _announce(name: str, done: int, total: int) -> None:
    print(f"{PROGRESS_TAG}\t{done}\t{total}\t{name}", flush=True)


def _wait_for_caller(k: int) -> None:
    print(f"{SLICE_TAG}\t{k}", flush=True)
    sys.stdin.readline()          # (at EOF, the caller is gone: finish anyway)


def main(argv: list[str]) -> int:
    """Measure (quick with ``--quick``, the drifting steps in ``--slices K``) and
    write the profile to the last argument."""
    from .machine import loadavg, machine_info
    from .plan import FULL, QUICK, measure
    from .sinks import probe_stdout
    quick, out = "--quick" in argv, argv[-1]
    slices = int(argv[argv.index("--slices") + 1]) if "--slices" in argv else 1
    machine = machine_info()
    machine["loadavg_before"] = machine.pop("loadavg")
    machine["program_stdout"] = probe_stdout()     # the buffering the print probes used
    figures = measure(QUICK if quick else FULL, _announce, slices=slices,
                      pause=_wait_for_caller)
    machine["loadavg_after"] = loadavg()
    from .core import result_from, save          # the model, only now
    save(result_from(figures, machine, quick), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
