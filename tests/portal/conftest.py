"""Fixtures of the portal's page tests. The people and the walk to a state are in tests/cast.py."""

import uuid

import pytest


@pytest.fixture(autouse=True)
def _portal_settings(settings):
    """Documents in memory, a fresh cache for the rate limits, two-factor not required unless a test says so."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    settings.OFFICERS_REQUIRE_MFA = False


@pytest.fixture
def client_as(client):
    """``client_as(user)``: the test client logged in as ``user`` (anonymous: logged out)."""

    def login(user):
        client.logout()
        if getattr(user, "is_authenticated", False):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
