"""An application never takes over an organization of the registry: admission creates a new one unless
the secretariat linked the application to a former member as its re-application; a likely duplicate
blocks the vote until the secretariat decides; a database refusal is never a server error."""

import datetime
import logging
from dataclasses import replace

import pytest
from django.db import IntegrityError
from django.utils import timezone

from registry.models import EndReason, Membership, MembershipState, Organization
from tests.cast import application_in, new_draft, reload, step
from tests.factories import MembershipFactory, applicant_user
from tests.workflows.helpers import snapshot
from workflows import rules, services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, VoteRound

pytestmark = pytest.mark.django_db

S = ApplicationState


def _refused(code, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        call(**kwargs)
    assert refused.value.code == code, refused.value
    return refused.value


def _vote_yes(application, cast):
    for member in cast.committee:
        services.vote_cast(application=application, member=member, choice="yes")
    return reload(application)


def _affiliate(**kwargs) -> Organization:
    return MembershipFactory(
        organization__country=kwargs.pop("country", "KE"),
        organization__website="https://affiliate.example.org",
        organization__email="office@affiliate.example.org",
        organization__city="Mombasa",
        **{f"organization__{k}": v for k, v in kwargs.items()},
    ).organization


def _former_member(**kwargs) -> Organization:
    return MembershipFactory(
        state=MembershipState.ENDED,
        end_reason=EndReason.WITHDRAWN,
        admitted_on=datetime.date(2001, 1, 1),
        ended_on=datetime.date(2015, 6, 30),
        **{f"organization__{k}": v for k, v in kwargs.items()},
    ).organization


AFFILIATE_FIELDS = ("name", "acronym", "city", "website", "email", "slug")


def _fields(organization) -> dict:
    organization.refresh_from_db()
    return {field: getattr(organization, field) for field in AFFILIATE_FIELDS}


# --- admission never changes an organization it was not linked to ---------------------------------------


def test_an_application_named_like_an_affiliate_never_changes_it(cast):
    """The affiliate appears while the vote is open (nothing to resolve at opening): admission
    creates a new organization and leaves the affiliate, its data and its membership, as they were."""
    application = application_in(S.EXECUTIVE_VOTE, cast, name="National Union of Students", country="KE")
    affiliate = _affiliate(name="National Union of Students")
    before = _fields(affiliate)
    membership = affiliate.memberships.get()

    application = _vote_yes(application, cast)

    assert application.state == S.ADMITTED
    assert application.organization != affiliate
    assert _fields(affiliate) == before
    assert list(affiliate.memberships.all()) == [membership]
    assert application.membership.organization == application.organization
    assert Organization.objects.count() == 2


def test_an_affiliate_admitted_through_the_workflow_is_not_taken_over_and_the_second_round_closes(cast):
    first = application_in(S.ADMITTED, cast, name="Students of Kenya", city="Nairobi")
    affiliate = first.organization
    before = _fields(affiliate)
    newcomer = replace(cast, applicant=applicant_user())
    second = application_in(S.REVIEWED, newcomer, name="Students of Kenya", city="Kisumu")
    services.application_confirm_distinct(application=second, actor=cast.secretariat)
    services.vote_open(application=second, actor=cast.secretariat)

    second = _vote_yes(second, cast)

    assert second.state == S.ADMITTED
    assert second.vote_rounds.get().closed_at is not None
    assert second.organization != affiliate
    assert _fields(affiliate) == before
    assert reload(first).membership.organization == affiliate
    assert Membership.objects.filter(state=MembershipState.ACTIVE).count() == 2


def test_a_re_application_linked_by_the_secretariat_updates_its_former_member(cast):
    former = _former_member(name="Old Name Students", city="Mombasa")
    application = application_in(S.SUBMITTED, cast, name="New Name Students", city="Kisumu")
    services.application_link_organization(
        application=application, actor=cast.secretariat, organization=former
    )
    for to in (S.UNDER_REVIEW, S.REVIEWED, S.EXECUTIVE_VOTE):
        application = step(application, to, cast)

    application = _vote_yes(application, cast)

    former.refresh_from_db()
    assert application.organization == former
    assert (former.name, former.city) == ("New Name Students", "Kisumu")
    assert sorted(former.memberships.values_list("state", flat=True)) == [
        MembershipState.ACTIVE,
        MembershipState.ENDED,
    ]


# --- likely duplicates block the vote until the secretariat decides ---------------------------------------


@pytest.mark.parametrize(
    ("name", "acronym", "country", "duplicate"),
    [
        ("UNION NATIONALE DES ÉTUDIANTS", "", "FR", True),  # the same name, case and accents aside
        ("Union  nationale des etudiants", "", "FR", True),  # and spaces
        ("Another Name Entirely", "unef", "FR", True),  # the same acronym
        ("Union Nationale des Étudiants", "UNEF", "BE", False),  # another country
        ("Union Nationale des Étudiants de Lyon", "UNEL", "FR", False),  # a longer name
    ],
)
def test_a_likely_duplicate_is_the_same_country_and_the_same_folded_name_or_acronym(
    cast, name, acronym, country, duplicate
):
    affiliate = _affiliate(name="Union Nationale des Étudiants", acronym="UNEF", country="FR", slug="unef-fr")
    application = new_draft(cast, name=name, acronym=acronym, country=country)

    assert rules.possible_duplicates(application) == ([affiliate] if duplicate else [])


@pytest.mark.parametrize(
    ("name", "name_latin", "duplicate"),
    [
        ("National Union of Moroccan Students", "", True),  # their Latin name, as our name
        ("الاتحاد الوطني لطلبة المغرب", "", True),  # their name
        ("الإتحاد الوطني لطلبة المغرب", "", True),  # with another alef form
        ("Union nationale", "NATIONAL UNION OF MOROCCAN STUDENTS", True),  # both Latin names
        ("اتحاد طلبة فاس", "Students of Fes", False),
    ],
)
def test_a_likely_duplicate_matches_names_in_either_script(cast, name, name_latin, duplicate):
    affiliate = _affiliate(
        name="الاتحاد الوطني لطلبة المغرب",
        name_latin="National Union of Moroccan Students",
        acronym="UNEM",
        country="MA",
        slug="unem-ma",
    )
    application = new_draft(cast, name=name, name_latin=name_latin, acronym="", country="MA")

    assert rules.possible_duplicates(application) == ([affiliate] if duplicate else [])


def test_the_vote_does_not_open_while_a_likely_duplicate_is_unresolved(cast):
    affiliate = _affiliate(name="National Union of Students", acronym="NUS", slug="nus-ke")
    application = application_in(S.REVIEWED, cast, name="Natíonal union of students", acronym="NUSK")
    before = snapshot(application)

    refused = _refused(
        ErrorCode.POSSIBLE_DUPLICATE, services.vote_open, application=application, actor=cast.secretariat
    )

    assert "“National Union of Students”" in refused.message
    assert refused.details == {
        "possible_duplicates": [
            {"id": affiliate.pk, "name": "National Union of Students", "slug": "nus-ke", "is_member": True}
        ]
    }
    assert snapshot(application) == before


def test_confirmed_distinct_the_vote_opens_and_who_confirmed_it_is_recorded(cast):
    _affiliate(name="National Union of Students")
    application = application_in(S.REVIEWED, cast, name="National Union of Students")

    services.application_confirm_distinct(
        application=application, actor=cast.secretariat, expected_state=S.REVIEWED
    )
    services.vote_open(application=application, actor=cast.secretariat)

    application = reload(application)
    assert application.state == S.EXECUTIVE_VOTE
    assert application.organization is None
    assert application.duplicates_checked_by == cast.secretariat
    assert application.duplicates_checked_at is not None


def test_linked_the_vote_opens(cast):
    former = _former_member(name="National Union of Students")
    application = application_in(S.REVIEWED, cast, name="National Union of Students")

    services.application_link_organization(
        application=application, actor=cast.secretariat, organization=former.pk
    )
    services.vote_open(application=application, actor=cast.secretariat)

    assert reload(application).state == S.EXECUTIVE_VOTE


def test_a_new_name_from_the_applicant_undoes_a_confirmation_of_distinctness(cast):
    _affiliate(name="Students of Nairobi")
    application = application_in(S.SUBMITTED, cast, name="Students Nairobi")
    services.application_confirm_distinct(application=application, actor=cast.secretariat)
    application = services.application_request_info(
        application=application, actor=cast.secretariat, comment="Your exact name, please."
    )

    services.application_update(
        application=application, actor=cast.applicant, data={"name": "Students of Nairobi"}
    )

    application = reload(application)
    assert application.duplicates_checked_at is None
    assert not rules.duplicates_resolved(application)


# --- who may link or confirm, when, and which organization ---------------------------------------


def test_only_a_former_member_can_be_linked_never_a_member(cast):
    application = application_in(S.SUBMITTED, cast)
    before = snapshot(application, registry=False)
    for state in (MembershipState.ACTIVE, MembershipState.SUSPENDED):
        member = MembershipFactory(state=state).organization

        refused = _refused(
            ErrorCode.INVALID,
            services.application_link_organization,
            application=application,
            actor=cast.secretariat,
            organization=member,
        )

        assert member.name in refused.message
        assert snapshot(application, registry=False) == before


def test_an_unknown_organization_is_refused(cast):
    application = application_in(S.SUBMITTED, cast)
    _refused(
        ErrorCode.INVALID,
        services.application_link_organization,
        application=application,
        actor=cast.secretariat,
        organization=999_999,
    )


def test_an_organization_with_another_open_application_is_refused(cast):
    former = _former_member()
    first = application_in(S.SUBMITTED, cast)
    services.application_link_organization(application=first, actor=cast.secretariat, organization=former)
    second = application_in(S.SUBMITTED, cast)

    _refused(
        ErrorCode.CONFLICT,
        services.application_link_organization,
        application=second,
        actor=cast.secretariat,
        organization=former,
    )
    assert reload(second).organization is None


@pytest.mark.parametrize("service", ["application_link_organization", "application_confirm_distinct"])
def test_only_the_secretariat_links_or_confirms_and_only_at_screening(cast, service):
    former = _former_member()
    call = getattr(services, service)
    extra = {"organization": former} if service == "application_link_organization" else {}
    application = application_in(S.UNDER_REVIEW, cast)
    for someone in (cast.applicant, cast.reviewers[0], cast.committee[0]):
        _refused(ErrorCode.FORBIDDEN, call, application=application, actor=someone, **extra)
    for state in (S.DRAFT, S.INFO_REQUESTED, S.EXECUTIVE_VOTE, S.ADMITTED):
        other = new_draft(cast) if state == S.DRAFT else application_in(state, cast)
        _refused(ErrorCode.NOT_ALLOWED, call, application=other, actor=cast.secretariat, **extra)
    _refused(
        ErrorCode.CONFLICT,
        call,
        application=application,
        actor=cast.secretariat,
        expected_state=S.SUBMITTED,
        **extra,
    )

    call(application=application, actor=cast.secretariat, expected_state=S.UNDER_REVIEW, **extra)


# --- no database error escapes as a server error -------------------------------------------------------


def test_an_admission_the_registry_refuses_is_a_conflict_and_changes_nothing(cast, monkeypatch):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    for member in cast.committee[:2]:
        services.vote_cast(application=application, member=member, choice="yes")
    before = snapshot(application)

    def refuse(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Membership.objects, "create", refuse)
    _refused(ErrorCode.CONFLICT, services.vote_close, application=application, actor=cast.secretariat)

    assert snapshot(application) == before
    assert reload(application).state == S.EXECUTIVE_VOTE
    assert VoteRound.objects.get(application=application).closed_at is None


def test_the_deadline_closer_logs_a_round_it_cannot_close_and_closes_the_others(cast, monkeypatch, caplog):
    failing = application_in(S.EXECUTIVE_VOTE, cast, name="Union That Fails")
    closing = application_in(S.EXECUTIVE_VOTE, cast, name="Union That Closes", country="UG")
    for application in (failing, closing):
        for member in cast.committee[:2]:
            services.vote_cast(application=application, member=member, choice="yes")
    VoteRound.objects.update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    admit = services._admit

    def admit_or_fail(application, vote_round, *, on):
        if application.pk == failing.pk:
            raise RuntimeError("the registry is unreachable")
        return admit(application, vote_round, on=on)

    monkeypatch.setattr(services, "_admit", admit_or_fail)
    with caplog.at_level(logging.ERROR, logger="workflows.services"):
        closed = services.close_due_vote_rounds()

    assert closed == [closing.vote_rounds.get().pk]
    assert reload(closing).state == S.ADMITTED
    assert reload(failing).state == S.EXECUTIVE_VOTE
    assert failing.vote_rounds.get().closed_at is None
    assert any(
        record.exc_info and "the registry is unreachable" in str(record.exc_info[1])
        for record in caplog.records
    )
