"""Rate limits: one bucket per client IP for anonymous requests, one per key for partners.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``anon``, ``partner``;
set by ``API_RATE_ANON`` / ``API_RATE_PARTNER``), read on every request so a changed
setting takes effect without reloading classes. Counters live in the default cache.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .permissions import is_partner


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(_RateFromSettings, AnonRateThrottle):
    """Requests without a partner key, per client IP."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if is_partner(request):
            return None
        return super().get_cache_key(request, view)


class PartnerRateThrottle(_RateFromSettings, SimpleRateThrottle):
    """Requests with a partner key, per key."""

    scope = "partner"

    def get_cache_key(self, request, view):
        if not is_partner(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
