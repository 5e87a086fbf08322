import pytest


@pytest.fixture(autouse=True)
def _documents_in_memory(settings):
    """Uploaded documents go to an in-memory storage: fast, and nothing left on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
