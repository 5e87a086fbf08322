"""System checks of the deployment (``manage.py check``, ``check --deploy``).

- ``config.W001`` (``--deploy``): DEBUG off and ``TRUSTED_PROXIES`` empty. Behind a reverse proxy,
  every request then has the proxy's address, and one client's failed log-ins or API requests
  lock out or throttle everybody. Silence it (``SILENCED_SYSTEM_CHECKS=config.W001``) only when
  nothing stands in front of the application server.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
