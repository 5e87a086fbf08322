"""Settings for the test suite: the environment-driven settings, made fast and hermetic.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite
runs on the embedded defaults and against real services.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# The tests' cache is in memory on purpose (CACHES below): one process, no check error (config.E001).
# Subprocesses that inherit the environment (manage.py commands, the bench's smoke run) get it too.
os.environ.setdefault("ALLOW_LOCAL_CACHE", "1")

from .settings import *  # noqa: F403
from .settings import VAR_DIR

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
