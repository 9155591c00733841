"""The baozi producer/consumer with threads and queues.

Each consumer is a thread with its own ``queue.Queue`` inbox.  The producer
(the main thread) starts them one at a time and waits until each is ready,
then makes five buns, one a second, and hands each to every consumer in
turn, waiting until it is eaten (``Queue.join``).  Prints the same 17
lines as ``coroutines.py``.
"""

import queue
import threading
import time

GREEN, RESET = "\033[32;1m", "\033[0m"


def consumer(name, inbox, ready):
    """Announce, then eat every bun put into ``inbox`` until None arrives."""
    print(f"{name}准备开始吃包子啦...")
    ready.set()
    while True:
        baozi = inbox.get()
        if baozi is None:
            break
        print(f"[{name}] 正在吃包子 {baozi}")
        inbox.task_done()


def producer(inboxes, count=5):
    """Make ``count`` buns and hand each to every consumer, one after the other."""
    for n in range(1, count + 1):
        print(f"{GREEN}[producer]{RESET}做好了新包子 {n}")
        time.sleep(1)
        for inbox in inboxes:
            inbox.put(n)
            inbox.join()


def main():
    """Two consumer threads, the main thread produces."""
    inboxes, workers = [], []
    for name in ("c1", "c2"):
        inbox, ready = queue.Queue(), threading.Event()
        worker = threading.Thread(target=consumer, args=(name, inbox, ready), name=name)
        worker.start()
        ready.wait()
        inboxes.append(inbox)
        workers.append(worker)
    producer(inboxes)
    for inbox in inboxes:
        inbox.put(None)
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main()
