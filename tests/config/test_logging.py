"""Structured logs: one JSON line per request and per task, joined by the request id."""

import os
import runpy
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import signals as celery_signals
from celery.contrib.testing.worker import start_worker
from django_structlog.celery.steps import DjangoStructLogInitStep

from config.celery import app as celery_app
from tests.config.tasks import ran

BASE_DIR = Path(__file__).resolve().parents[2]


def finished(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["event"] in ("request_finished", "request_failed")]


@pytest.mark.django_db
def test_a_request_writes_one_json_line_with_its_request_id(client, json_logs):
    response = client.get("/healthz")

    lines = json_logs()
    assert len(lines) == 1
    (line,) = lines
    assert line["event"] == "request_finished"
    assert line["request_id"] == response["X-Request-ID"]
    uuid.UUID(line["request_id"])
    assert line["request"] == "GET /healthz"
    assert line["code"] == 200
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("Z")
    assert line["user_id"] is None


@pytest.mark.django_db
def test_a_signed_in_request_logs_the_user_id_never_the_address(client, json_logs, django_user_model):
    user = django_user_model.objects.create_user(username="someone@example.org", email="someone@example.org")
    client.force_login(user)

    client.get("/healthz")

    (line,) = finished(json_logs())
    assert line["user_id"] == user.pk
    assert "someone@example.org" not in str(line)


@pytest.mark.django_db
def test_an_incoming_request_id_is_kept_and_returned(client, json_logs):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-2f1c9a7e.42"})

    assert response["X-Request-ID"] == "lb-2f1c9a7e.42"
    assert finished(json_logs())[0]["request_id"] == "lb-2f1c9a7e.42"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["", "has space", "line\nbreak", "x" * 129, "<script>", "-leading-dash", "ünïcode"]
)
def test_a_malformed_request_id_is_replaced_by_a_new_one(client, json_logs, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)

    request_id = response["X-Request-ID"]
    assert request_id != bad
    uuid.UUID(request_id)
    assert finished(json_logs())[0]["request_id"] == request_id


@pytest.mark.django_db
def test_the_client_address_is_the_one_our_proxy_saw(client, json_logs, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]  # the test client's REMOTE_ADDR

    client.get("/healthz", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})

    assert finished(json_logs())[0]["ip"] == "203.0.113.7"


