"""``python -m bench.csv_memory``: one CSV export of the directory in a fresh process, and how much
the process's resident memory grew while it streamed; JSON on stdout.

Run by ``csv_export_memory`` (``bench.runner``) with ``DATABASE_URL`` naming one data set. The
process first asks for a CSV that matches nothing (the code and the database connection loaded),
then resets its peak RSS (``/proc/self/clear_refs``: 5), streams the whole CSV through the WSGI
handler chunk by chunk (nothing kept), and reads the peak (``VmHWM``): the growth is the peak less
the RSS the streaming started from.
"""

import json
import sys
from pathlib import Path

EXPORT = "/api/v1/affiliates/?format=csv"
NOTHING = "/api/v1/affiliates/?format=csv&q=zzzzzzzz"


def memory_kib() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in KiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak() -> bool:
    """Set VmHWM to the current RSS (Linux 4.0+); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def stream(client, url: str) -> tuple[int, int]:
    """The bytes and lines of ``GET url``'s body, read chunk by chunk and dropped."""
    status: list[str] = []

    def start_response(value, headers, exc_info=None):
        status.append(value)

    response = client.handler(client.environ(url), start_response)
    size = lines = 0
    try:
        for chunk in response:
            size += len(chunk)
            lines += chunk.count(b"\n")
    finally:
        response.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"GET {url} answered {status[0]}")
    return size, lines


def main() -> None:
    import django

    django.setup()
    from .client import WSGIClient

    client = WSGIClient()
    stream(client, NOTHING)
    stream(client, NOTHING)
    exact = reset_peak()
    before = memory_kib()["VmRSS"]
    size, lines = stream(client, EXPORT)
    peak = memory_kib()["VmHWM"]
    json.dump(
        {
            "growth_kib": max(0, peak - before),
            "rss_before_kib": before,
            "peak_rss_kib": peak,
            "bytes": size,
            "rows": lines - 1,  # less the header (no cell of the bench's data holds a line break)
            "peak_reset": exact,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
