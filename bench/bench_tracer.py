"""Tracer overhead benchmark (issue 4, item 6): untraced vs schedsim vs viztracer.

Runs each switch-heavy program of ``bench/programs/`` untraced, under
``schedsim trace`` and under viztracer, several times, interleaved, and
prints medians:

* ``wall``   the whole process, start-up and trace writing included;
* ``body``   the program's own switch-heavy loop, which each program times
  itself and reports on stderr as ``bench-elapsed-ns: N`` (the hook's
  overhead, without interpreter start-up or trace post-processing);
* ``events`` events in the written trace; ``ns/ev`` = (body - untraced
  body) / events.

``schedsim`` uses the best generator hook built here (the C eval-frame
hook); then ``schedsim-profile`` and ``schedsim-py`` rows run the same tracer
with ``SCHEDSIM_HOOK=profile`` and ``python``.  Besides the full
``schedsim trace``, rows run the generator hook alone (``hook_driver.py``):
``hook-py`` (the pure-Python profile hook), ``hook-c`` and ``hook-c-packed``
(the C profile hook of ``schedsim._speedups``, appending one tuple per event
or packed 32-byte records), ``hook-eval`` and ``hook-eval-packed`` (the C
PEP 523 eval-frame hook, the same two forms); their events are raw hook
events (a resume or a yield), each of which becomes several trace events.
Two ``floor`` rows show what any eval-frame hook costs before it records
anything: ``floor-pass`` (an eval-frame function that only calls the
default) and ``floor-clock`` (the same, reading the clock before and after
each generator frame).

Targets (issue 4): body and wall at most 1.3x untraced, below viztracer,
at most 100 ns per event.

    .venv/bin/python bench/bench_tracer.py [--runs 5] [--only gen_sends] [--no-viztracer]

viztracer is installed into ``bench/.venv`` (created on first use, ignored
by git) so it never enters schedsim's own environment.  Extra schedsim
variants can be given as ``--variant NAME=ENV=VALUE`` (e.g. to force a hook
implementation through an environment variable the tracer reads).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = ("gen_sends", "thread_queue", "asyncio_queue", "mp_queue")
BENCH_VENV = HERE / ".venv"
BODY = re.compile(r"bench-elapsed-ns: (\d+)")
EVENTS = re.compile(r"bench-events: (\d+)")


@dataclass
class Variant:
    """One way to run a program: a command prefix, extra environment, an event counter."""

    name: str
    prefix: list[str]
    env: dict = field(default_factory=dict)
    kind: str = "none"  # none | schedsim | viztracer | hook


@dataclass
class Sample:
    """One run: wall and body time (ns), events written, the program's stdout."""

    wall: int
    body: int
    events: int
    stdout: str


def ensure_viztracer() -> tuple[Path | None, str]:
    """Path of bench/.venv's viztracer (installing it if missing), or None and why."""
    exe = BENCH_VENV / "bin" / "viztracer"
    if exe.exists():
        return exe, ""
    print(f"setting up {BENCH_VENV} with viztracer ...", file=sys.stderr)
    steps = ([sys.executable, "-m", "venv", str(BENCH_VENV)],
             [str(BENCH_VENV / "bin" / "pip"), "install", "-q", "viztracer"])
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            return None, f"could not install viztracer: {done.stderr.strip()[-300:]}"
    return exe, ""


def schedsim_status() -> str:
    """'' when ``schedsim trace`` is usable from this interpreter, else why not."""
    probe = subprocess.run([sys.executable, "-c", "from schedsim.real import trace_program"],
                           capture_output=True, text=True)
    return "" if probe.returncode == 0 else (
        "schedsim tracer not available yet: " + (probe.stderr.strip().splitlines() or ["?"])[-1])


def variants(args) -> tuple[list[Variant], list[str]]:
    """The variants to run and notes about the ones left out."""
    out, notes = [Variant("untraced", [sys.executable])], []
    why = schedsim_status()
    if why:
        notes.append(why)
    else:
        tracer = [sys.executable, "-m", "schedsim", "trace", "-o", "{out}"]
        out.append(Variant("schedsim", tracer, kind="schedsim"))
        hooks = hook_variants()
        if any(v.name == "hook-c" for v in hooks):  # "schedsim" uses a C hook: show the others
            out += [Variant("schedsim-profile", tracer, {"SCHEDSIM_HOOK": "profile"},
                            kind="schedsim"),
                    Variant("schedsim-py", tracer, {"SCHEDSIM_HOOK": "python"}, kind="schedsim")]
        for spec in args.variant:
            name, _, assignment = spec.partition("=")
            key, _, value = assignment.partition("=")
            out.append(Variant(name, tracer, {key: value}, kind="schedsim"))
        out += hooks
    if not args.no_viztracer:
        exe, why = ensure_viztracer()
        if exe is None:
            notes.append(why)
        else:
            out.append(Variant("viztracer", [str(exe), "--quiet", "-o", "{out}"],
                               kind="viztracer"))
    return out, notes


#: hook_driver.py modes shown when the C extension is built, by row name
C_HOOKS = {"hook-c": "c", "hook-c-packed": "c-packed", "hook-eval": "eval",
           "hook-eval-packed": "eval-packed", "floor-pass": "floor-pass",
           "floor-clock": "floor-clock"}


