"""Settings for the test suite: the environment-driven settings, made fast and hermetic.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite
runs on the embedded defaults and against real services.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# The tests' cache is in memory on purpose (CACHES below): one process, no check error (config.E001).
# Subprocesses that inherit the environment (manage.py commands, the bench's smoke run) get it too.
os.environ.setdefault("ALLOW_LOCAL_CACHE", "1")

from .settings import *  # noqa: F403
from .settings import VAR_DIR, _pooled

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = VAR_DIR / "test-media"
# Tasks run in-process in unit tests; integration tests start a real worker (and turn eager
# off in the test process); CELERY_EAGER=0 turns it off for the whole run.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_EAGER", "1") != "0"
# Rate-limit counters in memory, whatever REDIS_URL says (tests/api/conftest.py clears them per test).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}

# SQLite: the test database is a file, one per test process, rather than Django's in-memory one.
# Live-server tests (tests/hardening, tests/e2e) answer requests in other threads; with an
# in-memory database Django hands those threads the test's own connection, and sharing it fails
# at random on Python 3.13 (sqlite3.InterfaceError: bad parameter or other API misuse). With a
# file every thread opens its own connection. Django deletes the file at the end of the run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"fedreg-test-{os.getpid()}.sqlite3")
    }
    # A test database need not survive a power cut: no fsync at each commit (as fast as memory).
    DATABASES["default"]["OPTIONS"]["init_command"] += "PRAGMA synchronous=OFF;"  # noqa: F405

# The replica alias: TEST_REPLICA_URL (a real streaming replica of DATABASE_URL's server, as `.ci/replica`
# makes: tests/integration/test_replica.py) or DATABASE_REPLICA_URL, else a second connection to the
# test database. Either way it is a test mirror: Django never creates a test database on it (a standby
# receives the primary's test database by replication). Directory reads stay on the primary unless a
# test turns DATABASE_REPLICA_READS on, so the rest of the suite runs as without a replica.
TEST_REPLICA_URL = os.environ.get("TEST_REPLICA_URL", "")
if TEST_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(TEST_REPLICA_URL)  # noqa: F405
    _pooled(DATABASES["replica"], timeout=2)  # noqa: F405
elif "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "OPTIONS": {**DATABASES["default"].get("OPTIONS", {})}}  # noqa: F405
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
DATABASE_REPLICA_READS = False
