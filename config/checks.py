"""System checks of the deployment (``manage.py check``, ``check --deploy``).

- ``config.E001`` (every check: ``manage.py check``, ``migrate``, ``runserver``, management
  commands): DEBUG off and a cache that is not shared between processes (``LocMemCache`` without
  ``REDIS_URL``, or ``DummyCache``), unless ``ALLOW_LOCAL_CACHE`` is on. The API's throttles and
  allauth's log-in limits count in the default cache: per process, each of N web processes would
  allow the whole limit, N times in all. ``ALLOW_LOCAL_CACHE=1`` is for a single-process deployment.
- ``config.W001`` (``--deploy``): DEBUG off and ``TRUSTED_PROXIES`` empty. Behind a reverse proxy,
  every request then has the proxy's address, and one client's failed log-ins or API requests
  lock out or throttle everybody. Silence it (``SILENCED_SYSTEM_CHECKS=config.W001``) only when
  nothing stands in front of the application server.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Caches whose counts one process cannot see from another (or that count nothing at all).
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, Tags.security)
def check_shared_cache(app_configs, **kwargs) -> list:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES or getattr(settings, "ALLOW_LOCAL_CACHE", False):
        return []
    return [
        Error(
            f"The default cache ({backend.rpartition('.')[2]}) is not shared between processes: with "
            "several web processes each one counts the API's rate limits and the log-in limits alone.",
            hint=(
                "Set REDIS_URL to a Redis server that every web process uses. For a deployment of one "
                "single process (one gunicorn worker, no other web server), set ALLOW_LOCAL_CACHE=1."
            ),
            id="config.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs) -> list:
    if settings.DEBUG or settings.TRUSTED_PROXIES:
        return []
    return [
        Warning(
            "TRUSTED_PROXIES is empty: X-Forwarded-For is ignored and each request's client "
            "address is REMOTE_ADDR.",
            hint=(
                "Behind a reverse proxy, set TRUSTED_PROXIES to its address or network "
                "(e.g. TRUSTED_PROXIES=127.0.0.1/32 for nginx on the same host); otherwise every "
                "client has the proxy's address in the rate limits and the logs. API_NUM_PROXIES "
                "is no longer read. With nothing in front of the application server, silence this "
                "with SILENCED_SYSTEM_CHECKS=config.W001."
            ),
            id="config.W001",
        )
    ]
