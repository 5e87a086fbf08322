"""Conflicts of interest are excluded by rule (``rules.has_conflict``): the applicant, and the cast
who speak for the organization concerned, never review, vote or act for the committee on the case."""

from dataclasses import replace

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS
from notifications.models import Notification
from registry.models import Representative
from tests.cast import application_in, new_draft, reload
from tests.factories import UserFactory, secretariat_user
from workflows import rules, selectors, services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState

pytestmark = pytest.mark.django_db

S = ApplicationState


def _refused(code, call, **kwargs):
    with pytest.raises(WorkflowError) as refused:
        call(**kwargs)
    assert refused.value.code == code, refused.value
    return refused.value


def test_a_committee_member_who_applies_is_left_out_of_the_electorate_with_the_reason(cast):
    member = cast.committee[0]
    application = application_in(S.EXECUTIVE_VOTE, replace(cast, applicant=member))

    vote_round = application.vote_rounds.get()
    excluded = vote_round.voters.get(user=member)
    assert vote_round.eligible_count == 2
    assert excluded.recused_at is not None
    assert excluded.recusal_reason == "Conflict of interest: applicant"
    assert services.round_tally(vote_round).eligible == 2
    _refused(ErrorCode.FORBIDDEN, services.vote_cast, application=application, member=member, choice="yes")
    _refused(ErrorCode.FORBIDDEN, services.vote_recuse, application=application, member=member)
    assert "vote" not in rules.allowed_actions(application, member)


def test_the_others_decide_alone_and_the_round_closes_when_they_have_voted(cast):
    member = cast.committee[0]
    application = application_in(S.EXECUTIVE_VOTE, replace(cast, applicant=member))

    for other in cast.committee[1:]:
        services.vote_cast(application=application, member=other, choice="yes")

    application = reload(application)
    assert application.state == S.ADMITTED
    vote_round = application.vote_rounds.get()
    assert (vote_round.eligible_count, vote_round.yes_count) == (2, 2)


def test_the_member_with_a_conflict_is_not_asked_to_vote(cast):
    member = cast.committee[0]
    application = application_in(S.REVIEWED, replace(cast, applicant=member))

    services.vote_open(application=application, actor=cast.secretariat)

    opened = Notification.objects.filter(event="vote_opened")
    asked = set(opened.filter(template="vote_opened").values_list("recipient_id", flat=True))
    assert asked == {m.pk for m in cast.committee[1:]}
    # As the applicant, they are told that the committee votes, like any applicant.
    assert set(opened.filter(recipient=member).values_list("template", flat=True)) == {
        "vote_opened_applicant"
    }


def test_the_applicant_is_never_a_possible_reviewer(cast):
    both = UserFactory(groups=[REVIEWERS, EXECUTIVE_COMMITTEE])
    application = new_draft(replace(cast, applicant=both))
    services.application_submit(application=application, actor=both)

    assert both not in selectors.possible_reviewers(application=application)
    _refused(
        ErrorCode.INVALID,
        services.reviewers_assign,
        application=application,
        actor=cast.secretariat,
        reviewers=[both],
    )


def _former_applicant_and_reapplication(cast):
    """``former`` (a reviewer and committee member) applied for a union that was admitted; the same
    organization now applies again through applicant A."""
    former = UserFactory(groups=[REVIEWERS, EXECUTIVE_COMMITTEE])
    first = application_in(S.ADMITTED, replace(cast, applicant=former), name="Old Union", country="UG")
    again = application_in(S.SUBMITTED, cast, organization=first.organization, name="Old Union Again")
    return former, first, again


def test_who_applied_for_the_organization_before_has_a_conflict_in_its_new_application(cast):
    former, _first, again = _former_applicant_and_reapplication(cast)

    assert rules.has_conflict(again, former)
    assert rules.has_conflict(again, cast.applicant)
    assert not rules.has_conflict(again, cast.committee[0])
    assert rules.conflicts_of_interest(again).keys() == {cast.applicant.pk, former.pk}
    assert rules.sees_as_applicant(again, former)


