"""One of each: open application per organization and per name and country, review per
reviewer, ballot per voter; who may vote, recusal, and how a round closes."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.cast import application_in, reload
from tests.factories import ApplicationFactory, OrganizationFactory, committee_member, secretariat_user
from tests.workflows.helpers import log_story, snapshot
from workflows import services, tasks
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, Ballot, Review, VoteOutcome, VoteRound

pytestmark = pytest.mark.django_db

S = ApplicationState


def _integrity_error(factory, **kwargs) -> bool:
    try:
        with transaction.atomic():
            factory(**kwargs)
    except IntegrityError:
        return True
    return False


# --- one open application ------------------------------------------------------------------


def test_an_organization_has_one_open_application_at_a_time(cast):
    organization = OrganizationFactory()
    first = ApplicationFactory(organization=organization)

    assert _integrity_error(ApplicationFactory, organization=organization)

    services.application_delete(application=first, actor=first.applicant)
    assert not _integrity_error(ApplicationFactory, organization=organization)


def _data(name: str, country: str) -> dict:
    return {"name": name, "country": country, "city": "Nairobi", "email": "a@b.example.org"}


def test_one_open_application_per_name_ignoring_case_and_country(cast):
    first = services.application_create(applicant=cast.applicant, data=_data("Kenya Students Union", "KE"))

    with pytest.raises(WorkflowError) as refused:
        services.application_create(applicant=cast.other_applicant, data=_data("KENYA students UNION", "KE"))
    assert refused.value.code == ErrorCode.CONFLICT
    assert "name" in refused.value.details

    # Another country, or once the first is closed: accepted.
    services.application_create(applicant=cast.other_applicant, data=_data("Kenya Students Union", "UG"))
    services.application_delete(application=first, actor=cast.applicant)
    services.application_create(applicant=cast.other_applicant, data=_data("kenya students union", "KE"))


def test_renaming_a_draft_onto_an_open_application_is_a_conflict(cast):
    services.application_create(applicant=cast.applicant, data=_data("Uganda National Students", "UG"))
    mine = services.application_create(applicant=cast.other_applicant, data=_data("Other name", "UG"))
    before = snapshot(mine)

    with pytest.raises(WorkflowError) as refused:
        services.application_update(
            application=mine, actor=cast.other_applicant, data={"name": "uganda national students"}
        )

    assert refused.value.code == ErrorCode.CONFLICT
    assert snapshot(mine) == before


def test_applications_without_a_country_do_not_clash_by_name(cast):
    services.application_create(applicant=cast.applicant, data={"name": "Students United"})
    services.application_create(applicant=cast.other_applicant, data={"name": "Students United"})


def test_edits_by_anybody_but_the_applicant_are_forbidden(cast):
    application = application_in(S.DRAFT, cast)
    before = snapshot(application)

    for who in (cast.anonymous, cast.other_applicant, cast.secretariat, cast.committee[0]):
        with pytest.raises(WorkflowError) as refused:
            services.application_update(application=application, actor=who, data={"city": "Mombasa"})
        assert refused.value.code == ErrorCode.FORBIDDEN

    assert snapshot(application) == before


def test_unknown_or_read_only_fields_are_invalid(cast):
    application = application_in(S.DRAFT, cast)

    with pytest.raises(WorkflowError) as refused:
        services.application_update(
            application=application, actor=cast.applicant, data={"state": "admitted", "membership": 1}
        )

    assert refused.value.code == ErrorCode.INVALID
    assert set(refused.value.details) == {"state", "membership"}
    assert reload(application).state == S.DRAFT


# --- reviews -----------------------------------------------------------------------------------


def test_a_reviewer_reviews_an_application_once(cast):
    application = application_in(S.SUBMITTED, cast)
    application = services.application_start_review(application=application, actor=cast.secretariat)
    reviewer = cast.reviewers[0]
    services.review_submit(application=application, reviewer=reviewer, recommendation="admit", comment="Yes.")

    with pytest.raises(WorkflowError) as refused:
        services.review_submit(
            application=application, reviewer=reviewer, recommendation="reject", comment="No."
        )

    assert refused.value.code == ErrorCode.CONFLICT
    assert list(application.reviews.values_list("recommendation", flat=True)) == ["admit"]
    assert _integrity_error(
        Review.objects.create,
        application=application,
        reviewer=reviewer,
        recommendation="reject",
        comment="x",
    )


# --- ballots -----------------------------------------------------------------------------------


def test_a_member_votes_once_and_the_ballot_is_final(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    member = cast.committee[0]
    ballot = services.vote_cast(application=application, member=member, choice="yes")

    for choice in ("no", "yes", "abstain"):
        with pytest.raises(WorkflowError) as refused:
            services.vote_cast(application=application, member=member, choice=choice)
        assert refused.value.code == ErrorCode.CONFLICT

    assert list(Ballot.objects.values_list("pk", "choice")) == [(ballot.pk, "yes")]
    assert _integrity_error(Ballot.objects.create, round=ballot.round, voter=ballot.voter, choice="no")


def test_an_unknown_choice_is_invalid(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)

    with pytest.raises(WorkflowError) as refused:
        services.vote_cast(application=application, member=cast.committee[0], choice="maybe")

    assert refused.value.code == ErrorCode.INVALID
    assert not Ballot.objects.exists()


def test_nobody_outside_the_round_can_vote(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    latecomer = committee_member()  # joined the committee after the round opened
    outsiders = [
        latecomer,
        cast.anonymous,
        cast.applicant,
        cast.other_applicant,
        cast.secretariat,
        cast.reviewers[0],
    ]
    before = snapshot(application)

    for who in outsiders:
        with pytest.raises(WorkflowError) as refused:
            services.vote_cast(application=application, member=who, choice="yes")
        assert refused.value.code == ErrorCode.FORBIDDEN, who

    assert snapshot(application) == before


@pytest.mark.parametrize("state", [S.REVIEWED, S.ADMITTED, S.WITHDRAWN])
def test_no_ballot_without_an_open_round(cast, state):
    application = application_in(state, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_cast(application=application, member=cast.committee[0], choice="yes")

    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert snapshot(application) == before


def test_no_ballot_after_the_round_is_closed(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    services.vote_cast(application=application, member=cast.committee[1], choice="yes")
    services.vote_close(application=application, actor=cast.secretariat)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_cast(application=application, member=cast.committee[2], choice="no")

    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert snapshot(application) == before
    assert reload(application).state == S.ADMITTED


# --- recusal -------------------------------------------------------------------------------------


def test_recusal_removes_the_member_from_the_eligible_count(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    vote_round = application.vote_rounds.get()

    voter = services.vote_recuse(application=application, member=cast.committee[2], reason=" My union. ")

    assert voter.recused_at is not None
    assert voter.recusal_reason == "My union."
    assert services.round_tally(vote_round).eligible == 2
    with pytest.raises(WorkflowError) as refused:
        services.vote_cast(application=application, member=cast.committee[2], choice="yes")
    assert refused.value.code == ErrorCode.FORBIDDEN

    # The two members left vote: that is everybody, so the round closes.
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    assert VoteRound.objects.get().is_open
    services.vote_cast(application=application, member=cast.committee[1], choice="no")

    vote_round.refresh_from_db()
    assert not vote_round.is_open
    assert (vote_round.eligible_count, vote_round.yes_count, vote_round.no_count) == (2, 1, 1)
    assert vote_round.outcome == VoteOutcome.FAILED  # 1/2 is not a simple majority
    assert reload(application).state == S.REJECTED


def test_recusal_by_the_last_member_who_has_not_voted_closes_the_round(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    services.vote_cast(application=application, member=cast.committee[1], choice="yes")

    services.vote_recuse(application=application, member=cast.committee[2])

    vote_round = VoteRound.objects.get()
    assert (vote_round.outcome, vote_round.eligible_count) == (VoteOutcome.PASSED, 2)
    assert reload(application).state == S.ADMITTED


def test_a_member_who_voted_cannot_recuse(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[0], choice="no")
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_recuse(application=application, member=cast.committee[0])

    assert refused.value.code == ErrorCode.CONFLICT
    assert snapshot(application) == before


def test_only_an_eligible_member_can_recuse(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_recuse(application=application, member=cast.secretariat)

    assert refused.value.code == ErrorCode.FORBIDDEN
    assert snapshot(application) == before


# --- closing -------------------------------------------------------------------------------------


def test_the_round_closes_itself_when_every_eligible_member_has_voted(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    vote_round = application.vote_rounds.get()

    for member in cast.committee[:2]:
        services.vote_cast(application=application, member=member, choice="abstain")
        vote_round.refresh_from_db()
        assert vote_round.is_open
    services.vote_cast(application=application, member=cast.committee[2], choice="yes")

    vote_round.refresh_from_db()
    assert not vote_round.is_open
    assert vote_round.closed_by is None
    assert (vote_round.yes_count, vote_round.no_count, vote_round.abstain_count) == (1, 0, 2)
    assert reload(application).state == S.ADMITTED  # abstentions do not count: 1 yes of 1


def test_only_the_secretariat_closes_a_round_by_hand(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    before = snapshot(application)

    for who in (cast.anonymous, cast.applicant, cast.committee[0], cast.reviewers[0]):
        with pytest.raises(WorkflowError) as refused:
            services.vote_close(application=application, actor=who)
        assert refused.value.code == ErrorCode.FORBIDDEN

    assert snapshot(application) == before
    services.vote_close(application=application, actor=secretariat_user(), comment="Closed at the meeting.")
    assert reload(application).state == S.REVIEWED


def _past(vote_round: VoteRound, **delta) -> None:
    VoteRound.objects.filter(pk=vote_round.pk).update(
        deadline=timezone.now() - datetime.timedelta(**(delta or {"minutes": 1}))
    )


def test_close_due_vote_rounds_closes_the_rounds_past_their_deadline_only(cast):
    due = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=due, member=cast.committee[0], choice="yes")
    services.vote_cast(application=due, member=cast.committee[1], choice="yes")
    not_due = application_in(S.EXECUTIVE_VOTE, cast)
    due_round, not_due_round = due.vote_rounds.get(), not_due.vote_rounds.get()
    _past(due_round)
    before = snapshot(not_due, registry=False)

    closed = services.close_due_vote_rounds()

    assert closed == [due_round.pk]
    due_round.refresh_from_db()
    assert (due_round.outcome, due_round.closed_by, due_round.yes_count) == (VoteOutcome.PASSED, None, 2)
    assert reload(due).state == S.ADMITTED
    assert log_story(due)[-1] == (
        "close_vote",
        S.EXECUTIVE_VOTE,
        S.ADMITTED,
        None,
        "The deadline has passed.",
    )
    assert snapshot(not_due, registry=False) == before
    assert not_due_round.is_open
    assert services.close_due_vote_rounds() == []


def test_the_periodic_task_closes_due_rounds_without_quorum_as_void(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    vote_round = application.vote_rounds.get()
    _past(vote_round, days=1)

    assert tasks.close_due_vote_rounds() == [vote_round.pk]

    vote_round.refresh_from_db()
    assert (vote_round.outcome, vote_round.is_void) == (VoteOutcome.NO_QUORUM, True)
    assert reload(application).state == S.REVIEWED


def test_close_due_vote_rounds_accepts_the_time_to_compare_with(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    vote_round = application.vote_rounds.get()

    assert services.close_due_vote_rounds(now=vote_round.deadline - datetime.timedelta(seconds=1)) == []
    assert services.close_due_vote_rounds(now=vote_round.deadline) == [vote_round.pk]
