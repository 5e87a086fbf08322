"""The health check for load balancers and orchestrators: ``/healthz``."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from registry.replica import replica_configured, replica_status


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


def _replica_checks() -> dict:
    """The directory's replica: its state, its lag, and where directory reads go now."""
    if not replica_configured():
        return {"replica": "none"}
    status = replica_status(fresh=True)
    return {
        "replica": status.state,
        "replica_lag_seconds": None if status.lag_seconds is None else round(status.lag_seconds, 3),
        "replica_lag_bytes": status.lag_bytes,
        "directory_reads": status.reads,
    }


@never_cache
@require_safe
def healthz(request):
    """Liveness for load balancers: 503 when the database is unreachable.

    A broker outage degrades the service (notifications wait in the outbox), and so does a replica
    that lags or does not answer (the directory reads the primary meanwhile), but neither takes the
    web process out of rotation.
    """
    checks = {"database": _database_status(), "broker": _broker_status(), **_replica_checks()}
    healthy = checks["database"] == "ok"
    degraded = checks["broker"] == "unreachable" or checks["replica"] not in ("none", "ok")
    status = ("degraded" if degraded else "ok") if healthy else "down"
    return JsonResponse({"status": status, **checks}, status=200 if healthy else 503)
