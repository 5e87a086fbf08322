"""Fixtures of the workflow API tests (tests/api/test_applications*.py), imported by conftest.py.

The people are the suite's cast (tests/cast.py); applications are walked to a state through
the services (``tests.cast.application_in``).
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import PersonalToken
from tests.factories import PartnerKeyFactory


def token_for(user, **kwargs) -> str:
    """A new personal token of ``user``; returns the key (as shown once on the tokens page)."""
    _token, key = PersonalToken.objects.create_key(user=user, name=kwargs.pop("name", "tests"), **kwargs)
    return key


def client_with(authorization: str | None) -> APIClient:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


@pytest.fixture
def workflow_settings(settings):
    """Documents in memory; two-factor for officers is tested on its own (test_applications_auth)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.OFFICERS_REQUIRE_MFA = False


@pytest.fixture
def api_as(cast, workflow_settings):
    """``api_as("secretariat")`` → an APIClient sending that person's personal token (one per role)."""
    clients = {}

    def make(role: str) -> APIClient:
        if role not in clients:
            clients[role] = client_with(f"Token {token_for(cast.role(role))}")
        return clients[role]

    return make


@pytest.fixture
def revoked_partner_key(db):
    key = PartnerKeyFactory()
    key.revoked = True
    key.save()
    return key
