"""``schedsim calibrate``: measure this machine and write a profile the model uses.

>>> result = calibrate(quick=True, progress=ProgressBar())   # doctest: +SKIP
>>> print(result.format_text())                              # doctest: +SKIP
>>> save(result, "my-machine.yaml")                          # doctest: +SKIP

Every figure is a median with its spread (p10/p90); the probes live in
:mod:`.inproc` and :mod:`.procs`, the plan and sample counts in
:mod:`.plan`.  :func:`to_profile` maps the figures onto the cost names
of :data:`schedsim.profile.COSTS`; :func:`save` writes that profile plus a
``measured`` section with every figure and its spread.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, fields
from typing import Callable, Sequence, TextIO

import yaml

from .. import yaml as _yaml
from ..errors import CalibrationError, ProfileError
from ..fsutil import atomic_write_text
from ..profile import COSTS, CURVES, Profile
from .cold import COSTS as COLD_COSTS
from .fit import PROBES, Fitted, fit
from .fresh import PROGRESS_TAG, SLICE_TAG, fresh_env
from .machine import machine_info  # noqa: F401 - re-exported by the package
from .plan import Figures
from .report import format_report
from .stats import Line, Stat

Progress = Callable[[str, int, int], None]


@dataclass
class CalibrationResult(Figures):
    """All figures measured (see :class:`~.plan.Figures`) and the machine they came from."""

    machine: dict = field(default_factory=dict)
    quick: bool = False
    name: str = "calibrated"   # the profile's name

    def costs(self) -> dict[str, int]:
        """The measured profile costs (ns), by :data:`schedsim.profile.COSTS` name, with
        the residuals fitted to the model (:mod:`.fit`)."""
        fitted = self.to_profile().costs
        return {name: fitted[name] for name in cost_map(self)}

    def fitted(self) -> list[Fitted]:
        """How each residual cost was fitted so that the model reproduces its probe."""
        return fit(_unfitted(self, self.name), measured_paths(self))[1]

    def to_profile(self, name: str | None = None) -> Profile:
        """This result as a :class:`~schedsim.profile.Profile` (unmeasured costs default)."""
        return to_profile(self, name=name)

    def format_text(self) -> str:
        """A plain-text table of every figure beside the shipped default."""
        return format_report(self)


def calibrate(*, quick: bool = False, progress: Progress | None = None,
              between: Sequence[Callable[[], object]] = ()) -> CalibrationResult:
    """Measure this machine.  ``quick`` takes ~12 s; the full run about a minute and a half.

    The probes run in a fresh interpreter (:mod:`.fresh`), whatever the caller
    has imported or allocated: forking a process costs ~50 µs per MiB it owns
    here, and a caller that had drawn diagrams (79 MiB) measured a 14.6 ms fork
    where a small program's takes 1.5 ms.  ``progress(name, done, total)`` is
    called before each probe and once at the end.  A probe the machine refuses
    (an OSError, a failed child) lands in ``skipped`` with the reason, and its
    profile costs keep their defaults.

    ``between``: actions (e.g. the real runs a model with these figures will be
    judged against) to run among the drifting probes (timers, wake-ups, code run
    cold: :attr:`~.plan.Step.drifts`): those take their samples in
    ``len(between) + 1`` slices, one before each action and one after the last,
    while the measuring interpreter waits idle during each action.  On a VM
    those figures move from one minute to the next; measured this way they come
    from the same seconds as the actions.  An action that raises stops the calibration
    (its exception propagates).

    Raises :class:`~schedsim.errors.CalibrationError` when the measuring
    interpreter fails.
    """
    slices = len(between) + 1
    with tempfile.TemporaryDirectory(prefix="schedsim-calibrate-") as tmp:
        out = os.path.join(tmp, "profile.yaml")
        cmd = [sys.executable, "-m", "schedsim.calibrate.fresh", *(["--quick"] if quick else []),
               *(["--slices", str(slices)] if slices > 1 else []), out]
        with open(os.path.join(tmp, "stderr"), "w+", encoding="utf-8") as errors:
            # (a file, not a pipe: a child that wrote much there could not block on it)
            stdin = subprocess.PIPE if slices > 1 else subprocess.DEVNULL
            proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=errors,
                                    text=True, env=fresh_env())
            try:
                _follow(proc, progress, list(between))
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            status = proc.wait()
            errors.seek(0)
            err = errors.read()
        if status != 0 or not os.path.exists(out):
            raise CalibrationError(f"the measuring interpreter ({' '.join(cmd[1:4])}) failed "
                                   f"with status {proc.returncode}: "
                                   f"{err.strip().splitlines()[-1] if err.strip() else 'no message'}")
        return from_profile(out)


def _follow(proc: subprocess.Popen, progress: Progress | None,
            between: list[Callable[[], object]]) -> None:
    """Read the measuring interpreter's announcements: report progress, and at each
    slice's end run the next action of ``between``, then let it go on."""
    for line in proc.stdout:
        if line.startswith(SLICE_TAG + "\t"):
            if between:
                between.pop(0)()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            continue
        done, total, name = _progress_line(line)
        if progress and name is not None:
            progress(name, done, total)
    if proc.stdin is not None:
        proc.stdin.close()


