"""The Celery app of ``config.celery`` with two probes, for ``celery -A bench.worker worker``.

When a ``deliver_notification`` task starts (``task_prerun``, in the pool process) and
ends (``task_postrun``), the monotonic clock is pushed to Redis under
``BENCH_REDIS_PREFIX``; ``worker_ready`` says when the worker consumes. The project's
own tasks, routes and settings are unchanged.
"""

import os
import time

import orjson
import redis
from celery.signals import task_postrun, task_prerun, worker_ready

from config.celery import app

__all__ = ["app"]

DELIVERY_TASK = "workflows.tasks.deliver_notification"
_clients: dict[int, redis.Redis] = {}


def _redis() -> redis.Redis:
    pid = os.getpid()  # one client per pool process
    if pid not in _clients:
        _clients[pid] = redis.Redis.from_url(os.environ["REDIS_URL"])
    return _clients[pid]


def _key(name: str) -> str:
    return f"{os.environ['BENCH_REDIS_PREFIX']}:{name}"


@task_prerun.connect
def _task_started(task=None, kwargs=None, **extra) -> None:
    now = time.monotonic()
    if task is not None and task.name == DELIVERY_TASK:
        _redis().rpush(_key("started"), orjson.dumps({"t": now, "id": (kwargs or {}).get("notification_id")}))


@task_postrun.connect
def _task_finished(task=None, kwargs=None, state=None, **extra) -> None:
    if task is not None and task.name == DELIVERY_TASK:
        _redis().rpush(
            _key("finished"), orjson.dumps({"id": (kwargs or {}).get("notification_id"), "state": state})
        )


@worker_ready.connect
def _ready(**kwargs) -> None:
    _redis().rpush(_key("worker-ready"), b"1")
