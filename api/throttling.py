"""Rate limits: one bucket per client IP for anonymous requests, one per key for partners.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``anon``, ``partner``;
set by ``API_RATE_ANON`` / ``API_RATE_PARTNER``), read on every request so a changed
setting takes effect without reloading classes. Counters live in the default cache.

DRF's ``SimpleRateThrottle`` reads a client's history from the cache, decides, and writes it
back: concurrent requests of one client all read the same history and all pass (50 at once
against Redis let 30 to 36 through a limit of 20). ``LockedHistoryMixin`` makes that
read-decide-write one step per client, under a short lock taken with ``cache.add`` (atomic in
Redis and in memory); the limits and ``Retry-After`` stay DRF's.

A client's address is ``config.proxies.client_ip``'s (X-Forwarded-For only from ``TRUSTED_PROXIES``),
the same as for the log-in limits and the logs, never DRF's ``NUM_PROXIES`` rule.
"""

import functools
import time

from rest_framework.exceptions import APIException, Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from config.proxies import client_ip

from .permissions import is_partner


class LockedHistoryMixin:
    """DRF's sliding-window check and update, one request at a time per client (cache key).

    A client's address (``get_ident``, the anonymous bucket's key) is ``client_ip``'s.
    """

    lock_seconds = 2  # a lock's lifetime: a process that died holding it frees it by then
    lock_wait_seconds = 2.0  # how long a request waits for the lock before it is refused
    lock_poll_seconds = 0.002

    def get_ident(self, request) -> str:
        return client_ip(request) or ""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        lock = f"{key}:lock"
        deadline = time.monotonic() + self.lock_wait_seconds
        while not self.cache.add(lock, 1, self.lock_seconds):
            if time.monotonic() > deadline:  # the cache is slow or stuck: refuse, never let through
                self.key, self.now, self.history = key, self.timer(), []
                return self.throttle_failure()
            time.sleep(self.lock_poll_seconds)
        try:
            return super().allow_request(request, view)
        finally:
            self.cache.delete(lock)


class AtomicRateThrottle(LockedHistoryMixin, SimpleRateThrottle):
    """``SimpleRateThrottle`` with the check and the count made atomic per client."""


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(_RateFromSettings, LockedHistoryMixin, AnonRateThrottle):
    """Requests without a partner key, per client IP."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if is_partner(request):
            return None
        return super().get_cache_key(request, view)


class PartnerRateThrottle(_RateFromSettings, AtomicRateThrottle):
    """Requests with a partner key, per key."""

    scope = "partner"

    def get_cache_key(self, request, view):
        if not is_partner(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class RefusedCredentialsThrottle(AnonymousRateThrottle):
    """The anonymous bucket of the caller's address, for a request whose key or token was refused.

    Authentication runs before the views' throttles, so a refused partner key or personal token
    never reached them: keys could be guessed at any speed. ``counts_refusals`` counts such a
    request against the address's anonymous limit (``API_RATE_ANON``, the same bucket as its
    anonymous requests) and answers 429 once it is spent.
    """

    def get_cache_key(self, request, view):
        # Not AnonymousRateThrottle's: asking whether the request is a partner's would
        # authenticate it again, from inside its authentication.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def counts_refusals(authenticate):
    """Decorates an authentication class's ``authenticate``: each refusal it raises (a malformed,
    unknown, revoked or expired key or token) counts against the caller's address in the anonymous
    rate limit, and once that is spent the answer is 429 (``Throttled``) instead."""

    @functools.wraps(authenticate)
    def wrapper(self, request):
        try:
            return authenticate(self, request)
        except APIException:
            throttle = RefusedCredentialsThrottle()
            if not throttle.allow_request(request, None):
                raise Throttled(wait=throttle.wait()) from None
            raise

    return wrapper
