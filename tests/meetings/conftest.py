import datetime

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _papers_in_memory(settings):
    """Agenda papers go to an in-memory storage: fast, and nothing left on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def next_week():
    """A meeting's start a week from now, on the hour (UTC)."""
    return (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
