import pytest
from django.contrib.contenttypes.models import ContentType

from tests.workflows.helpers import People


@pytest.fixture(autouse=True)
def _documents_in_memory(settings):
    """Uploaded documents go to an in-memory storage: fast, and nothing left on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def people(db) -> People:
    """Applicant A and B, the secretariat, two reviewers, a committee of three."""
    # The log's content type is cached per process; look it up once so that query counts
    # do not depend on which test ran first.
    from workflows.models import MembershipApplication

    ContentType.objects.get_for_model(MembershipApplication)
    return People.create()
