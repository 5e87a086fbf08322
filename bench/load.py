"""A small HTTP load generator, for when ``wrk`` is not installed: ``python -m bench.load URL``.

``--connections`` threads each send GET requests on a keep-alive connection (reopened
when the server closes it) for ``--seconds``, and the totals are printed as JSON:
``{"requests", "errors", "seconds", "rps"}``. Only for 127.0.0.1.
"""

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlsplit

from bench.servers import PROXY_HEADERS


def worker(url: str, deadline: float, totals: dict, lock: threading.Lock) -> None:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("bench.load only loads 127.0.0.1")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    done = errors = 0
    while time.monotonic() < deadline:
        try:
            connection.request("GET", target, headers=PROXY_HEADERS)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            done += 1
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
    connection.close()
    with lock:
        totals["requests"] += done
        totals["errors"] += errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not 0 < args.seconds <= 120:
        raise SystemExit("--seconds must be in (0, 120]")
    totals = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [
        threading.Thread(target=worker, args=(args.url, deadline, totals, lock))
        for _ in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    print(json.dumps({**totals, "seconds": elapsed, "rps": totals["requests"] / elapsed}))


if __name__ == "__main__":
    main()
