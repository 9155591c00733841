"""Study: how often the model of each baozi variant is within the real-vs-real noise.

A batch is what ``schedsim verify scenarios/baozi-MODE.yaml --calibrate
--repeat 5`` does for each of the four variants: measure the machine
(``calibrate --quick``, its drifting probes in slices with the five traced
runs of the real program between them), simulate with those figures, and
judge the model against the spread of the five.
On a VM the spread moves tenfold between batches minutes apart, so one
batch says little; this runs several and prints, per variant, every
batch's p95 and makespan errors beside their limits, and how many batches
were within the noise.  Not a test: it prints figures.  The programs' own
lines go into a pipe that ``cat`` drains, as on a terminal (and as the
calibration's print probes do), not onto this report.

    .venv/bin/python bench/bench_verify.py              # 4 batches, ~4.5 minutes
    .venv/bin/python bench/bench_verify.py --batches 10 --out /tmp/batches
    ./dev bench --quick                                 # every benchmark; here 1 batch
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("coroutines", "asyncio", "threads", "processes")
FIGURES = ("p95 timing error", "makespan error")


def run_batch(out: Path) -> dict[str, object]:
    """One batch: the multi-run comparison of each variant, by mode."""
    from schedsim.api import verify
    results = {}
    for mode in MODES:
        result = verify(ROOT / "scenarios" / f"baozi-{mode}.yaml", out / mode, repeat=5,
                        calibrate=True)
        results[mode] = result.comparison
    return results


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.2f}"


def report(batches: list[dict]) -> str:
    """Per variant: each batch's errors / limits (ms) and the verdict count."""
    lines = []
    for mode in MODES:
        within = sum(1 for b in batches if b[mode].within_noise)
        lines.append(f"{mode}: within the noise in {within} of {len(batches)} batches")
        for i, b in enumerate(batches, 1):
            m = b[mode]
            figs = "  ".join(f"{f.split()[0]} {_ms(m.model_error[f])} / {_ms(m.limit(f))}"
                             for f in FIGURES)
            verdict = "within" if m.within_noise else "beyond"
            lines.append(f"  batch {i}: {figs} ms  {verdict}")
    return "\n".join(lines)


@contextlib.contextmanager
def programs_print_into_a_pipe():
    """While inside, this process's stdout (which the traced programs inherit) is a
    pipe that ``cat`` drains into /dev/null."""
    sys.stdout.flush()
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    saved = os.dup(1)
    os.dup2(reader.stdin.fileno(), 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        reader.stdin.close()
        reader.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the batches and print the study."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=4)
    p.add_argument("--quick", action="store_true", help="one batch")
    p.add_argument("--out", type=Path, default=None, help="keep the runs here")
    args, _others = p.parse_known_args(argv)   # ./dev bench passes every benchmark the same
    if args.quick:
        args.batches = 1
    out = args.out or Path(tempfile.mkdtemp(prefix="schedsim-verify-"))
    batches = []
    for i in range(args.batches):
        t0 = time.perf_counter()
        with programs_print_into_a_pipe():
            batches.append(run_batch(out / f"batch-{i + 1}"))
        print(f"batch {i + 1} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(report(batches))
    return 0


if __name__ == "__main__":
    sys.exit(main())
