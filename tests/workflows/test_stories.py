"""Whole applications, from draft to a final state, with the log of every step."""

import datetime

import pytest
from django.utils import timezone

from registry.models import Membership, MembershipCategory, MembershipState, Organization
from tests.cast import application_in, new_draft, reload
from tests.workflows.helpers import log_story, logs
from workflows import services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, MembershipApplication, VoteOutcome

pytestmark = pytest.mark.django_db

S = ApplicationState
EVERYONE_VOTED = "Every eligible member has voted."


def _screen_and_review(application, cast):
    """submitted → under_review → reviewed, by the secretariat and both reviewers."""
    sec = cast.secretariat
    application = services.application_start_review(
        application=application, actor=sec, reviewers=cast.reviewers
    )
    for reviewer in cast.reviewers:
        services.review_submit(
            application=application, reviewer=reviewer, recommendation="admit", comment="Eligible."
        )
    return services.application_complete_review(application=application, actor=sec, comment="Both admit.")


def test_story_admitted(cast):
    application = new_draft(cast)
    app, sec = cast.applicant, cast.secretariat

    application = services.application_submit(application=application, actor=app, comment="Here we are.")
    application = _screen_and_review(application, cast)
    vote_round = services.vote_open(
        application=application, actor=sec, category=MembershipCategory.ASSOCIATE, comment="To the vote."
    )
    for member, choice in zip(cast.committee, ["yes", "yes", "no"], strict=True):
        services.vote_cast(application=application, member=member, choice=choice)

    application = reload(application)
    assert application.state == S.ADMITTED
    assert log_story(application) == [
        ("submit", S.DRAFT, S.SUBMITTED, app, "Here we are."),
        ("start_review", S.SUBMITTED, S.UNDER_REVIEW, sec, None),
        ("complete_review", S.UNDER_REVIEW, S.REVIEWED, sec, "Both admit."),
        ("open_vote", S.REVIEWED, S.EXECUTIVE_VOTE, sec, "To the vote."),
        ("close_vote", S.EXECUTIVE_VOTE, S.ADMITTED, None, EVERYONE_VOTED),
    ]
    vote_round.refresh_from_db()
    assert (vote_round.outcome, vote_round.is_void, vote_round.closed_by) == (VoteOutcome.PASSED, False, None)
    assert (vote_round.yes_count, vote_round.no_count, vote_round.abstain_count) == (2, 1, 0)
    assert vote_round.eligible_count == 3
    assert application.submitted_at is not None
    assert application.decided_at == vote_round.closed_at
    assert application.membership.category == MembershipCategory.ASSOCIATE
    assert application.membership.state == MembershipState.ACTIVE


