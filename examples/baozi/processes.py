"""The baozi producer/consumer with processes and multiprocessing queues.

Each consumer is a child process with an inbox queue and a reply queue
(processes share no memory: every bun is copied through a pipe).  The
producer (the parent) starts them one at a time and waits until each is
ready, then makes five buns, one a second, and hands each to every
consumer in turn, waiting for its reply.  Prints the same 17 lines as
``coroutines.py``.  ``python processes.py [fork|spawn|forkserver]`` picks
the start method (default: the platform's).
"""

import multiprocessing as mp
import sys
import time

GREEN, RESET = "\033[32;1m", "\033[0m"


def consumer(name, inbox, replies):
    """Announce, then eat every bun sent until None arrives, replying after each."""
    print(f"{name}准备开始吃包子啦...", flush=True)
    replies.put("ready")
    while True:
        baozi = inbox.get()
        if baozi is None:
            break
        print(f"[{name}] 正在吃包子 {baozi}", flush=True)
        replies.put("eaten")


def producer(channels, count=5):
    """Make ``count`` buns and hand each to every consumer, one after the other."""
    for n in range(1, count + 1):
        print(f"{GREEN}[producer]{RESET}做好了新包子 {n}", flush=True)
        time.sleep(1)
        for inbox, replies in channels:
            inbox.put(n)
            replies.get()


def main(method=None):
    """Two consumer processes; the parent produces."""
    ctx = mp.get_context(method)
    channels, workers = [], []
    for name in ("c1", "c2"):
        inbox, replies = ctx.Queue(), ctx.Queue()
        worker = ctx.Process(target=consumer, args=(name, inbox, replies), name=name)
        worker.start()
        replies.get()
        channels.append((inbox, replies))
        workers.append(worker)
    producer(channels)
    for inbox, _ in channels:
        inbox.put(None)
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
