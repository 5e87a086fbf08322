"""Run the soak's load against a running site and report; exit 1 when a goal is missed.

    python soak/measure.py  (run by soak/soak.sh, which starts and stops the processes)

Environment: SOAK_HOST (http://127.0.0.1:PORT), SOAK_SECONDS (measured time, default 120),
SOAK_WARMUP_SECONDS (load before the measurement, not counted; default a quarter of
SOAK_SECONDS, from 10 to 30), SOAK_USERS (default 24), SOAK_GUNICORN_PID, SOAK_CELERY_PID,
SOAK_FIXTURES, SOAK_REPORT (default var/soak.json).

Goals: no server error (5xx) and no refused request but the expected 409s; the resident memory
(RSS) of the gunicorn workers and of the Celery worker grows less than 10 % from the end of the
warm-up to the end.
"""

# isort: off
from locust.env import Environment  # first: importing locust lets gevent patch the standard library
# isort: on

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import gevent
import psutil
from locust.runners import LocalRunner
from locust.stats import RequestStats, StatsEntry

sys.path.insert(0, str(Path(__file__).resolve().parent))
import locustfile

MEMORY_GROWTH_LIMIT = 0.10


def _processes(pid: int, *, children_only: bool) -> list[psutil.Process]:
    parent = psutil.Process(pid)
    children = parent.children(recursive=True)
    return children if children_only else [parent, *children]


def memory(gunicorn_pid: int, celery_pid: int) -> dict:
    """RSS in MB of each gunicorn worker (not the master) and of the Celery worker and its pool."""
    groups = {
        "gunicorn_workers": _processes(gunicorn_pid, children_only=True),
        "celery_worker": _processes(celery_pid, children_only=False),
    }
    return {
        name: {str(p.pid): round(p.memory_info().rss / 2**20, 1) for p in processes}
        for name, processes in groups.items()
    }


def growth(start: dict, end: dict) -> dict:
    report = {}
    for group, at_start in start.items():
        at_end = end.get(group, {})
        same = [pid for pid in at_start if pid in at_end]  # a restarted process would not compare
        before, after = sum(at_start[p] for p in same), sum(at_end[p] for p in same)
        report[group] = {
            "start_mb": round(before, 1),
            "end_mb": round(after, 1),
            "growth_percent": round(100 * (after - before) / before, 2) if before else None,
            "processes": {pid: {"start_mb": at_start[pid], "end_mb": at_end.get(pid)} for pid in at_start},
            "restarted": sorted(set(at_start) ^ set(at_end)),
        }
    return report


@dataclass(frozen=True)
class Settings:
    """What the soak is told by the environment (see the module's docstring)."""

    host: str
    seconds: float
    warmup: float
    users: int
    gunicorn_pid: int
    celery_pid: int
    report_path: Path

    @classmethod
    def from_environment(cls) -> "Settings":
        host = os.environ["SOAK_HOST"]
        seconds = float(os.environ.get("SOAK_SECONDS", "120"))
        warmup = float(os.environ.get("SOAK_WARMUP_SECONDS", max(10.0, min(30.0, seconds / 4))))
        users = int(os.environ.get("SOAK_USERS", "24"))
        gunicorn_pid, celery_pid = int(os.environ["SOAK_GUNICORN_PID"]), int(os.environ["SOAK_CELERY_PID"])
        report_path = Path(os.environ.get("SOAK_REPORT", "var/soak.json"))
        return cls(host, seconds, warmup, users, gunicorn_pid, celery_pid, report_path)


@dataclass
class Measured:
    """What the load left: locust's environment (its statistics) and runner (its users' exceptions),
    the RSS at the start and at the end of the measured time, and that time in seconds."""

    environment: Environment
    runner: LocalRunner
    memory_start: dict
    memory_end: dict
    elapsed: float


