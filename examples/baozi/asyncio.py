"""The baozi producer/consumer with asyncio tasks and queues.

Each consumer is a task (named ``c1``, ``c2``) with its own
``asyncio.Queue`` inbox; the producer task makes five buns, one a second
(``asyncio.sleep``), and hands each to every consumer in turn, waiting
until it is eaten (``Queue.join``).  Prints the same 17 lines as
``coroutines.py``.
"""

import os
import sys

# This file is called asyncio.py: keep its own directory off the import path
# so that ``import asyncio`` below finds the standard library's.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import asyncio  # noqa: E402

GREEN, RESET = "\033[32;1m", "\033[0m"


async def consumer(name, inbox):
    """Announce, then eat every bun put into ``inbox``."""
    print(f"{name}准备开始吃包子啦...")
    while True:
        baozi = await inbox.get()
        print(f"[{name}] 正在吃包子 {baozi}")
        inbox.task_done()


async def producer(inboxes, count=5):
    """Make ``count`` buns and hand each to every consumer, one after the other."""
    for n in range(1, count + 1):
        print(f"{GREEN}[producer]{RESET}做好了新包子 {n}")
        await asyncio.sleep(1)
        for inbox in inboxes:
            inbox.put_nowait(n)
            await inbox.join()


async def main():
    """Two consumer tasks, then the producer; the consumers are cancelled at the end."""
    inboxes = [asyncio.Queue(), asyncio.Queue()]
    eaters = [asyncio.create_task(consumer(name, inbox), name=name)
              for name, inbox in zip(("c1", "c2"), inboxes)]
    await asyncio.sleep(0)  # let both consumers announce themselves first
    await asyncio.create_task(producer(inboxes), name="producer")
    for eater in eaters:
        eater.cancel()
    await asyncio.gather(*eaters, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
