"""Fixture program: generators, threads + queue, asyncio, sleep, colours, a forked child."""
import asyncio
import os
import queue
import threading
import time


def counter(n):
    total = 0
    for i in range(n):
        total += yield i
    return total


def gens():
    g = counter(3)
    next(g)
    try:
        for v in (1, 2, 3):
            g.send(v)
    except StopIteration:
        pass
    print("\x1b[32m[gen]\x1b[0m done")


def threads():
    q = queue.Queue()
    t = threading.Thread(target=lambda: [q.put(i) for i in range(3)], name="producer")
    t.start()
    for _ in range(3):
        q.get()
    t.join()
    print("[threads] done")


async def worker(q):
    while (item := await q.get()) is not None:
        print(f"[task] got {item}")


async def amain():
    q = asyncio.Queue()
    task = asyncio.create_task(worker(q), name="worker")
    for i in range(2):
        await q.put(i)
        await asyncio.sleep(0)
    await q.put(None)
    await task


gens()
threads()
asyncio.run(amain())
time.sleep(0.001)
pid = os.fork()
if pid == 0:
    print("[child] hello")
    os._exit(3)
os.waitpid(pid, 0)
print("[main] end")
