"""Fixtures of the portal's page tests: the cast of people, applications walked to a state."""

import uuid
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType

from tests.factories import (
    ApplicationFactory,
    applicant_user,
    attach_required_documents,
    committee_member,
    reviewer_user,
    secretariat_user,
)
from workflows import services
from workflows.models import ApplicationState, MembershipApplication

S = ApplicationState

# Every role of the permission tables.
ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "secretariat",
    "assigned_reviewer",
    "other_reviewer",
    "committee",
)


@dataclass
class Cast:
    """Applicant A (owner) and B, the secretariat, an assigned and another reviewer, a committee of three."""

    applicant: object
    other_applicant: object
    secretariat: object
    reviewers: list  # the two assigned reviewers
    other_reviewer: object
    committee: list
    anonymous: AnonymousUser = field(default_factory=AnonymousUser)

    def role(self, name: str):
        return {
            "anonymous": self.anonymous,
            "applicant": self.applicant,
            "other_applicant": self.other_applicant,
            "secretariat": self.secretariat,
            "assigned_reviewer": self.reviewers[0],
            "other_reviewer": self.other_reviewer,
            "committee": self.committee[0],
        }[name]


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
def cast(db) -> Cast:
    ContentType.objects.get_for_model(MembershipApplication)
    return Cast(
        applicant=applicant_user(),
        other_applicant=applicant_user(),
        secretariat=secretariat_user(),
        reviewers=[reviewer_user(), committee_member()],
        other_reviewer=reviewer_user(),
        committee=[committee_member() for _ in range(2)],
    )


def reload(application: MembershipApplication) -> MembershipApplication:
    return MembershipApplication.objects.get(pk=application.pk)


def draft_of(cast: Cast, **kwargs) -> MembershipApplication:
    """A complete draft of applicant A, with its required documents."""
    application = ApplicationFactory(applicant=cast.applicant, **kwargs)
    attach_required_documents(application)
    return application


ORDER = [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.REVIEWED, S.EXECUTIVE_VOTE, S.ADMITTED]


def walk(application: MembershipApplication, to: str, cast: Cast) -> MembershipApplication:
    """Take ``application`` (a complete draft) to the state ``to`` through the services."""
    sec = cast.secretariat
    if to == S.INFO_REQUESTED:
        application = walk(application, S.SUBMITTED, cast)
        services.application_request_info(
            application=application, actor=sec, comment="Please send your statutes."
        )
        return reload(application)
    if to == S.REJECTED:
        application = walk(application, S.SUBMITTED, cast)
        services.application_reject(application=application, actor=sec, comment="Not a student union.")
        return reload(application)
    if to == S.WITHDRAWN:  # a draft is deleted, never withdrawn: withdrawn once sent
        application = walk(application, S.SUBMITTED, cast)
        services.application_withdraw(application=application, actor=cast.applicant)
        return reload(application)
    for state in ORDER[1 : ORDER.index(to) + 1]:
        application = reload(application)
        if state == S.SUBMITTED:
            services.application_submit(application=application, actor=cast.applicant)
        elif state == S.UNDER_REVIEW:
            services.application_start_review(application=application, actor=sec, reviewers=cast.reviewers)
            for reviewer in cast.reviewers:
                services.review_submit(
                    application=reload(application),
                    reviewer=reviewer,
                    recommendation="admit",
                    comment="Eligible.",
                )
        elif state == S.REVIEWED:
            services.application_complete_review(application=application, actor=sec)
        elif state == S.EXECUTIVE_VOTE:
            services.vote_open(application=application, actor=sec)
        elif state == S.ADMITTED:
            # Committee: the second reviewer plus the two committee members.
            for member in [cast.reviewers[1], *cast.committee]:
                services.vote_cast(application=reload(application), member=member, choice="yes")
    return reload(application)


@pytest.fixture
def application_in(cast, regions):
    """``application_in(state)``: applicant A's application walked to ``state``."""

    def make(state: str = S.DRAFT, **kwargs) -> MembershipApplication:
        kwargs.setdefault("region", regions["africa-east"])
        return walk(draft_of(cast, **kwargs), state, cast)

    return make


@pytest.fixture
def client_as(client):
    """``client_as(user)``: the test client logged in as ``user`` (anonymous: logged out)."""

    def login(user):
        client.logout()
        if getattr(user, "is_authenticated", False):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
