"""The Python API: everything the command line does, callable from a notebook.

>>> import schedsim.api as ss
>>> scenario = ss.load_scenario("scenarios/baozi-coroutines.yaml")
>>> sim = ss.simulate(scenario)                      # a schedsim.trace.Trace
>>> run = ss.trace_program("examples/baozi/coroutines.py", time_scale=0.01)
>>> result = ss.compare(sim, run.trace)
>>> print(result.format_text())
>>> ss.render(sim, "baozi.png", against=run.trace)

Each function takes paths or already-loaded objects where that makes sense,
raises :class:`schedsim.errors.SchedsimError` subclasses on bad input, and
writes files atomically.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .errors import SchedsimError
from .trace import Trace
from .trace import load as load_trace
from .trace import save as save_trace

__all__ = ["load_scenario", "check_scenario", "simulate", "trace_program", "load_trace",
           "save_trace", "compare", "render", "export_perfetto", "verify", "VerifyResult"]


def load_scenario(path: str | os.PathLike):
    """Load and validate a scenario file; raises :class:`~schedsim.errors.ScenarioError`."""
    from .scenario import load
    return load(path)


def check_scenario(path: str | os.PathLike):
    """Validate a scenario file without running it (same as :func:`load_scenario`)."""
    return load_scenario(path)


def _scenario(scenario_or_path):
    if isinstance(scenario_or_path, (str, os.PathLike)):
        return load_scenario(scenario_or_path)
    return scenario_or_path


def simulate(scenario, *, seed: int | None = None, out: str | os.PathLike | None = None,
             sleep_scale: float = 1.0, profile=None, as_traced: bool = False) -> Trace | None:
    """Simulate a scenario (object or path) and return its trace.

    With ``out`` the trace is streamed to that file and ``None`` is returned
    (use this for runs too large to hold in memory).  ``sleep_scale`` models
    sleep overshoot as in a real run traced with that ``--time-scale``;
    ``profile`` (name or path) replaces the machine profile the scenario names;
    ``as_traced`` charges what the tracer adds to a real run (its line tap, its
    asyncio step wrapper: :data:`schedsim.profile.TRACER_COSTS`), for a comparison
    with traced runs.
    """
    from .model import simulate as _simulate
    result = _simulate(_scenario(scenario), seed=seed, out=out, sleep_scale=sleep_scale,
                       profile=profile, as_traced=as_traced)
    return result.trace


def trace_program(program: str | os.PathLike, args: Sequence[str] = (), *,
                  time_scale: float = 1.0, timeout: float | None = None,
                  out: str | os.PathLike | None = None, **options: Any):
    """Run an unmodified Python program under the tracer.

    Returns a run object with ``.trace``, ``.status`` (the program's exit
    status) and ``.timed_out``; see :func:`schedsim.real.trace_program` for
    the further ``options``.
    """
    from .real import trace_program as _trace
    return _trace(program, list(args), time_scale=time_scale, timeout=timeout, out=out,
                  **options)


def _trace(trace_or_path) -> Trace:
    return load_trace(trace_or_path) if isinstance(trace_or_path, (str, os.PathLike)) else trace_or_path


def compare(expected, actual, *more_actual, tolerances=None, **options: Any):
    """Compare a trace with one or more others (objects or paths).

    One ``actual`` gives a :class:`schedsim.compare.Comparison`; several give
    a :class:`schedsim.compare.ManyComparison` that also judges the model
    against the real-vs-real spread.  Both have ``.ok`` and ``format_text()``.
    """
    from .compare import compare as _compare
    from .compare import compare_many
    if more_actual:
        actuals = [_trace(a) for a in (actual, *more_actual)]
        return compare_many(_trace(expected), actuals, tolerances=tolerances, **options)
    return _compare(_trace(expected), _trace(actual), tolerances=tolerances, **options)


DIAGRAMS = ("gantt", "cpus", "hb", "topology", "switches")


def render(trace, out: str | os.PathLike, *, against=None, kind: str = "gantt",
           **options: Any) -> Path:
    """Draw ``trace`` to SVG/PNG/PDF; returns the path written.

    ``kind`` picks the diagram: ``gantt`` (a lane per unit; ``against`` draws
    another trace below on the same time axis), ``cpus`` (the Gantt plus a
    lane per CPU), ``hb`` (the happens-before graph of the printed lines),
    ``topology`` (processes, threads, coroutines, address spaces, channels)
    or ``switches`` (who switched to whom, how often, at what cost).  Other
    ``options`` (``title``, ``theme``, ``aspect``, ``window``, ``dot``...) go
    to the renderer; see :mod:`schedsim.render`.
    """
    from . import render as r
    tr = _trace(trace)
    if kind not in DIAGRAMS:
        raise SchedsimError(f"unknown diagram kind {kind!r}; expected one of {list(DIAGRAMS)}")
    if kind in ("gantt", "cpus"):
        if options.pop("dot", False):
            raise SchedsimError("--dot applies to the graphs (hb, topology, switches), "
                                "not to a Gantt timeline")
        other = _trace(against) if against is not None else None
        return r.render_gantt(tr, out, against=other, cpus=kind == "cpus", **options)
    if against is not None:
        raise SchedsimError(f"--against only applies to Gantt diagrams, not {kind!r}")
    if kind == "hb":
        from .compare import happens_before
        return r.render_hb(tr, happens_before(tr), out, **options)
    return (r.render_topology if kind == "topology" else r.render_switches)(tr, out, **options)


def export_perfetto(trace, out: str | os.PathLike) -> Path:
    """Write ``trace`` as Chrome Trace Event JSON that ui.perfetto.dev opens."""
    from .trace import perfetto
    perfetto.save(_trace(trace), out)
    return Path(out)


@dataclass
class VerifyResult:
    """What :func:`verify` produced: the comparison, the files written, and
    the real program's exit status (of the first run)."""

    comparison: Any
    files: dict[str, Path] = field(default_factory=dict)
    status: int = 0

    @property
    def ok(self) -> bool:
        """True when the model and the real run(s) agree within tolerances."""
        return bool(self.comparison.ok)


