"""Switch-heavy benchmark program: 2,000 multiprocessing.Queue messages between processes.

A ping-pong with a child process: 1,000 round trips, each two messages.
"""
import multiprocessing
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000


def echo(inbox, outbox):
    while (item := inbox.get()) is not None:
        outbox.put(item)


def main():
    inbox, outbox = multiprocessing.Queue(), multiprocessing.Queue()
    child = multiprocessing.Process(target=echo, args=(inbox, outbox), name="echo")
    child.start()
    t0 = time.perf_counter_ns()
    for i in range(N // 2):
        inbox.put(i)
        outbox.get()
    elapsed = time.perf_counter_ns() - t0
    inbox.put(None)
    child.join()
    print(f"{N} messages")
    print(f"bench-elapsed-ns: {elapsed}", file=sys.stderr)


if __name__ == "__main__":
    main()
