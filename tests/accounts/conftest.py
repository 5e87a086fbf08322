import uuid

import pytest


@pytest.fixture(autouse=True)
def _accounts_settings(settings):
    """A cache of the test's own (allauth's rate limits count there), two-factor not asked of officers
    unless a test says so, documents in memory."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    settings.OFFICERS_REQUIRE_MFA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
