"""A small asyncio program that times its own task steps, run plainly and traced.

``python tracee.py OUT.json STEPS REPS COLD`` writes ``{figure: [ns, ...]}``:

* ``task_step``: two tasks alternating on ``await asyncio.sleep(0)``, ns per
  step, one sample per batch of ``STEPS`` (after a warm-up batch);
* ``cold_task_step``: a new task's step (``await ensure_future(sleep(0))``)
  right after a 10 ms ``asyncio.sleep``, minus the same at once, ``COLD``
  samples.

:mod:`.tracer` runs it twice, once under the tracer: the differences are
what the tracer's wrappers add to each step (``Handle._run``, the await
chain it reads, the records).  It imports nothing of schedsim, so that the
plain run is a plain program.
"""

import asyncio
import json
import sys
import time

clock = time.perf_counter_ns
IDLE_S = 0.010


async def _alternate(steps: int) -> float:
    async def one():
        for _ in range(steps):
            await asyncio.sleep(0)
    t0 = clock()
    await asyncio.gather(one(), one())
    return (clock() - t0) / (2 * steps)


async def _cold_steps(samples: int) -> list[int]:
    async def op():
        await asyncio.ensure_future(asyncio.sleep(0))
    await op()
    out = []
    for _ in range(samples):
        await asyncio.sleep(IDLE_S)
        t0 = clock()
        await op()
        t1 = clock()
        await op()
        out.append((t1 - t0) - (clock() - t1))
    return out


async def _main(steps: int, reps: int, cold: int) -> dict:
    await _alternate(max(1, steps // 10))
    return {"task_step": [await _alternate(steps) for _ in range(reps)],
            "cold_task_step": await _cold_steps(cold)}


if __name__ == "__main__":
    out, steps, reps, cold = sys.argv[1], *map(int, sys.argv[2:5])
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(asyncio.run(_main(steps, reps, cold)), fh)
