"""The baozi (steamed bun) producer/consumer with generator coroutines.

The founding document's program, tidied: two consumer generators announce
themselves when primed, then the producer makes five buns, one a second,
and hands each to both consumers with ``send``.  17 lines of output; the
``[producer]`` tag is green (ANSI escapes).
"""

import time

GREEN, RESET = "\033[32;1m", "\033[0m"


def consumer(name):
    """Eat every bun sent in, forever."""
    print(f"{name}准备开始吃包子啦...")
    while True:
        baozi = yield
        print(f"[{name}] 正在吃包子 {baozi}")


def producer(consumers, count=5):
    """Prime the consumers, then make ``count`` buns and send each to all of them."""
    for eater in consumers:
        next(eater)
    for n in range(1, count + 1):
        print(f"{GREEN}[producer]{RESET}做好了新包子 {n}")
        time.sleep(1)
        for eater in consumers:
            eater.send(n)


def main():
    """Two consumers, one producer."""
    producer([consumer("c1"), consumer("c2")])


if __name__ == "__main__":
    main()