def verify(scenario, out_dir: str | os.PathLike | None = None, *, tolerances=None,
           seed: int | None = None, repeat: int = 1, report: bool = False, profile=None,
           calibrate: bool = False, log: Callable[[str], None] = lambda _msg: None,
           **compare_options: Any) -> VerifyResult:
    """Simulate a scenario, trace its real program, compare, and draw both.

    Writes ``sim.jsonl``, ``real.jsonl``, ``sim.perfetto.json``,
    ``real.perfetto.json`` and ``sim-vs-real.{png,svg}`` to ``out_dir``
    (default ``out/<scenario name>``).  ``repeat=N`` runs the real program N
    times (``real-2.jsonl``...) and judges the model against the
    real-vs-real spread; ``report=True`` adds ``report.md`` and
    ``comparison.json``; ``profile`` replaces the scenario's machine profile
    (e.g. one written by ``schedsim calibrate`` on this machine); ``calibrate=True``
    measures one (``schedsim calibrate --quick``, ~12 s, written to
    ``profile.yaml``) around the real runs, so the model is judged with the
    machine's costs of those minutes: its drifting figures (timers, wake-ups,
    code run cold) take their samples in slices before, between and after the
    runs (``between`` of :func:`schedsim.calibrate.calibrate`).  On a VM they
    drift by 30 % over an hour and by tens of µs from one minute to the next;
    the real runs, spread over the calibration's ~12 s, also show that drift in
    their real-vs-real noise floor.  ``log`` receives one line per step.
    """
    scenario = _scenario(scenario)
    if scenario.real is None:
        raise SchedsimError(f"{scenario.file}: the scenario has no 'real' section naming the "
                            f"program it models, so there is nothing to verify against")
    if repeat < 1:
        raise SchedsimError(f"--repeat must be at least 1, got {repeat}")
    if calibrate and profile is not None:
        raise SchedsimError("give a profile or ask to calibrate, not both")
    out = Path(out_dir) if out_dir is not None else Path("out") / scenario.name
    files = {name: out / name for name in ("sim.jsonl", "real.jsonl", "sim.perfetto.json",
                                           "real.perfetto.json", "sim-vs-real.png",
                                           "sim-vs-real.svg")}
    runs: list = []
    real_runs = [functools.partial(_run_real, scenario.real, out, i, files, log, runs)
                 for i in range(repeat)]
    if calibrate:
        profile = files["profile.yaml"] = _calibrate_now(out, log, real_runs)
    log(f"simulate  {scenario.file}")
    sim = simulate(scenario, seed=seed, sleep_scale=scenario.real.time_scale, profile=profile,
                   as_traced=True)
    save_trace(sim, files["sim.jsonl"])
    for run in real_runs[len(runs):]:        # those not run during the calibration
        run()
    log(f"compare   sim.jsonl vs {len(runs)} real run(s)")
    comparison = compare(sim, *(r.trace for r in runs), tolerances=tolerances, **compare_options)
    first = comparison.runs[0] if repeat > 1 else comparison
    _draw_verify(scenario, sim, runs[0].trace, first, files, log)
    if report:
        from .compare import write_report
        files["report.md"] = write_report(comparison, out, diagrams={
            "model vs real run": files["sim-vs-real.png"]})
        files["comparison.json"] = out / "comparison.json"
    return VerifyResult(comparison, files, runs[0].status)


def _calibrate_now(out: Path, log: Callable[[str], None], between: list) -> Path:
    from . import calibrate as cal
    log("calibrate this machine (quick, around the real runs) -> profile.yaml")
    path = out / "profile.yaml"
    cal.save(cal.calibrate(quick=True, between=between), path, name="calibrated-for-verify")
    return path


def _run_real(real, out: Path, i: int, files: dict, log: Callable[[str], None],
              runs: list) -> None:
    """Trace the real program's run ``i`` into ``files`` and append it to ``runs``."""
    name = "real.jsonl" if i == 0 else f"real-{i + 1}.jsonl"
    files[name] = out / name
    log(f"trace     {real.program} (time scale {real.time_scale:g}) -> {name}")
    runs.append(trace_program(real.program, real.args, time_scale=real.time_scale,
                              timeout=real.timeout, out=files[name]))


def _draw_verify(scenario, sim: Trace, real: Trace, comparison, files: dict,
                 log: Callable[[str], None]) -> None:
    log(f"render    {files['sim-vs-real.png'].name}, {files['sim-vs-real.svg'].name}")
    matches = [(m.expected.index, m.actual.index) for m in comparison.matches]
    divergent = {e.label for e in (*comparison.missing, *comparison.extra)}
    for name in ("sim-vs-real.png", "sim-vs-real.svg"):
        render(sim, files[name], against=real, title=f"{scenario.name}: model vs real run",
               matches=matches, divergent=divergent)
    export_perfetto(sim, files["sim.perfetto.json"])
    export_perfetto(real, files["real.perfetto.json"])
