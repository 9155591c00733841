"""Switch-heavy benchmark program: 100,000 generator sends (each a switch in and out)."""
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def consumer():
    total = 0
    while True:
        total += yield total


def main():
    c = consumer()
    next(c)
    t0 = time.perf_counter_ns()
    for i in range(N):
        c.send(i)
    elapsed = time.perf_counter_ns() - t0
    print(f"sent {N} values")
    print(f"bench-elapsed-ns: {elapsed}", file=sys.stderr)


if __name__ == "__main__":
    main()
