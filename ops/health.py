"""The health check for load balancers and orchestrators: ``/healthz``."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.HEALTHZ_BROKER_TIMEOUT,
            socket_connect_timeout=settings.HEALTHZ_BROKER_TIMEOUT,
        )
        client.ping()
    except redis.RedisError:
        return "unreachable"
    return "ok"


@never_cache
@require_safe
def healthz(request):
    """Liveness for load balancers: 503 when the database is unreachable.

    A broker outage degrades the service (notifications wait in the outbox) but
    does not take the web process out of rotation.
    """
    checks = {"database": _database_status(), "broker": _broker_status()}
    healthy = checks["database"] == "ok"
    status = "ok" if healthy and checks["broker"] != "unreachable" else ("degraded" if healthy else "down")
    return JsonResponse({"status": status, **checks}, status=200 if healthy else 503)