def hook_variants() -> list[Variant]:
    """The generator hook alone (hook_driver.py): pure Python, and the C ones and the
    eval-frame floors when the extension is built."""
    driver = [sys.executable, str(HERE / "hook_driver.py")]
    out = [Variant("hook-py", driver + ["python"], kind="hook")]
    built = subprocess.run([sys.executable, "-c", "import schedsim._speedups._genhook"],
                           capture_output=True).returncode == 0
    if built:
        out += [Variant(name, driver + [mode], kind="hook") for name, mode in C_HOOKS.items()]
    return out


def count_events(kind: str, path: Path, stderr: str) -> int:
    """Events in a written trace: JSON Lines minus the header, or viztracer's traceEvents
    (or the raw events the hook driver reports)."""
    if kind == "hook":
        return int(EVENTS.search(stderr).group(1))
    if kind == "schedsim":
        with open(path, "rb") as fh:
            return sum(1 for _ in fh) - 1
    if kind == "viztracer":
        with open(path, encoding="utf-8") as fh:
            return sum(1 for e in json.load(fh)["traceEvents"] if e.get("ph") != "M")
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children in other sessions or groups included)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier]
        found += kids
        frontier = kids
    return found


def run_once(v: Variant, program: Path, tmp: Path, timeout: float) -> Sample | str:
    """Run ``program`` once under ``v``: a Sample, or why there is none (failed, timed out)."""
    out = tmp / f"{program.stem}.{v.name}.{'json' if v.kind == 'viztracer' else 'jsonl'}"
    cmd = [a.replace("{out}", str(out)) for a in v.prefix] + [str(program)]
    t0 = time.perf_counter_ns()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp, env=dict(os.environ, **v.env), start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for pid in [proc.pid, *descendants(proc.pid)]:  # the tracer and all it started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.communicate()
        return f"timed out after {timeout:g} s"
    wall = time.perf_counter_ns() - t0
    body = BODY.search(stderr)
    if proc.returncode != 0 or body is None:
        return f"failed (status {proc.returncode}): {stderr.strip()[-200:]}"
    events = count_events(v.kind, out, stderr)
    out.unlink(missing_ok=True)
    return Sample(wall, int(body.group(1)), events, stdout)


def measure(vs: list[Variant], program: Path, runs: int, tmp: Path,
            timeout: float) -> tuple[dict[str, list[Sample]], dict[str, str]]:
    """``runs`` rounds; in each, every variant runs once (interleaved against drift).

    A variant that fails or times out is dropped from later rounds; the
    second dict says why.
    """
    samples: dict[str, list[Sample]] = {v.name: [] for v in vs}
    broken: dict[str, str] = {}
    for _ in range(runs):
        for v in vs:
            if v.name not in broken:
                got = run_once(v, program, tmp, timeout)
                if isinstance(got, str):
                    broken[v.name] = got
                else:
                    samples[v.name].append(got)
    return {k: ss for k, ss in samples.items() if ss and k not in broken}, broken


def table(program: str, samples: dict[str, list[Sample]], broken: dict[str, str]) -> list[str]:
    """Rows of the report for one program."""
    if "untraced" not in samples:
        return [f"{program:<14} untraced run {broken.get('untraced', 'missing')}"]
    med = {k: (statistics.median(s.wall for s in ss), statistics.median(s.body for s in ss),
               statistics.median(s.events for s in ss)) for k, ss in samples.items()}
    base_wall, base_body, _ = med["untraced"]
    expected = samples["untraced"][0].stdout
    rows = []
    for name, (wall, body, events) in med.items():
        per_ev = f"{(body - base_body) / events:8.0f}" if events else f"{'-':>8}"
        same = "" if all(s.stdout == expected for s in samples[name]) else "  OUTPUT DIFFERS"
        rows.append(f"{program:<14} {name:<17} {wall / 1e6:9.1f} {wall / base_wall:6.2f}x "
                    f"{body / 1e6:9.1f} {body / base_body:7.2f}x {events:>9.0f} {per_ev}{same}")
    rows += [f"{program:<14} {name:<17} {why}" for name, why in broken.items()]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="rounds per program (median taken)")
    ap.add_argument("--only", action="append", choices=PROGRAMS, help="run only this program")
    ap.add_argument("--no-viztracer", action="store_true", help="skip the viztracer column")
    ap.add_argument("--timeout", type=float, default=120, help="seconds allowed for one run")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=ENV=VALUE",
                    help="another schedsim run with an environment variable set")
    args = ap.parse_args(argv)
    vs, notes = variants(args)
    for note in notes:
        print(f"note: {note}")
    print(f"{'program':<14} {'variant':<17} {'wall ms':>9} {'ratio':>7} {'body ms':>9} "
          f"{'ratio':>8} {'events':>9} {'ns/ev':>8}")
    with tempfile.TemporaryDirectory(prefix="schedsim-bench-") as tmp:
        for name in args.only or PROGRAMS:
            samples, broken = measure(vs, HERE / "programs" / f"{name}.py", args.runs,
                                      Path(tmp), args.timeout)
            print("\n".join(table(name, samples, broken)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
