"""The Celery application. Without REDIS_URL, tasks run in-process (see settings)."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

from . import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("federation_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Structured logs (config/logs.py): the worker logs one line per task with the request id
# that the enqueuing request (or task) put in the message headers.
app.steps["worker"].add(DjangoStructLogInitStep)
logs.connect_receivers()


@setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Worker and beat log through settings.LOGGING rather than Celery's own root handler."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