def test_story_rejected_by_the_vote(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    for member, choice in zip(cast.committee, ["no", "no", "yes"], strict=True):
        services.vote_cast(application=application, member=member, choice=choice)

    application = reload(application)
    assert application.state == S.REJECTED
    assert log_story(application)[-1] == ("close_vote", S.EXECUTIVE_VOTE, S.REJECTED, None, EVERYONE_VOTED)
    vote_round = application.vote_rounds.get()
    assert (vote_round.outcome, vote_round.yes_count, vote_round.no_count) == (VoteOutcome.FAILED, 1, 2)
    assert application.decided_at == vote_round.closed_at
    assert application.membership is None
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_story_rejected_at_screening(cast):
    application = application_in(S.SUBMITTED, cast)

    services.application_reject(
        application=application, actor=cast.secretariat, comment="A political party, not a union."
    )

    application = reload(application)
    assert application.state == S.REJECTED
    assert application.decided_at is not None
    assert log_story(application) == [
        ("submit", S.DRAFT, S.SUBMITTED, cast.applicant, None),
        ("reject", S.SUBMITTED, S.REJECTED, cast.secretariat, "A political party, not a union."),
    ]
    assert not application.vote_rounds.exists()


def test_story_a_draft_is_deleted_not_withdrawn(cast):
    application = new_draft(cast)

    with pytest.raises(WorkflowError) as refused:
        services.application_withdraw(application=application, actor=cast.applicant, comment="Merged.")
    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert reload(application).state == S.DRAFT

    services.application_delete(application=application, actor=cast.applicant)
    assert not MembershipApplication.objects.filter(pk=application.pk).exists()


def test_story_withdrawn_during_the_vote_voids_the_open_round(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")

    services.application_withdraw(application=application, actor=cast.applicant, comment="Too early.")

    application = reload(application)
    assert application.state == S.WITHDRAWN
    vote_round = application.vote_rounds.get()
    assert vote_round.is_void
    assert vote_round.closed_at == application.decided_at
    assert vote_round.outcome == ""
    assert vote_round.ballots.count() == 1  # kept forever
    assert log_story(application)[-1] == (
        "withdraw",
        S.EXECUTIVE_VOTE,
        S.WITHDRAWN,
        cast.applicant,
        "Too early.",
    )
    assert not Membership.objects.exists()


def test_story_information_requested_twice(cast):
    app, sec = cast.applicant, cast.secretariat
    application = new_draft(cast)
    application = services.application_submit(application=application, actor=app)

    # 1. At screening.
    services.application_request_info(application=application, actor=sec, comment="Statutes in English?")
    application = services.application_update(
        application=reload(application), actor=app, data={"motivation": "Updated, with translation."}
    )
    application = services.application_resubmit(application=application, actor=app, comment="Translated.")
    # 2. During the review.
    application = services.application_start_review(
        application=application, actor=sec, reviewers=cast.reviewers
    )
    services.application_request_info(application=application, actor=sec, comment="Member count?")
    application = services.application_update(
        application=reload(application), actor=app, data={"students_represented": 310_000}
    )
    application = services.application_resubmit(application=application, actor=app, comment="Counted.")
    # Then on to admission.
    application = _screen_and_review(application, cast)
    services.vote_open(application=application, actor=sec)
    for member in cast.committee:
        services.vote_cast(application=application, member=member, choice="yes")

    application = reload(application)
    assert application.state == S.ADMITTED
    assert log_story(application) == [
        ("submit", S.DRAFT, S.SUBMITTED, app, None),
        ("request_info", S.SUBMITTED, S.INFO_REQUESTED, sec, "Statutes in English?"),
        ("resubmit", S.INFO_REQUESTED, S.SUBMITTED, app, "Translated."),
        ("start_review", S.SUBMITTED, S.UNDER_REVIEW, sec, None),
        ("request_info", S.UNDER_REVIEW, S.INFO_REQUESTED, sec, "Member count?"),
        ("resubmit", S.INFO_REQUESTED, S.SUBMITTED, app, "Counted."),
        ("start_review", S.SUBMITTED, S.UNDER_REVIEW, sec, None),
        ("complete_review", S.UNDER_REVIEW, S.REVIEWED, sec, "Both admit."),
        ("open_vote", S.REVIEWED, S.EXECUTIVE_VOTE, sec, None),
        ("close_vote", S.EXECUTIVE_VOTE, S.ADMITTED, None, EVERYONE_VOTED),
    ]
    assert application.motivation == "Updated, with translation."
    assert application.organization.students_represented == 310_000
    # The first submission's time is kept through the loop.
    assert application.submitted_at == logs(application).first().timestamp


def test_story_no_quorum_then_a_second_round_admits(cast):
    sec = cast.secretariat
    application = application_in(S.REVIEWED, cast)
    first = services.vote_open(application=application, actor=sec)
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")  # 1 of 3

    services.vote_close(application=reload(application), actor=sec, comment="Deadline reached.")

    application = reload(application)
    assert application.state == S.REVIEWED
    first.refresh_from_db()
    assert (first.outcome, first.is_void, first.closed_by) == (VoteOutcome.NO_QUORUM, True, sec)
    assert (first.yes_count, first.eligible_count) == (1, 3)

    second = services.vote_open(
        application=application,
        actor=sec,
        category=MembershipCategory.OBSERVER,
        deadline=timezone.now() + datetime.timedelta(days=3),
    )
    assert second.number == 2
    for member in cast.committee:
        services.vote_cast(application=application, member=member, choice="yes")

    application = reload(application)
    assert application.state == S.ADMITTED
    assert [(t, src, dst) for t, src, dst, _, _ in log_story(application)][-4:] == [
        ("open_vote", S.REVIEWED, S.EXECUTIVE_VOTE),
        ("close_vote", S.EXECUTIVE_VOTE, S.REVIEWED),
        ("open_vote", S.REVIEWED, S.EXECUTIVE_VOTE),
        ("close_vote", S.EXECUTIVE_VOTE, S.ADMITTED),
    ]
    assert log_story(application)[-3][3:] == (sec, "Deadline reached.")
    first.refresh_from_db()
    assert first.is_void  # the void round is kept as it was
    assert first.ballots.count() == 1
    assert list(application.vote_rounds.values_list("number", "outcome", "is_void")) == [
        (1, VoteOutcome.NO_QUORUM, True),
        (2, VoteOutcome.PASSED, False),
    ]
    assert application.membership.category == MembershipCategory.OBSERVER