def _progress_line(line: str) -> tuple[int, int, str | None]:
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 4 or parts[0] != PROGRESS_TAG:
        return 0, 0, None
    return int(parts[1]), int(parts[2]), parts[3]


def result_from(figures: Figures, machine: dict, quick: bool) -> CalibrationResult:
    """The :class:`CalibrationResult` of ``figures`` measured on ``machine``, with its
    figures as a profile keeps them (whole ns), so that ``--refit`` gives the same costs."""
    result = CalibrationResult(machine=machine, quick=quick)
    for f in fields(Figures):
        setattr(result, f.name, getattr(figures, f.name))
    _load_figures(result, measured_section(result))
    return result


#: profile cost name -> how to read it from the figures (absent figure -> default)
_FROM_STATS = {
    "generator_switch": "generator_switch", "task_switch": "task_switch",
    "thread_switch": "thread_lock_1cpu", "process_switch": "process_pipe_1cpu",
    "spawn_coroutine": "generator_create", "spawn_task": "task_create",
    "spawn_thread": "thread_start", "thread_exit": "thread_exit_1cpu",
    "process_exit": "process_exit_1cpu", "spawn_process": "mp_spawn",
    "forkserver_process": "mp_forkserver", "queue_handoff": "thread_queue_1cpu",
    "gil_switch_interval": "gil_handoff_period", "emit": "print_line",
    "cow_per_mib": "cow_per_mib", "cow_thread_start": "cow_thread_start",
    "feeder_start": "feeder_start", "ipc_create": "ipc_create",
    "feeder_exit": "process_exit_queue_1cpu", "cow_first_send": "first_message_after_fork",
}
#: profile cost -> (its figure, the figure it is measured beyond); the cold kinds'
#: (:data:`.cold.COSTS`) are beyond what any wake-up pays
_BEYOND = {"tap_line": ("print_line_tapped", "print_line"),
           "trace_step": ("task_step_traced", "task_step_plain"),
           "cold_trace_step": ("cold_task_step_traced", "cold_task_step_unwrapped_traced")}
_FROM_LINES = {"fork": ("fork_vs_mib", "intercept"), "fork_per_mib": ("fork_vs_mib", "slope"),
               "ipc_per_message": ("ipc_vs_kib", "intercept"),
               "ipc_per_kib": ("ipc_vs_kib", "slope")}


def cost_map(fig: Figures) -> dict[str, int]:
    """Profile costs (ns, non-negative ints) derivable from ``fig``."""
    out = {c: fig.stats[k].median for c, k in _FROM_STATS.items() if k in fig.stats}
    out.update({c: getattr(fig.lines[k], attr) for c, (k, attr) in _FROM_LINES.items()
                if k in fig.lines})
    for cost, (figure, bare) in {**COLD_COSTS, **_BEYOND}.items():
        if figure in fig.stats and bare in fig.stats:
            out[cost] = fig.stats[figure].median - fig.stats[bare].median
    if "thread_lock_2cpu" in fig.stats and "thread_lock_1cpu" in fig.stats:
        out["cross_cpu_wakeup"] = fig.stats["thread_lock_2cpu"].minus(
            fig.stats["thread_lock_1cpu"]).median
    assert set(out) <= set(COSTS), f"unknown cost names {set(out) - set(COSTS)}"
    return {k: max(0, round(v)) for k, v in out.items()}


#: profile curve -> (the figures it is measured as, whether it starts from (0, 0): a CPU
#: that never idled costs nothing extra)
_FROM_CURVES = {"sleep_overshoot": ("overshoot", False), "idle_wakeup": ("idle_wakeup", True),
                "cold_start": ("cold_start", True),
                "asyncio_overshoot": ("asyncio_overshoot", False)}


def measured_paths(fig: Figures) -> dict[str, int]:
    """The one-way path times the residual costs are fitted to (see :mod:`.fit`): each
    probe's figure, the IPC one being the intercept of the message-size line."""
    out = {p.figure: round(fig.stats[p.figure].median) for p in PROBES
           if p.figure in fig.stats}
    if "ipc_vs_kib" in fig.lines:
        out["ipc_per_message"] = round(fig.lines["ipc_vs_kib"].intercept)
    return out


def to_profile(result: CalibrationResult, *, name: str | None = None) -> Profile:
    """A :class:`~schedsim.profile.Profile` (called ``name``, by default the result's)
    from ``result``: measured costs, the residual ones fitted so that the model
    reproduces their probes; unmeasured costs keep defaults."""
    return fit(_unfitted(result, name or result.name), measured_paths(result))[0]


def _unfitted(result: CalibrationResult, name: str) -> Profile:
    costs = {k: v for k, (v, _) in COSTS.items()}
    costs.update(cost_map(result))
    machine = dict(result.machine, source="schedsim calibrate" + (" --quick" if result.quick
                                                                  else ""))
    curves = {attr: _curve(getattr(result, _FROM_CURVES[key][0]), default,
                           _FROM_CURVES[key][1])
              for key, (attr, default, _) in CURVES.items()}
    return Profile(name, costs, machine=machine, **curves)


