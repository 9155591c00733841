"""A small asyncio program that times its own task steps, run plainly and traced.

``python tracee.py OUT.json STEPS REPS COLD`` writes ``{figure: [ns, ...]}``:

* ``task_step``: two tasks alternating on ``await asyncio.sleep(0)``, ns per
  step, one sample per batch of ``STEPS`` (after a warm-up batch);
* ``cold_task_step``: a new task's step (``await ensure_future(sleep(0))``)
  right after a 10 ms ``asyncio.sleep``, minus the same at once, ``COLD``
  samples;
* under the tracer, also ``cold_task_step_unwrapped``: the same with the
  tracer's ``Handle._run`` wrapper taken out (its ``__wrapped__`` put back),
  the two taken in turn, sample by sample.

:mod:`.tracer` runs it twice, once under the tracer: the differences are
what the tracer's wrappers add to each step (``Handle._run``, the await
chain it reads, the records).  The cold one is measured inside the traced
run, wrapper in and out in turn: between two processes it was each one's
luck with caches and CPUs (0-33 µs from batch to batch).  It imports
nothing of schedsim, so that the plain run is a plain program.
"""

import asyncio
import asyncio.events
import json
import sys
import time

clock = time.perf_counter_ns
IDLE_S = 0.010


async def sleep0_pingpong(n: int) -> int:
    """ns two tasks take to alternate through ``await asyncio.sleep(0)``, ``n`` each
    (also the in-process ``task_switch`` probe, :mod:`.inproc`)."""
    async def spin():
        for _ in range(n):
            await asyncio.sleep(0)
    t0 = clock()
    await asyncio.gather(spin(), spin())
    return clock() - t0


def _step_runners() -> dict[str, object]:
    """The ``Handle._run`` versions to measure: the one installed, and under the
    tracer (whose wrappers say so) also the function it wraps."""
    handle = asyncio.events.Handle
    runners = {"cold_task_step": handle._run}
    if getattr(handle._run, "__wrapped_by_schedsim__", False):
        runners["cold_task_step_unwrapped"] = handle._run.__wrapped__
    return runners


async def _cold_steps(samples: int) -> dict[str, list[int]]:
    async def op():
        await asyncio.ensure_future(asyncio.sleep(0))
    handle, runners = asyncio.events.Handle, _step_runners()
    installed = handle._run
    out: dict[str, list[int]] = {name: [] for name in runners}
    try:
        for name, runner in runners.items():
            handle._run = runner
            await op()
        for _ in range(samples):
            for name, runner in runners.items():
                handle._run = runner        # from the idle's own wake-up step on
                await asyncio.sleep(IDLE_S)
                t0 = clock()
                await op()
                t1 = clock()
                await op()
                out[name].append((t1 - t0) - (clock() - t1))
    finally:
        handle._run = installed
    return out


async def _main(steps: int, reps: int, cold: int) -> dict:
    await sleep0_pingpong(max(1, steps // 10))
    return {"task_step": [await sleep0_pingpong(steps) / (2 * steps) for _ in range(reps)],
            **await _cold_steps(cold)}


if __name__ == "__main__":
    out, steps, reps, cold = sys.argv[1], *map(int, sys.argv[2:5])
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(asyncio.run(_main(steps, reps, cold)), fh)
