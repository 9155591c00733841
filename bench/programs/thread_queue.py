"""Switch-heavy benchmark program: 20,000 queue.Queue hand-offs between two threads.

A ping-pong: 10,000 round trips, each two hand-offs (main -> worker -> main).
"""
import queue
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000


def echo(inbox, outbox):
    while (item := inbox.get()) is not None:
        outbox.put(item)


def main():
    inbox, outbox = queue.Queue(), queue.Queue()
    worker = threading.Thread(target=echo, args=(inbox, outbox), name="echo")
    worker.start()
    t0 = time.perf_counter_ns()
    for i in range(N // 2):
        inbox.put(i)
        outbox.get()
    elapsed = time.perf_counter_ns() - t0
    inbox.put(None)
    worker.join()
    print(f"{N} hand-offs")
    print(f"bench-elapsed-ns: {elapsed}", file=sys.stderr)


if __name__ == "__main__":
    main()