def test_who_applied_for_the_organization_before_never_reviews_nor_votes_on_it(cast):
    former, _first, again = _former_applicant_and_reapplication(cast)

    assert former not in selectors.possible_reviewers(application=again)
    _refused(
        ErrorCode.INVALID,
        services.reviewers_assign,
        application=again,
        actor=cast.secretariat,
        reviewers=[former],
    )
    services.application_start_review(application=again, actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_submit(application=again, reviewer=reviewer, recommendation="admit", comment="Fine.")
    services.application_complete_review(application=reload(again), actor=cast.secretariat)
    vote_round = services.vote_open(application=reload(again), actor=cast.secretariat)

    excluded = vote_round.voters.get(user=former)
    assert excluded.recused_at is not None
    assert excluded.recusal_reason.startswith("Conflict of interest")
    assert vote_round.eligible_count == len(cast.committee)
    _refused(ErrorCode.FORBIDDEN, services.vote_cast, application=again, member=former, choice="yes")


def test_a_secretariat_member_who_applies_takes_no_step_of_the_committee_on_it(cast):
    staff = secretariat_user()
    application = new_draft(replace(cast, applicant=staff))
    services.application_submit(application=application, actor=staff)
    application = reload(application)

    assert rules.allowed_actions(reload(application), staff) == {"withdraw"}
    refused = _refused(
        ErrorCode.FORBIDDEN,
        services.application_request_info,
        application=application,
        actor=staff,
        comment="Please send more.",
    )
    assert "conflict of interest" in refused.message
    _refused(
        ErrorCode.FORBIDDEN,
        services.reviewers_assign,
        application=application,
        actor=staff,
        reviewers=cast.reviewers,
    )
    # Another member of the secretariat screens it as usual.
    services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=cast.reviewers)


def test_the_history_shows_who_applied_for_the_organization_before_the_applicant_s_view(cast):
    former, _first, again = _former_applicant_and_reapplication(cast)
    services.application_start_review(application=again, actor=cast.secretariat, comment="Two reviewers.")

    theirs = selectors.application_history_for(application=again, viewer=former)
    committee = selectors.application_history_for(application=again, viewer=cast.committee[0])

    assert [(e.by, e.comment) for e in theirs if e.transition == "start_review"] == [("The federation", "")]
    assert [e.comment for e in committee if e.transition == "start_review"] == ["Two reviewers."]


def test_a_representative_of_the_organization_never_reviews_nor_votes_on_its_application(cast):
    _former, first, again = _former_applicant_and_reapplication(cast)
    member = cast.committee[1]
    member.groups.add(Group.objects.get(name=REVIEWERS))
    Representative.objects.create(organization=first.organization, user=member)

    assert rules.has_conflict(again, member)
    assert (
        rules.conflicts_of_interest(again)[member.pk]
        == "Conflict of interest: represents the union concerned"
    )
    assert member not in selectors.possible_reviewers(application=again)
    _refused(
        ErrorCode.INVALID,
        services.reviewers_assign,
        application=again,
        actor=cast.secretariat,
        reviewers=[member],
    )
    services.application_start_review(application=again, actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_submit(application=again, reviewer=reviewer, recommendation="admit", comment="Fine.")
    services.application_complete_review(application=reload(again), actor=cast.secretariat)
    vote_round = services.vote_open(application=reload(again), actor=cast.secretariat)

    assert vote_round.voters.get(user=member).recused_at is not None
    assert vote_round.eligible_count == len(cast.committee) - 1
    _refused(ErrorCode.FORBIDDEN, services.vote_cast, application=again, member=member, choice="yes")


def test_a_removed_representative_has_no_conflict_any_more(cast):
    _former, first, again = _former_applicant_and_reapplication(cast)
    member = cast.committee[1]
    Representative.objects.create(organization=first.organization, user=member, removed_at=timezone.now())
    assert not rules.has_conflict(again, member)
