"""The ``schedsim`` command: one function per sub-command, each returning an
exit status; :func:`main` is the one place that turns errors into statuses.

Exit statuses: 0 success (or PASS), 1 a verdict of FAIL (compare, verify),
2 bad input (a located message on stderr), 130 interrupted; ``trace`` exits
with the traced program's own status.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import SchedsimError

EXAMPLES = """\
examples:
  schedsim verify scenarios/baozi-coroutines.yaml --out out/baozi
  schedsim run scenarios/baozi-coroutines.yaml -o sim.jsonl
  schedsim trace --time-scale 0.01 -o real.jsonl examples/baozi/coroutines.py
  schedsim compare sim.jsonl real.jsonl
  schedsim render real.jsonl -o real.png --against sim.jsonl
"""


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False))


# -- commands -----------------------------------------------------------------

def cmd_check(args) -> int:
    """Validate scenario files without running them."""
    from .api import check_scenario
    for path in args.scenarios:
        scenario = check_scenario(path)
        print(f"{path}: ok ({scenario.name})")
    return 0


def cmd_run(args) -> int:
    """Simulate a scenario, print its metrics, and write its trace with -o.

    With -o the trace is streamed to the file as it is made (runs of millions
    of events never sit in memory); the metrics are then read back from it
    unless --no-metrics is given.
    """
    from .api import load_scenario
    from .model import format_metrics, metrics, simulate
    from .trace import load
    scenario = load_scenario(args.scenario)
    result = simulate(scenario, seed=args.seed, out=args.output, profile=args.profile,
                      as_traced=args.as_traced)
    if args.output:
        print(f"schedsim: {result.events} events written to {args.output}", file=sys.stderr)
    if args.no_metrics:
        return 0
    figures = metrics(result.trace if result.trace is not None else load(args.output))
    if args.json:
        _print_json(figures.to_json())
    else:
        print(format_metrics(figures))
    return 0


def cmd_trace(args) -> int:
    """Run a Python program under the tracer; exit with its status."""
    from .api import trace_program
    if args.program is None:
        raise SchedsimError("trace: give the Python program to run, e.g. "
                            "'schedsim trace -o real.jsonl prog.py'")
    out = args.output or Path(args.program).with_suffix(".trace.jsonl").name
    run = trace_program(args.program, args.args, time_scale=args.time_scale,
                        timeout=args.timeout, out=out, kernel=args.kernel,
                        counters_interval=args.counters_interval)
    for warning in run.warnings:
        print(f"schedsim: warning: {warning}", file=sys.stderr)
    kernel = run.trace.header.meta.get("kernel", {})
    if args.kernel and kernel.get("skipped"):
        print(f"schedsim: kernel events skipped: {kernel['skipped']}", file=sys.stderr)
    if args.kernel and kernel.get("note"):
        print(f"schedsim: warning: {kernel['note']}", file=sys.stderr)
    note = "timed out and was stopped" if run.timed_out else f"exited with status {run.status}"
    print(f"schedsim: {args.program} {note}; {len(run.trace)} events written to {out}",
          file=sys.stderr)
    return 124 if run.timed_out else _status_byte(run.status)


def _status_byte(status: int) -> int:
    """A program's status as a shell would report it (signal n -> 128 + n)."""
    return 128 - status if status < 0 else status


def cmd_compare(args) -> int:
    """Compare a model trace with one or more real traces; exit 0 (PASS) or 1 (FAIL).

    With several real traces the model is also judged against their
    real-vs-real spread (the noise floor).
    """
    from .api import compare
    options = {k: v for k, v in (("order", args.order), ("align", args.align),
                                 ("timebase", args.timebase)) if v}
    result = compare(args.expected, *args.actual, tolerances=_tolerances(args.tolerance),
                     **options)
    if args.json:
        _print_json(result.to_json())
    else:
        print(result.format_text())
    if args.report:
        from .compare import write_report
        path = write_report(result, args.report)
        print(f"schedsim: report written to {path}", file=sys.stderr)
    return 0 if result.ok else 1