def run_load(settings: Settings) -> Measured:
    """Start the users; after the warm-up, reset every count and take the RSS; load for the measured
    time, take the RSS again, and stop the users."""
    environment = Environment(
        user_classes=[locustfile.DirectoryVisitor, locustfile.ApiReader, locustfile.Applicant],
        host=settings.host,
        events=locustfile.events,
    )
    runner = environment.create_local_runner()
    users, warmup, seconds = settings.users, settings.warmup, settings.seconds
    runner.start(users, spawn_rate=max(users / 5, 1))
    print(
        f"soak: {users} users on {settings.host}: {warmup:g} s warm-up, then {seconds:g} s measured",
        flush=True,
    )
    gevent.sleep(warmup)
    environment.stats.reset_all()
    runner.exceptions = {}
    locustfile.reset_counters()
    memory_start = memory(settings.gunicorn_pid, settings.celery_pid)
    started = time.monotonic()
    gevent.sleep(seconds)
    memory_end = memory(settings.gunicorn_pid, settings.celery_pid)
    elapsed = time.monotonic() - started
    runner.quit()
    return Measured(environment, runner, memory_start, memory_end, elapsed)


def endpoints(stats: RequestStats) -> dict:
    """Requests, failures and latency percentiles of each request name, the busiest first."""
    return {
        f"{entry.method} {entry.name}": {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
        for entry in sorted(stats.entries.values(), key=lambda e: -e.num_requests)
    }


def latency(total: StatsEntry) -> dict:
    """The percentiles, average and maximum of every request's response time, in ms."""
    return {
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "average": round(total.avg_response_time, 1),
        "max": total.max_response_time,
    }


def goals(
    total: StatsEntry, statuses: dict, server_errors: int, exceptions: dict, memory_report: dict
) -> dict[str, bool]:
    """Each goal of the module's docstring, and whether it was met."""
    crashed = sum(e["count"] for e in exceptions.values())  # a user's task that crashed
    return {
        "no_server_errors": server_errors == 0 and statuses.get("connection_error", 0) == 0,
        "no_failures_but_expected_409": total.num_failures == 0 and crashed == 0,
        "memory_growth_under_10_percent": all(
            group["growth_percent"] is not None and group["growth_percent"] < 100 * MEMORY_GROWTH_LIMIT
            for group in memory_report.values()
        ),
    }


def build_report(settings: Settings, measured: Measured) -> dict:
    """The report written to SOAK_REPORT: the counts, the latency, the memory, the goals and the verdict."""
    stats, exceptions, elapsed = measured.environment.stats, measured.runner.exceptions, measured.elapsed
    total = stats.total
    statuses = dict(locustfile.STATUSES)
    server_errors = sum(n for key, n in statuses.items() if key == "5xx")
    memory_report = growth(measured.memory_start, measured.memory_end)
    met = goals(total, statuses, server_errors, exceptions, memory_report)
    return {
        "seconds": round(elapsed, 1),
        "warmup_seconds": settings.warmup,
        "users": settings.users,
        "requests": total.num_requests,
        "requests_per_second": round(total.num_requests / elapsed, 1) if elapsed else None,
        "failures": total.num_failures,
        "error_rate": round(total.num_failures / total.num_requests, 5) if total.num_requests else None,
        "server_errors": server_errors,
        "expected_409": sum(locustfile.EXPECTED_409.values()),
        "load_exceptions": {e["msg"]: e["count"] for e in exceptions.values()},
        "expected_409_by_request": dict(locustfile.EXPECTED_409),
        "statuses": {k: v for k, v in sorted(statuses.items()) if not k.endswith("xx")},
        "latency_ms": latency(total),
        "memory_rss": memory_report,
        "failures_by_request": {
            f"{e.method} {e.name}: {e.error}": e.occurrences for e in stats.errors.values()
        },
        "endpoints": endpoints(stats),
        "goals": met,
        "passed": all(met.values()),
    }


def write_report(report: dict, path: Path) -> int:
    """Write the report to ``path`` and print it, then the verdict on stderr; return the exit status."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    if not report["passed"]:
        missed = ", ".join(name for name, ok in report["goals"].items() if not ok)
        print(f"soak: FAILED ({missed}); report in {path}", file=sys.stderr)
        return 1
    print(f"soak: passed; report in {path}", file=sys.stderr)
    return 0


def main() -> int:
    """Run the load, write and print the report; 0 when every goal is met, else 1."""
    settings = Settings.from_environment()
    return write_report(build_report(settings, run_load(settings)), settings.report_path)


if __name__ == "__main__":
    sys.exit(main())