def _curve(points: list, default: tuple, from_zero: bool) -> tuple:
    """The medians of a measured curve (ns), or ``default`` when nothing was measured."""
    if not points:
        return default
    measured = tuple((d, max(0, round(s.median))) for d, s in points if not from_zero or d > 0)
    return ((0, 0),) + measured if from_zero else measured


def measured_section(result: CalibrationResult) -> dict:
    """Every figure with its spread, as plain data (the profile's ``measured`` key)."""
    return {
        "stats": {k: s.as_dict() for k, s in result.stats.items()},
        "fits": {k: line.as_dict() for k, line in result.lines.items()},
        **{key: [[d, s.as_dict()] for d, s in getattr(result, figures)]
           for key, (figures, _) in _FROM_CURVES.items()},
        "skipped": dict(result.skipped),
    }


def from_profile(path: str | os.PathLike) -> CalibrationResult:
    """The figures a profile written by ``schedsim calibrate`` keeps in its ``measured``
    section, as a result again (to derive its costs anew after a model change).

    Raises :class:`~schedsim.errors.ProfileError` for a file without that section.
    """
    file = os.fspath(path)
    doc = _yaml.load_file(file, ProfileError).data
    measured = doc.get("measured") if isinstance(doc, dict) else None
    if not isinstance(measured, dict) or "stats" not in measured:
        raise ProfileError("no 'measured' section: only a profile written by schedsim calibrate "
                           "keeps the figures its costs can be derived from again", file=file)
    machine = dict(doc.get("machine") or {})
    quick = "--quick" in str(machine.pop("source", ""))
    result = CalibrationResult(machine=machine, quick=quick,
                               name=str(doc.get("name") or "calibrated"))
    _load_figures(result, measured, lambda what, *where: ProfileError(
        f"expected {what}", file=file, line=_yaml.line_at(doc, ("measured", *where)),
        path=("measured", *where)))
    return result


_FIGURE = "a figure {median, p10, p90, n} of numbers"


def _internal(what: str, *where) -> Exception:
    return ValueError(f"measured section at {where}: expected {what}")


def _load_figures(result: CalibrationResult, measured: dict, bad=_internal) -> None:
    """Set ``result``'s figures from a ``measured`` section (:func:`measured_section`);
    ``bad(what, *where)`` makes the error for a part not as that function writes it."""
    def stat(d, *where) -> Stat:
        if not (isinstance(d, dict) and all(isinstance(d.get(k), (int, float))
                                            for k in ("median", "p10", "p90", "n"))):
            raise bad(_FIGURE, *where)
        return Stat(d["median"], d["p10"], d["p90"], d["n"])

    def pairs(items, *where) -> list:
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2
                                                  for p in items):
            raise bad("a list of [x, figure] pairs", *where)
        return [(x, stat(s, *where, i, 1)) for i, (x, s) in enumerate(items)]

    stats, fits = measured["stats"], measured.get("fits") or {}
    if not isinstance(stats, dict) or not isinstance(fits, dict):
        raise bad("a mapping of figures", "stats" if not isinstance(stats, dict) else "fits")
    result.stats = {k: stat(v, "stats", k) for k, v in stats.items()}
    result.lines = {}
    for k, v in fits.items():
        if not (isinstance(v, dict) and isinstance(v.get("intercept"), (int, float))
                and isinstance(v.get("slope"), (int, float))):
            raise bad("a fit {intercept, slope, points}", "fits", k)
        result.lines[k] = Line(v["intercept"], v["slope"],
                               tuple(pairs(v.get("points") or [], "fits", k, "points")))
    for key, (figures, _) in _FROM_CURVES.items():
        setattr(result, figures, pairs(measured.get(key) or [], key))
    result.skipped = dict(measured.get("skipped") or {})


def save(result: CalibrationResult, path: str | os.PathLike, *, name: str | None = None) -> None:
    """Write ``result`` as a profile YAML to ``path`` atomically (plus a ``measured`` section)."""
    text = to_profile(result, name=name).to_yaml()
    text += yaml.safe_dump({"measured": measured_section(result)}, sort_keys=False)
    atomic_write_text(path, text)


class ProgressBar:
    """A one-line text progress bar on stderr, usable as ``calibrate(progress=...)``.

    On a terminal it redraws in place with ``\\r``; elsewhere (a pipe, a log
    file) it writes one line per step.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 24,
                 title: str = "calibrate") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.title = title
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open = False  # a terminal line was drawn without its newline

    def __call__(self, name: str, done: int, total: int) -> None:
        """Draw the bar for ``done`` of ``total`` steps, now doing ``name``."""
        filled = self.width * done // max(total, 1)
        line = f"{self.title} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name}"
        if self.tty:
            self._open = done < total
            self.stream.write(f"\r{line:<{self.width + 60}}" + ("" if self._open else "\n"))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End an unfinished terminal line (after an interrupted run); else nothing."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
