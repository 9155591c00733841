"""Study: how much the tracer slows each baozi round (its probe effect).

Each variant's program runs alternately untraced (``stamp_run.py``: sleeps
scaled like the tracer's, one clock read and one write per printed line)
and under ``schedsim trace --time-scale 0.01``.  A round is the producer's
line to its next one; what it takes beyond its 10 ms sleep is compared.  The
model is calibrated on untraced probes, so what the tracer adds to a round
shows in ``verify`` as model error.  Not a test: it prints figures.

    .venv/bin/python bench/bench_probe.py                  # 6 runs each, ~1 minute
    .venv/bin/python bench/bench_probe.py --runs 10 --only asyncio
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
MODES = ("coroutines", "asyncio", "threads", "processes")
SCALE = 0.01
SLEEP_NS = round(1e9 * SCALE)
PRODUCER = "[producer]"


def _rounds(lines: list[tuple[int, str]]) -> list[float]:
    """µs beyond the sleep from each producer line to the next."""
    times = [t for t, text in lines if PRODUCER in text]
    return [(b - a - SLEEP_NS) / 1e3 for a, b in zip(times, times[1:])]


def untraced(program: Path, work: Path) -> list[float]:
    """The rounds of one untraced run."""
    stamps = work / "stamps.tsv"
    stamps.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / "stamp_run.py"), str(stamps),
                    str(SCALE), str(program)], stdout=subprocess.DEVNULL, check=True)
    lines = []
    for row in stamps.read_text(encoding="utf-8").splitlines():
        t, _, text = row.partition("\t")
        lines.append((int(t), text))
    return _rounds(sorted(lines))


def traced(program: Path, work: Path) -> list[float]:
    """The rounds of one traced run."""
    from schedsim.trace import load
    out = work / "trace.jsonl"
    subprocess.run([sys.executable, "-m", "schedsim", "trace", "--time-scale", str(SCALE),
                    "-o", str(out), str(program)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    trace = load(str(out))
    return _rounds([(e.t, e.label or "") for e in trace.select("emit")])


def main(argv: list[str] | None = None) -> int:
    """Print, per variant, the median round beyond its sleep, untraced and traced."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="runs of each kind per variant")
    parser.add_argument("--only", choices=MODES, action="append", help="variants to run")
    parser.add_argument("--quick", action="store_true", help="2 runs each")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else args.runs
    print(f"µs a round takes beyond its {SLEEP_NS / 1e6:g} ms sleep, median of "
          f"{runs} runs x 4 rounds")
    print(f"{'variant':12} {'untraced':>9} {'traced':>9} {'tracer adds':>12}")
    with tempfile.TemporaryDirectory(prefix="schedsim-probe-") as tmp:
        work = Path(tmp)
        for mode in args.only or MODES:
            program = ROOT / "examples" / "baozi" / f"{mode}.py"
            plain, with_tracer = [], []
            for _ in range(runs):             # alternated: the VM's drift hits both alike
                plain += untraced(program, work)
                with_tracer += traced(program, work)
            a, b = statistics.median(plain), statistics.median(with_tracer)
            print(f"{mode:12} {a:9.0f} {b:9.0f} {b - a:12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