def _tolerances(pairs: Sequence[str] | None):
    if not pairs:
        return None
    from .compare import Tolerances
    import dataclasses
    known = {f.name: f for f in dataclasses.fields(Tolerances)}
    values = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in known:
            raise SchedsimError(f"--tolerance expects NAME=VALUE with NAME one of "
                                f"{sorted(known)}, got {pair!r}")
        try:
            values[name] = json.loads(raw.lower() if raw.lower() in ("true", "false") else raw)
        except json.JSONDecodeError:
            raise SchedsimError(f"--tolerance {name}: expected a number, got {raw!r}") from None
    return Tolerances(**values)


def cmd_render(args) -> int:
    """Draw a trace: a Gantt timeline (optionally above another trace, or with a
    lane per CPU), its happens-before graph, its topology or its switch graph."""
    from .api import render
    options = {"title": args.title, "theme": args.theme, "aspect": args.aspect}
    if args.window:
        options["window"] = _window(args.window)
    if args.dot:
        options["dot"] = True
    path = render(args.trace, args.output, against=args.against, kind=args.kind, **options)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _window(text: str) -> tuple[float, float]:
    start, sep, end = text.partition(":")
    try:
        return float(start), float(end)
    except ValueError:
        raise SchedsimError(f"--window expects START:END in seconds of model time, "
                            f"got {text!r}") from None


def cmd_export(args) -> int:
    """Export a trace as Chrome Trace Event JSON for ui.perfetto.dev."""
    from .api import export_perfetto
    path = export_perfetto(args.trace, args.output)
    print(f"wrote {path} (open it in https://ui.perfetto.dev)", file=sys.stderr)
    return 0


def cmd_verify(args) -> int:
    """Simulate, trace the real program, compare and draw; exit with the verdict."""
    from .api import verify
    result = verify(args.scenario, args.out, tolerances=_tolerances(args.tolerance),
                    seed=args.seed, repeat=args.repeat, report=args.report,
                    profile=args.profile, calibrate=args.calibrate,
                    log=lambda msg: print(f"schedsim: {msg}", file=sys.stderr))
    if result.status != 0:
        print(f"schedsim: warning: the real program exited with status {result.status}",
              file=sys.stderr)
    print(result.comparison.format_text())
    print("\nfiles:")
    for path in result.files.values():
        print(f"  {path}")
    return 0 if result.ok else 1


def cmd_calibrate(args) -> int:
    """Measure this machine's switch, spawn, IPC and sleep costs into a profile."""
    from . import calibrate as cal
    if args.refit:
        result = cal.from_profile(args.refit)
    else:
        bar = cal.ProgressBar()
        result = cal.calibrate(quick=args.quick, progress=bar)
        bar.close()
    print(result.format_text())
    if args.output:
        cal.save(result, args.output)
        print(f"profile written to {args.output}", file=sys.stderr)
    return 0


