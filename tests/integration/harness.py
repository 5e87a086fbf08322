"""Real services for the integration tests: an SMTP server that records (and can refuse), a
Redis server of our own that can be killed and restarted, and a Celery worker subprocess.

Each is started by a fixture and always stopped by its finalizer; waits are bounded.
To debug: INTEGRATION_WORKER_LOG_LEVEL=INFO KEEP_WORKER_LOGS=1 keeps each worker's log
in /tmp/integration-<id>.log.
"""

import asyncio
import contextlib
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "the condition"):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- SMTP ------------------------------------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    recipients: list[str]
    subject: str


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler: records every accepted message; refuses on request.

    ``fail_first``: refuse the first N attempts of each message (by Message-ID) with a 4xx.
    ``permanent``: refuse every message with a 5xx. ``delay``: seconds per message.
    """

    fail_first: int = 0
    permanent: bool = False
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        message_id = message["Message-ID"]
        with self.lock:
            self.attempts[message_id] += 1
            attempt = self.attempts[message_id]
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.permanent:
            return "554 5.7.1 Message refused"
        if attempt <= self.fail_first:
            return "451 4.3.0 Temporary failure, please try again later"
        with self.lock:
            self.received.append(Received(message_id, list(envelope.rcpt_tos), str(message["Subject"])))
        return "250 2.0.0 OK"

    def by_message_id(self) -> Counter:
        with self.lock:
            return Counter(r.message_id for r in self.received)

    def count(self) -> int:
        with self.lock:
            return len(self.received)


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.recorder = SmtpRecorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.controller.stop()


# --- Redis ------------------------------------------------------------------------------------------


class RedisServer:
    """Our own redis-server on a free port, without persistence: a restart loses every message."""

    def __init__(self, db: int = 1):
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.db = db
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{self.db}"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=self.db, socket_connect_timeout=0.5)

    def ping(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")
        self.client().flushdb()
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    stop = kill


# --- the Celery worker ---------------------------------------------------------------------------------


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database the tests use (its NAME is the test database's)."""
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class CeleryWorker:
    """``celery -A config worker -Q celery,notifications`` as a subprocess with its own environment."""

    def __init__(self, *, env: dict[str, str], concurrency: int = 4):
        self.env = env
        self.concurrency = concurrency
        self.name = f"integration-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self) -> "CeleryWorker":
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "-Q",
                "celery,notifications",
                "--pool=threads",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                self.name,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self, app, timeout: float = 30) -> None:
        def answers() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"The Celery worker exited:\n{self.output()[-3000:]}")
            try:
                return any(
                    self.name in reply for reply in app.control.ping(destination=[self.name], timeout=0.5)
                )
            except Exception:
                return False

        wait_until(answers, timeout=timeout, interval=0.2, what="the Celery worker to answer a ping")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def stop(self) -> None:
        """Warm shutdown (finish the running tasks), SIGKILL if it does not."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def cleanup(self) -> None:
        self.kill()
        if os.environ.get("KEEP_WORKER_LOGS"):
            shutil.copy(self.log.name, f"/tmp/{self.name.split('@')[0]}.log")
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)
