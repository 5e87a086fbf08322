import pytest
from django.contrib.contenttypes.models import ContentType

from tests.notifications.helpers import Cast


@pytest.fixture(autouse=True)
def _documents_in_memory(settings):
    """Uploaded documents go to an in-memory storage: fast, and nothing left on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def cast(db) -> Cast:
    from workflows.models import MembershipApplication

    ContentType.objects.get_for_model(MembershipApplication)
    return Cast.create()
