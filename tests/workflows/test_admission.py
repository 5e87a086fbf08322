"""Admission: the registry's organization and its active membership, in the closing transaction."""

import datetime

import pytest

from registry.models import EndReason, Membership, MembershipCategory, MembershipState, Organization
from registry.selectors import affiliate_list
from tests.cast import application_in, reload
from tests.factories import MembershipFactory, OrganizationFactory
from workflows import services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState

pytestmark = pytest.mark.django_db

S = ApplicationState
COPIED = (
    "name",
    "name_latin",
    "acronym",
    "country",
    "region_id",
    "city",
    "website",
    "email",
    "founded_year",
    "students_represented",
    "kind",
)


def _vote_yes(application, cast):
    for member in cast.committee:
        services.vote_cast(application=application, member=member, choice="yes")
    return reload(application)


def test_admission_creates_the_organization_from_the_application(cast, regions):
    application = application_in(
        S.REVIEWED,
        cast,
        name="Unión de Estudiantes de Chile",
        acronym="UECh",
        country="CL",
        region=regions["south-america"],
        city="Santiago",
        kind="federation",
    )
    services.vote_open(application=application, actor=cast.secretariat, category=MembershipCategory.ASSOCIATE)

    application = _vote_yes(application, cast)

    organization = Organization.objects.get()
    assert application.organization == organization
    assert {f: getattr(organization, f) for f in COPIED} == {f: getattr(application, f) for f in COPIED}
    assert organization.slug == "uech-cl"
    membership = Membership.objects.get()
    assert application.membership == membership
    assert membership.organization == organization
    assert (membership.category, membership.state) == (MembershipCategory.ASSOCIATE, MembershipState.ACTIVE)
    vote_round = application.vote_rounds.get()
    assert membership.admitted_on == vote_round.closed_at.date()
    assert list(affiliate_list().values_list("pk", flat=True)) == [organization.pk]


def test_organization_slugs_stay_unique(cast):
    OrganizationFactory(slug="nus-ke")
    application = application_in(S.EXECUTIVE_VOTE, cast, acronym="NUS", country="KE")

    application = _vote_yes(application, cast)

    assert application.organization.slug == "nus-ke-2"


def test_a_slug_another_admission_took_meanwhile_moves_on_to_the_next(cast, monkeypatch):
    """The unique constraint decides, not a look before the insert: the first guess misses the
    organization another admission just committed, the insert is refused, the next slug is taken."""
    OrganizationFactory(slug="nus-ke")
    application = application_in(S.EXECUTIVE_VOTE, cast, acronym="NUS", country="KE")
    monkeypatch.setattr(services, "_known_slugs", lambda application: set())

    application = _vote_yes(application, cast)

    assert application.state == S.ADMITTED
    assert application.organization.slug == "nus-ke-2"


def test_the_slug_tries_are_bounded_and_then_refused_as_a_conflict(cast, monkeypatch):
    for slug in ("nus-ke", "nus-ke-2", "nus-ke-3"):
        OrganizationFactory(slug=slug)
    application = application_in(S.EXECUTIVE_VOTE, cast, acronym="NUS", country="KE")
    for member in cast.committee[:2]:
        services.vote_cast(application=application, member=member, choice="yes")
    monkeypatch.setattr(services, "_known_slugs", lambda application: set())
    monkeypatch.setattr(services, "SLUG_ATTEMPTS", 3)

    with pytest.raises(WorkflowError) as refused:
        services.vote_close(application=application, actor=cast.secretariat)

    assert refused.value.code == ErrorCode.CONFLICT
    assert reload(application).state == S.EXECUTIVE_VOTE
    assert Organization.objects.count() == 3


def test_a_returning_member_updates_its_existing_organization(cast):
    former = MembershipFactory(
        state=MembershipState.ENDED,
        end_reason=EndReason.WITHDRAWN,
        admitted_on=datetime.date(2001, 1, 1),
        ended_on=datetime.date(2015, 6, 30),
        organization__name="Old Name Students",
        organization__city="Mombasa",
    )
    organization = former.organization
    application = application_in(
        S.EXECUTIVE_VOTE, cast, organization=organization, name="New Name Students", city="Kisumu"
    )

    application = _vote_yes(application, cast)

    assert Organization.objects.count() == 1
    organization.refresh_from_db()
    assert application.organization == organization
    assert (organization.name, organization.city, organization.slug) == (
        "New Name Students",
        "Kisumu",
        former.organization.slug,
    )
    assert {f: getattr(organization, f) for f in COPIED} == {f: getattr(application, f) for f in COPIED}
    assert list(organization.memberships.values_list("state", flat=True).order_by("admitted_on")) == [
        MembershipState.ENDED,
        MembershipState.ACTIVE,
    ]
    former.refresh_from_db()
    assert former.ended_on == datetime.date(2015, 6, 30)


def test_admission_of_an_organization_still_active_keeps_its_membership(cast):
    """A decided vote can always be recorded: an organization that is still an active member
    keeps its one membership, in the category voted, and the round closes."""
    active = MembershipFactory(category="observer")
    application = application_in(S.EXECUTIVE_VOTE, cast, organization=active.organization)

    for member in cast.committee[:3]:
        services.vote_cast(application=application, member=member, choice="yes")

    application = reload(application)
    assert application.state == S.ADMITTED
    assert application.membership == active
    active.refresh_from_db()
    assert active.category == application.vote_rounds.get().category
    assert active.organization.memberships.count() == 1
