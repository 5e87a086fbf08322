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
