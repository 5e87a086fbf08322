"""A task for the logging tests: it logs one line and tells the test it ran."""

import threading

import structlog
from celery import shared_task

logger = structlog.get_logger(__name__)

RAN: dict[str, threading.Event] = {}


def ran(token: str) -> threading.Event:
    return RAN.setdefault(token, threading.Event())


@shared_task(name="tests.config.tasks.log_something")
def log_something(token: str) -> str:
    logger.info("test_task_logged", token=token)
    ran(token).set()
    return token
