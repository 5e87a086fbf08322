"""The far end of the raw Redis hand-off: ``python -m bench.handoff`` (REDIS_URL, BENCH_REDIS_PREFIX).

It blocks in BRPOP on ``<prefix>:ping``; when a message arrives it notes the monotonic
clock (system-wide on Linux, so comparable with the sender's) and LPUSHes that time to
``<prefix>:pong``. It stops on the message ``stop`` or after ten minutes.
"""

import os
import time

import redis

LIFETIME_SECONDS = 600


def main() -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    prefix = os.environ["BENCH_REDIS_PREFIX"]
    client.rpush(f"{prefix}:echo-ready", b"1")
    deadline = time.monotonic() + LIFETIME_SECONDS
    while time.monotonic() < deadline:
        item = client.brpop([f"{prefix}:ping"], timeout=1)
        if item is None:
            continue
        now = time.monotonic()
        if item[1] == b"stop":
            break
        client.lpush(f"{prefix}:pong", repr(now))


if __name__ == "__main__":
    main()
