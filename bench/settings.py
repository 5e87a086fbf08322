"""Settings of the benchmarks: production's (``config.settings``, DEBUG off), with five changes.

1. ``ROOT_URLCONF`` adds the bench-only views (``bench.urls``) in front of the site's.
2. No API throttling: the benchmark sends thousands of anonymous requests from one address.
3. The data sets are extra database aliases (``BENCH_DATABASES``, set by ``python -m bench``)
   chosen per measurement by ``bench.routing``; ``default`` is ``DATABASE_URL`` (and the replica,
   with ``DATABASE_REPLICA_URL``, routed as in production).
4. Tasks are never run in-process: they are published to ``REDIS_URL`` (or to kombu's
   in-memory transport without it), as in production, on a queue of the bench's own
   (``bench-notifications``, every task's); e-mail goes nowhere.
5. The partner API's response cache (``registry.directory_cache``) is on, as in production, in the
   gunicorn the bench starts (its ``BENCH_DATABASES`` is empty: the http_* cases repeat one query, so
   they measure cache hits), and off in the bench's own process, whose in-process cases (api_vs_raw,
   naive_vs_api, scale_*) measure the query path on data sets that answer the same URLs, and in the
   replica_offload gunicorns (``DIRECTORY_RESPONSE_CACHE=0``), which compare where the queries run.

Everything else — middleware, logging, the connection pool, security headers — is production's.
Requests carry ``X-Forwarded-Proto: https`` as the reverse proxy in front would.
"""

import copy
import json
import os

os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)

from config.settings import *  # noqa: F403
from config.settings import DATABASE_REPLICA_URL, DATABASES, REDIS_URL, REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"

DIRECTORY_RESPONSE_CACHE = not json.loads(os.environ.get("BENCH_DATABASES", "{}")) and os.environ.get(
    "DIRECTORY_RESPONSE_CACHE", "1"
) not in ("0", "false", "off")

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}

# alias → {"NAME": database name, "POOL": bool}; the server and user are DATABASE_URL's.
for _alias, _spec in json.loads(os.environ.get("BENCH_DATABASES", "{}")).items():
    DATABASES[_alias] = copy.deepcopy(DATABASES["default"])
    DATABASES[_alias]["NAME"] = _spec["NAME"]
    if not _spec.get("POOL", True):
        DATABASES[_alias]["OPTIONS"].pop("pool", None)
DATABASE_ROUTERS = ["bench.routing.BenchRouter"]
if DATABASE_REPLICA_URL:  # replica_offload's gunicorn: the directory's reads on the replica, as in production
    DATABASE_ROUTERS = ["bench.routing.BenchRouter", "registry.replica.ReplicaRouter"]

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = REDIS_URL or "memory://"
# A queue of the bench's own: no other worker on the same Redis takes (or sends) these messages.
BENCH_NOTIFICATIONS_QUEUE = "bench-notifications"
CELERY_TASK_ROUTES = {"workflows.tasks.deliver_notification": {"queue": BENCH_NOTIFICATIONS_QUEUE}}
CELERY_TASK_DEFAULT_QUEUE = BENCH_NOTIFICATIONS_QUEUE  # the sign-ups' account e-mails among the rest
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# The pages' static files are production's (hashed names from the manifest): collected once into the
# bench's own directory by ``bench.runner.collect_static``, again when static/ changes.
STATIC_ROOT = BASE_DIR / "var" / "bench" / "static"  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
