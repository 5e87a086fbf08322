"""Processes the benchmark starts: gunicorn, a load generator, a Celery worker, a Redis echo.

Every one is started in its own session, waited for with a bound, and stopped by its
process id in a ``finally`` (never by name). Load goes to 127.0.0.1 only.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Process:
    """A subprocess in its own process group, its output in a log file under var/bench/."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.argv = argv
        self.env = env
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Process":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited; the end of {self.log_path}:\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, *, timeout: float = 20) -> None:
        """SIGTERM to its process group (a graceful stop), SIGKILL after ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None


def django_env(*, database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "BENCH_DATABASES": "{}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


# --- gunicorn --------------------------------------------------------------------------------------


class Gunicorn(Process):
    """The production command line (Dockerfile, README "Deployment") without --max-requests, so that a
    worker's memory after 10,000 requests is that of one worker."""

    def __init__(self, *, env: dict[str, str], log_dir: Path, workers: int = 2):
        self.port = free_port()
        argv = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--limit-request-line",
            "4094",
            "--limit-request-fields",
            "100",
            "--limit-request-field_size",
            "8190",
        ]
        super().__init__("gunicorn", argv, env=env, log_dir=log_dir)
        self.workers = workers

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        def answers() -> bool:
            self.check_alive()
            request = urllib.request.Request(self.url(path), headers=PROXY_HEADERS)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_until(answers, timeout=timeout, interval=0.3, what="gunicorn to answer")
        wait_until(lambda: len(self.worker_pids()) >= self.workers, timeout=30, what="gunicorn's workers")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in KiB, from /proc."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


# --- load generators ----------------------------------------------------------------------------------


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str | None:
    path = wrk_path()
    if path is None:
        return None
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False, timeout=10)
    match = re.search(r"wrk (\S+)", output.stdout + output.stderr)
    return match.group(1) if match else "unknown"


def run_wrk(url: str, *, seconds: float, connections: int) -> dict:
    """``wrk`` for ``seconds`` against ``url``: requests, requests/s, errors."""
    argv = [wrk_path(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for name, value in PROXY_HEADERS.items():
        argv += ["-H", f"{name}: {value}"]
    result = subprocess.run([*argv, url], capture_output=True, text=True, check=False, timeout=seconds + 60)
    out = result.stdout
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or out}")
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if sockets:
        connect, _read, write, timeout = (int(g) for g in sockets.groups())
        # A sync gunicorn worker closes the connection after each response: wrk counts those as
        # "read" errors while reconnecting; only the others are failures.
        errors += connect + write + timeout
    return {"requests": requests, "rps": rps, "errors": errors, "tool": "wrk"}


def run_python_load(url: str, *, seconds: float, connections: int) -> dict:
    """The small Python load generator (``bench.load``) in a subprocess."""
    argv = [
        sys.executable,
        "-m",
        "bench.load",
        url,
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
    ]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if result.returncode != 0:
        raise RuntimeError(f"bench.load failed: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    return {**report, "tool": "python"}


def load(url: str, *, seconds: float, connections: int, tool: str) -> dict:
    result = (run_wrk if tool == "wrk" else run_python_load)(url, seconds=seconds, connections=connections)
    if result["errors"] or not result["requests"]:
        raise RuntimeError(f"load on {url}: {result['errors']} errors in {result['requests']} requests")
    return result


# --- Celery worker and Redis echo -----------------------------------------------------------------------


class CeleryWorker(Process):
    """``celery -A bench.worker worker`` on the bench's queue (prefork, 2 processes: ``make worker``'s)."""

    def __init__(self, *, env: dict[str, str], log_dir: Path, hostname: str, queue: str):
        argv = [
            str(BIN / "celery"),
            "-A",
            "bench.worker",
            "worker",
            "-Q",
            queue,
            "--pool=prefork",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            "-n",
            hostname,
        ]
        super().__init__("celery-worker", argv, env=env, log_dir=log_dir)


class RedisEcho(Process):
    """``python -m bench.handoff``: the other end of the raw Redis hand-off."""

    def __init__(self, *, env: dict[str, str], log_dir: Path):
        super().__init__("redis-echo", [sys.executable, "-m", "bench.handoff"], env=env, log_dir=log_dir)