@pytest.mark.django_db
def test_x_forwarded_for_from_an_untrusted_address_is_not_logged_as_the_client(client, json_logs, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"}, REMOTE_ADDR="192.0.2.44")

    assert finished(json_logs())[0]["ip"] == "192.0.2.44"


@pytest.mark.django_db
def test_a_refused_oversized_request_is_logged_too(client, json_logs):
    response = client.generic("POST", "/healthz", data=b"", CONTENT_LENGTH=str(100 * 1024 * 1024))

    assert response.status_code == 413
    (line,) = finished(json_logs())
    assert line["code"] == 413
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.urls("tests.config.urls")
def test_a_task_run_in_process_logs_with_the_request_id(client, json_logs):
    assert celery_app.conf.task_always_eager
    token = uuid.uuid4().hex

    response = client.get("/enqueue/", {"token": token})

    task_lines = [line for line in json_logs() if line.get("token") == token]
    assert len(task_lines) == 1
    assert task_lines[0]["event"] == "test_task_logged"
    assert task_lines[0]["request_id"] == response["X-Request-ID"]


def _disconnect_worker_receivers(worker) -> None:
    """The worker step connects django-structlog's worker receivers for the whole process:
    take them off again, or later in-process tasks would clear the request's log context."""
    for step in worker.steps:
        if isinstance(step, DjangoStructLogInitStep):
            receiver = step.receiver
            for signal, method in [
                (celery_signals.before_task_publish, receiver.receiver_before_task_publish),
                (celery_signals.after_task_publish, receiver.receiver_after_task_publish),
                (celery_signals.task_prerun, receiver.receiver_task_prerun),
                (celery_signals.task_retry, receiver.receiver_task_retry),
                (celery_signals.task_success, receiver.receiver_task_success),
                (celery_signals.task_failure, receiver.receiver_task_failure),
                (celery_signals.task_revoked, receiver.receiver_task_revoked),
                (celery_signals.task_unknown, receiver.receiver_task_unknown),
                (celery_signals.task_rejected, receiver.receiver_task_rejected),
            ]:
                signal.disconnect(method)


@pytest.mark.urls("tests.config.urls")
def test_a_worker_task_logs_with_the_request_id_of_the_request_that_enqueued_it(
    client, json_logs, monkeypatch
):
    """Through the broker (memory://, or Redis with REDIS_URL) to a worker with the project's
    DjangoStructLogInitStep: the id travels in the message headers, not in the thread."""
    # The embedded worker would set up logging again (Celery's setup_logging, Django's setup
    # through Celery's Django fixup), replacing the test's handlers: keep them.
    monkeypatch.setattr(celery_app.log, "setup", lambda *args, **kwargs: None)
    monkeypatch.setattr("django.utils.log.configure_logging", lambda *args, **kwargs: None)
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    assert DjangoStructLogInitStep in celery_app.steps["worker"]
    token = uuid.uuid4().hex
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as worker:
            try:
                response = client.get("/enqueue/", {"token": token}, headers={"X-Request-ID": f"req-{token}"})
                assert ran(token).wait(timeout=20), "the worker did not run the task"
                for _ in range(200):  # task_succeeded is written just after the task returns
                    if any(line["event"] == "task_succeeded" for line in json_logs()):
                        break
                    ran(token).wait(0.05)
            finally:
                _disconnect_worker_receivers(worker)
    finally:
        celery_app.conf.task_always_eager = eager

    lines = json_logs()
    request_line = next(line for line in lines if line["event"] == "request_finished")
    task_lines = [line for line in lines if line.get("task_id") and line["event"] != "request_finished"]
    assert request_line["request_id"] == response["X-Request-ID"] == f"req-{token}"
    assert {line["event"] for line in task_lines} >= {"test_task_logged", "task_succeeded"}
    for line in task_lines:
        assert line["request_id"] == f"req-{token}", line
        assert line["task"] == "tests.config.tasks.log_something"
        assert "ip" not in line  # the message carries ids only
    succeeded = next(line for line in task_lines if line["event"] == "task_succeeded")
    assert succeeded["level"] == "info"
    assert isinstance(succeeded["duration_ms"], int)


def settings_module(monkeypatch, **env: str) -> dict:
    """config/settings.py evaluated afresh with ``env`` (what a process started with it would get)."""
    for name in ("DEBUG", "LOG_FORMAT", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "0"}, "json"),
        ({"DEBUG": "1"}, "console"),
        ({"DEBUG": "0", "LOG_FORMAT": "console"}, "console"),
        ({"DEBUG": "1", "LOG_FORMAT": "JSON"}, "json"),
    ],
)
def test_log_format_is_json_in_production_and_console_for_development(monkeypatch, env, expected):
    module = settings_module(monkeypatch, **env)

    assert module["LOG_FORMAT"] == expected
    assert module["LOGGING"]["handlers"]["console"]["formatter"] == expected


def test_with_a_worker_celerys_own_task_lines_give_way_to_task_succeeded(monkeypatch):
    with_worker = settings_module(monkeypatch, DEBUG="0", REDIS_URL="redis://127.0.0.1:6379/0")
    in_process = settings_module(monkeypatch, DEBUG="0")

    assert with_worker["LOGGING"]["loggers"]["celery.app.trace"]["level"] == "WARNING"
    assert in_process["LOGGING"]["loggers"]["celery.app.trace"]["level"] == "INFO"


def test_an_unknown_log_format_stops_the_start_with_a_message():
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "LOG_FORMAT must be one of: json, console" in result.stderr
    assert "Traceback" not in result.stderr
