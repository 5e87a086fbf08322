"""Fixtures of the workflow API tests (tests/api/test_applications*.py), imported by conftest.py.

The cast: applicant A (the owner) and B, the secretariat, two reviewers who get assigned
(R1, R2), a third who does not (R3), and an Executive Committee of three. Applications are
walked to a state through the services (``tests.workflows.helpers.application_in``).
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from rest_framework.test import APIClient

from accounts.models import PersonalToken
from tests.factories import PartnerKeyFactory, reviewer_user
from tests.workflows.helpers import People
from workflows.models import MembershipApplication


@dataclass
class Cast(People):
    other_reviewer: Model | None = None
    clients: dict = field(default_factory=dict)

    def user(self, role: str):
        return {
            "applicant": self.applicant,
            "other_applicant": self.other_applicant,
            "secretariat": self.secretariat,
            "assigned_reviewer": self.reviewers[0],
            "other_reviewer": self.other_reviewer,
            "committee": self.committee[0],
        }[role]


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
def cast(db, workflow_settings) -> Cast:
    # The log's content type is cached per process: look it up first so query counts are stable.
    ContentType.objects.get_for_model(MembershipApplication)
    people = People.create()
    return Cast(
        applicant=people.applicant,
        other_applicant=people.other_applicant,
        secretariat=people.secretariat,
        reviewers=people.reviewers,
        committee=people.committee,
        other_reviewer=reviewer_user(),
    )


@pytest.fixture
def api_as(cast):
    """``api_as("secretariat")`` → an APIClient sending that person's personal token."""

    def make(role: str) -> APIClient:
        if role not in cast.clients:
            cast.clients[role] = client_with(f"Token {token_for(cast.user(role))}")
        return cast.clients[role]

    return make


@pytest.fixture
def revoked_partner_key(db):
    key = PartnerKeyFactory()
    key.revoked = True
    key.save()
    return key
