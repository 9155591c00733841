"""Benchmark: how fast the simulator schedules, against raw SimPy, and its memory.

Runs N CPU-bound threads under round robin (1 ms quantum, 2.5 µs thread
switch) on one CPU, for N = 10, 100, 1,000 and 10,000, and the same
scheduling work in a minimal raw-SimPy model (a ``simpy.Resource`` as the
CPU: request, a switch timeout, a quantum timeout, release).  A *scheduling
event* is one dispatch: a thread put on the CPU for one slice.  Prints, per
N: dispatches, recorded trace events, µs per dispatch for both models and
their ratio, and the peak memory per recorded event of the in-memory trace.
Then streams a run of about 10 M events to a file and reports its peak
memory, which must not grow with the number of events.

Each measurement runs in a fresh subprocess so peak memory is its own.

    .venv/bin/python bench/bench_sim.py            # full run, a few minutes
    .venv/bin/python bench/bench_sim.py --quick    # smaller, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

QUANTUM_MS = 1
SWITCH_NS = 2_500


def scenario_text(threads: int, slices: int) -> str:
    """N threads, each computing ``slices`` quanta, round robin on one CPU."""
    lines = [f"      t{i}: [{{compute: {slices * QUANTUM_MS}ms}}]" for i in range(threads)]
    return ("schedsim: 1\n"
            f"machine: {{cpus: 1, policy: rr, quantum: {QUANTUM_MS}ms, "
            f"costs: {{thread_switch: {SWITCH_NS}}}}}\n"
            "processes:\n  p:\n    threads:\n" + "\n".join(lines) + "\n")


def rss_kib() -> int:
    """Peak resident set size of this process so far, KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def current_rss_kib() -> int:
    """Resident set size now, KiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def measure_schedsim(threads: int, slices: int, out: str | None) -> dict:
    """Simulate; returns seconds, dispatches, events and memory figures."""
    from schedsim.model import simulate
    from schedsim.scenario import loads
    scenario = loads(scenario_text(threads, slices), "bench.yaml")
    before = current_rss_kib()
    start = time.perf_counter()
    result = simulate(scenario, out=out)
    seconds = time.perf_counter() - start
    peak = rss_kib()
    if result.trace is not None:
        dispatches = len(result.trace.select("run"))
        held = result.trace.nbytes()
    else:
        dispatches = threads * slices     # one run per slice
        held = 0
    return {"seconds": seconds, "dispatches": dispatches, "events": result.events,
            "peak_extra_bytes": max(0, peak - before) * 1024, "columns_bytes": held}


def measure_raw(threads: int, slices: int) -> dict:
    """The same round robin in raw SimPy: Resource as the CPU."""
    import simpy
    env = simpy.Environment()
    cpu = simpy.Resource(env, capacity=1)
    done = [0]
    quantum = QUANTUM_MS * 1_000_000

    def thread():
        for _ in range(slices):
            with cpu.request() as req:
                yield req
                done[0] += 1
                yield env.timeout(SWITCH_NS)
                yield env.timeout(quantum)

    for _ in range(threads):
        env.process(thread())
    start = time.perf_counter()
    env.run()
    return {"seconds": time.perf_counter() - start, "dispatches": done[0]}


def child(args) -> None:
    """Run one measurement and print it as JSON (called in a subprocess)."""
    if args.model == "raw":
        out = measure_raw(args.threads, args.slices)
    else:
        out = measure_schedsim(args.threads, args.slices, args.out)
    print(json.dumps(out))


def run_child(model: str, threads: int, slices: int, out: str | None = None) -> dict:
    """One measurement in a fresh interpreter."""
    cmd = [sys.executable, __file__, "--child", model, "--threads", str(threads),
           "--slices", str(slices)]
    if out:
        cmd += ["--out", out]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def best_pair(threads: int, slices: int, repeat: int) -> tuple[dict, dict]:
    """The fastest of ``repeat`` runs of each model (the least disturbed by other
    load), alternating the two so that both see the same conditions."""
    ours, raw = [], []
    for _ in range(repeat):
        raw.append(run_child("raw", threads, slices))
        ours.append(run_child("schedsim", threads, slices))
    fastest = lambda runs: min(runs, key=lambda r: r["seconds"])  # noqa: E731
    return fastest(ours), fastest(raw)


def marginal_us(threads: int, dispatches: int, repeat: int) -> float:
    """µs per extra dispatch: (time of 2D dispatches − time of D) / D, for schedsim."""
    slices = max(1, dispatches // threads)
    runs = {}
    for k in (slices, 2 * slices):
        runs[k] = min(run_child("schedsim", threads, k)["seconds"] for _ in range(repeat))
    return (runs[2 * slices] - runs[slices]) / (threads * slices) * 1e6


def main(argv=None) -> int:
    """Print the benchmark's figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    p.add_argument("--dispatches", type=int, default=400_000,
                   help="dispatches per size (default 400,000)")
    p.add_argument("--stream-events", type=int, default=10_000_000,
                   help="events of the streamed run (default 10 M)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--child", choices=("raw", "schedsim"), dest="model")
    p.add_argument("--threads", type=int)
    p.add_argument("--slices", type=int)
    p.add_argument("--out")
    args = p.parse_args(argv)
    if args.model:
        child(args)
        return 0
    if args.quick:
        args.dispatches, args.stream_events, args.repeat = 40_000, 300_000, 1
    print(f"round robin, 1 CPU, quantum {QUANTUM_MS} ms, thread switch {SWITCH_NS} ns; "
          f"~{args.dispatches:,} dispatches per size; best of {args.repeat}")
    print(f"{'threads':>8} {'dispatches':>11} {'events':>10} {'schedsim µs':>12} "
          f"{'raw SimPy µs':>13} {'ratio':>6} {'B/event':>8} {'columns B/ev':>12}")
    per_event = {}
    for threads in (10, 100, 1_000, 10_000):
        slices = max(1, args.dispatches // threads)
        ours, raw = best_pair(threads, slices, args.repeat)
        us = ours["seconds"] / ours["dispatches"] * 1e6
        raw_us = raw["seconds"] / raw["dispatches"] * 1e6
        per_event[threads] = us
        print(f"{threads:>8,} {ours['dispatches']:>11,} {ours['events']:>10,} {us:>12.2f} "
              f"{raw_us:>13.2f} {us / raw_us:>6.2f} "
              f"{ours['peak_extra_bytes'] / ours['events']:>8.1f} "
              f"{ours['columns_bytes'] / ours['events']:>12.1f}")
    print(f"time per dispatch at 10,000 threads / at 10: "
          f"{per_event[10_000] / per_event[10]:.2f} (averages, including each thread's "
          f"start and exit)")
    marginal = {n: marginal_us(n, args.dispatches, args.repeat) for n in (10, 10_000)}
    print(f"marginal time per dispatch (runs of 1× and 2× the dispatches): "
          f"{marginal[10]:.2f} µs at 10 threads, {marginal[10_000]:.2f} µs at 10,000: "
          f"ratio {marginal[10_000] / marginal[10]:.2f}")
    threads = 1_000
    slices = max(1, args.stream_events // 3 // threads)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.jsonl")
        big = run_child("schedsim", threads, slices, out=path)
        size = os.path.getsize(path)
    print(f"streamed run: {big['events']:,} events to a {size / 1e6:,.0f} MB file in "
          f"{big['seconds']:.1f} s ({big['events'] / big['seconds'] / 1e3:,.0f} k events/s); "
          f"peak memory growth {big['peak_extra_bytes'] / 1e6:.1f} MB "
          f"({big['peak_extra_bytes'] / big['events']:.2f} B/event)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