# -- parser -------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    p = argparse.ArgumentParser(
        prog="schedsim", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate, trace, compare and draw how processes, threads and coroutines "
                    "share a machine.")
    p.add_argument("--version", action="version", version=f"schedsim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func: Callable, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=func.__doc__)
        sp.set_defaults(func=func)
        return sp

    c = command("check", cmd_check, "validate scenario files")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO")

    r = command("run", cmd_run, "simulate a scenario and print its metrics")
    r.add_argument("scenario", metavar="SCENARIO")
    r.add_argument("-o", "--output", metavar="TRACE", help="stream the trace to this .jsonl file")
    r.add_argument("--seed", type=int, help="seed for the scenario's randomness")
    r.add_argument("--profile", metavar="NAME|PROFILE.yaml",
                   help="machine profile to use instead of the scenario's")
    r.add_argument("--as-traced", action="store_true",
                   help="charge what the tracer adds to a real run (the profile's tap_line, "
                        "cold_tap, trace_step and cold_trace_step), to compare with traced "
                        "runs")
    r.add_argument("--json", action="store_true", help="print metrics as JSON")
    r.add_argument("--no-metrics", action="store_true",
                   help="only write the trace (for very large runs)")

    t = command("trace", cmd_trace, "run a Python program under the tracer")
    t.add_argument("--time-scale", type=float, default=1.0, metavar="S",
                   help="multiply every time.sleep by S (e.g. 0.01)")
    t.add_argument("--timeout", type=float, metavar="SEC", help="stop the program after SEC s")
    t.add_argument("-o", "--output", metavar="OUT.jsonl", help="trace file (default PROGRAM.trace.jsonl)")
    t.add_argument("--kernel", action="store_true",
                   help="merge kernel sched_switch/wakeup events from perf (needs root and perf)")
    t.add_argument("--counters-interval", type=float, metavar="SEC",
                   help="also sample every thread's /proc counters every SEC seconds")
    t.add_argument("program", nargs="?", metavar="PROGRAM.py")
    t.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")

    m = command("compare", cmd_compare, "compare two traces and give a verdict")
    m.add_argument("expected", metavar="A.jsonl", help="usually the simulated trace")
    m.add_argument("actual", nargs="+", metavar="B.jsonl",
                   help="the real trace(s); several give a noise floor")
    m.add_argument("--json", action="store_true", help="print the comparison as JSON")
    m.add_argument("--order", choices=("causal", "exact"), help="how strictly order must agree")
    m.add_argument("--align", choices=("start", "first"),
                   help="zero-align on the first matched line (default; start-up is "
                        "reported, not judged) or on each trace's start")
    m.add_argument("--timebase", choices=("sleeps", "scale"),
                   help="bring a time-scaled real run to model time by stretching only its "
                        "sleeps (default) or by dividing all times by the scale")
    m.add_argument("--report", metavar="DIR", help="also write report.md and comparison.json")
    m.add_argument("--tolerance", action="append", metavar="NAME=VALUE",
                   help="override one tolerance (repeatable)")

    d = command("render", cmd_render, "draw a trace as a Gantt timeline (SVG/PNG/PDF)")
    d.add_argument("trace", metavar="TRACE.jsonl")
    d.add_argument("-o", "--output", required=True, metavar="OUT.{svg,png,pdf}")
    d.add_argument("--against", metavar="OTHER.jsonl", help="draw this trace below, same time axis")
    d.add_argument("--kind", choices=("gantt", "cpus", "hb", "topology", "switches"),
                   default="gantt", help="which diagram (default: gantt)")
    d.add_argument("--title")
    d.add_argument("--theme", choices=("light", "dark"), default="light")
    d.add_argument("--aspect", choices=("16:9", "4:3"), default="16:9")
    d.add_argument("--window", metavar="START:END", help="only this span (seconds, model time)")
    d.add_argument("--dot", action="store_true",
                   help="graphs: also write the graphviz source next to OUT (OUT.dot)")

    e = command("export", cmd_export, "export a trace as Perfetto (Chrome Trace Event) JSON")
    e.add_argument("trace", metavar="TRACE.jsonl")
    e.add_argument("-o", "--output", required=True, metavar="OUT.json")

    v = command("verify", cmd_verify, "simulate, trace, compare and draw a scenario")
    v.add_argument("scenario", metavar="SCENARIO")
    v.add_argument("--out", metavar="DIR", help="output directory (default out/<scenario name>)")
    v.add_argument("--seed", type=int)
    which = v.add_mutually_exclusive_group()
    which.add_argument("--profile", metavar="NAME|PROFILE.yaml",
                       help="machine profile to use instead of the scenario's (e.g. from "
                            "calibrate)")
    which.add_argument("--calibrate", action="store_true",
                       help="measure this machine around the real runs (calibrate --quick, "
                            "~12 s, its timer and wake-up probes in slices between the runs) "
                            "and use that profile (written to DIR/profile.yaml)")
    v.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="run the real program N times and report the real-vs-real spread")
    v.add_argument("--report", action="store_true", help="also write report.md to DIR")
    v.add_argument("--tolerance", action="append", metavar="NAME=VALUE")

    k = command("calibrate", cmd_calibrate, "measure this machine's costs into a profile")
    k.add_argument("-o", "--output", metavar="PROFILE.yaml")
    k.add_argument("--quick", action="store_true", help="fewer samples (~15 s)")
    k.add_argument("--refit", metavar="PROFILE.yaml",
                   help="measure nothing: derive the costs again from the figures a profile "
                        "written by calibrate keeps (after a model change)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run one command, and map errors to exit statuses."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except SchedsimError as exc:
        print(f"schedsim {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"schedsim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
