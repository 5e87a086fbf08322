"""Structured logs: one JSON line per request and per Celery task, joined by a request id.

django-structlog writes ``request_finished`` (``request_failed`` on an exception) for
each request and ``task_succeeded`` / ``task_failed`` for each task; the start
events are at DEBUG, so at the default INFO level each request and each task is
one line. The request id comes from an incoming ``X-Request-ID`` header when it is
well formed (``RequestIdMiddleware``), or is a new UUID; it goes back in the
response's ``X-Request-ID`` and travels in the message headers of every task the
request enqueues, whose lines carry it too.

``logging_config()`` builds ``LOGGING`` for settings; ``configure_structlog()`` is
called once from settings. The signal receivers below are connected by
``config.celery``, which every process (web, worker, beat, manage.py) imports.
"""

import time
from typing import Any

import structlog

from .proxies import client_ip

JSON = "json"
CONSOLE = "console"
FORMATS = (JSON, CONSOLE)

# What a task inherits from the request that enqueued it: ids only, never the client's
# address or anything else bound by a view (the message lives in the broker).
TASK_CONTEXT_KEYS = ("request_id", "correlation_id", "user_id", "parent_task_id")

# Processors shared by structlog's own loggers and by plain ``logging`` records (Django,
# Celery, libraries), so that every line has the same keys.
_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_structlog() -> None:
    """structlog hands its events to ``logging``, whose handlers format them (see ``logging_config``)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(fmt: str) -> dict[str, Any]:
    """A ``logging`` formatter entry: one JSON object per line, or colourless console lines."""
    renderer = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if fmt == JSON
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if fmt == JSON:
        processors.append(structlog.processors.format_exc_info)  # the traceback as one string field
    processors.append(renderer)
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": processors,
        "foreign_pre_chain": _SHARED_PROCESSORS,
    }


def logging_config(*, fmt: str, level: str, tasks_in_process: bool) -> dict[str, Any]:
    """``LOGGING`` for settings: everything through the root logger, rendered as ``fmt``.

    With a worker, django-structlog's ``task_succeeded`` is a task's line, so Celery's own
    "received" / "succeeded" lines are dropped. With tasks run in-process (no broker) the
    worker's signals are not connected: Celery's "succeeded" line, which carries the
    request's id as any line does, is the task's line.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {JSON: formatter(JSON), CONSOLE: formatter(CONSOLE)},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (console when DEBUG, mail_admins) would print a second,
            # unstructured line: its records go to the root handler only.
            "django": {"handlers": [], "level": level, "propagate": True},
            # 4xx responses are already in request_finished; keep Django's lines for errors.
            "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
            # runserver's access log repeats request_finished.
            "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
            "celery.app.trace": {"handlers": [], "level": level if tasks_in_process else "WARNING"},
            "celery.worker.strategy": {"handlers": [], "level": "WARNING"},
        },
    }


# --- signal receivers (django-structlog) -------------------------------------------------------


def _bind_request_start(request, logger, log_kwargs, **kwargs) -> None:
    from django.conf import settings

    request._log_started_at = time.monotonic()
    if getattr(settings, "LOG_CLIENT_IP", True):
        structlog.contextvars.bind_contextvars(ip=client_ip(request))


def _add_request_duration(request, logger, response, log_kwargs, **kwargs) -> None:
    started = getattr(request, "_log_started_at", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.monotonic() - started) * 1000, 1)


def _task_context(context: dict[str, Any], **kwargs) -> None:
    """Keep only ids in the context that travels with a task (and JSON-serializable values)."""
    for key in list(context):
        if key not in TASK_CONTEXT_KEYS:
            del context[key]


def _bind_task_name(task, logger, **kwargs) -> None:
    """Every line of a task, its final ``task_succeeded`` / ``task_failed`` included, names it."""
    structlog.contextvars.bind_contextvars(task=task.name)


def connect_receivers() -> None:
    from django_structlog import signals
    from django_structlog.celery import signals as celery_signals

    uid = "config.logs"
    signals.bind_extra_request_metadata.connect(_bind_request_start, dispatch_uid=f"{uid}.start")
    signals.bind_extra_request_finished_metadata.connect(
        _add_request_duration, dispatch_uid=f"{uid}.duration"
    )
    celery_signals.modify_context_before_task_publish.connect(
        _task_context, dispatch_uid=f"{uid}.task_context"
    )
    celery_signals.bind_extra_task_metadata.connect(_bind_task_name, dispatch_uid=f"{uid}.task_name")
