"""Switch-heavy benchmark program: 10,000 asyncio.Queue hand-offs between two tasks.

A ping-pong: 5,000 round trips, each two hand-offs (main task -> echo task -> main).
"""
import asyncio
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000


async def echo(inbox, outbox):
    while (item := await inbox.get()) is not None:
        await outbox.put(item)


async def main():
    inbox, outbox = asyncio.Queue(), asyncio.Queue()
    task = asyncio.create_task(echo(inbox, outbox), name="echo")
    t0 = time.perf_counter_ns()
    for i in range(N // 2):
        await inbox.put(i)
        await outbox.get()
    elapsed = time.perf_counter_ns() - t0
    await inbox.put(None)
    await task
    print(f"{N} hand-offs")
    print(f"bench-elapsed-ns: {elapsed}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
