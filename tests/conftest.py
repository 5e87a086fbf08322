"""Shared fixtures, and the rule for tests that need real services.

Tests marked ``postgres`` or ``redis`` skip with a reason when the service is not
configured, and fail instead when ``REQUIRE_SERVICES=1`` (as in CI).
"""

import os

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not redis_available():
        _missing("this test needs Redis: set REDIS_URL=redis://… to a running server")


@pytest.fixture
def regions(db):
    """The default regions and country mapping."""
    from registry.regions import load_default_regions

    load_default_regions()
    from registry.models import Region

    return {r.code: r for r in Region.objects.all()}


@pytest.fixture
def cast(db):
    """The people of every test (tests/cast.py): applicant A and B, a secretariat of two, two
    reviewers to assign and one never assigned, an Executive Committee of three."""
    from django.contrib.contenttypes.models import ContentType

    from tests.cast import Cast
    from workflows.models import MembershipApplication

    # The state log's content type is cached per process: look it up first, so that query
    # counts do not depend on which test ran before.
    ContentType.objects.get_for_model(MembershipApplication)
    return Cast.create()


@pytest.fixture
def client_as(client):
    """``client_as(user)``: the test client logged in as ``user`` (anonymous: logged out)."""

    def login(user):
        client.logout()
        if getattr(user, "is_authenticated", False):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
