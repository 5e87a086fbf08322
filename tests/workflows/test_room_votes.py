"""Rounds held in a meeting room: the members present as the electorate, named votes recorded by the
minute-taker, totals counted in the room — tallied and decided by the engine of online rounds."""

import pytest

from notifications.models import Notification
from registry.models import MembershipState
from registry.services import representative_add_first
from tests.cast import application_in, reload
from tests.factories import MembershipFactory, applicant_user, committee_member
from tests.workflows.helpers import snapshot
from workflows import motions, room_votes, rules, services, votes
from workflows.errors import ErrorCode, WorkflowError
from workflows.events import Event
from workflows.models import (
    ApplicationState,
    Ballot,
    Motion,
    MotionKind,
    MotionState,
    VoteMode,
    VoteOutcome,
    VoteRound,
)

pytestmark = pytest.mark.django_db

S = ApplicationState


@pytest.fixture
def committee(cast):
    """An Executive Committee of six: the cast's three and three more."""
    return [*cast.committee, *(committee_member() for _ in range(3))]


@pytest.fixture
def present(committee):
    """Five of the six members are in the room."""
    return committee[:5]


def refused(code: ErrorCode, call, *args, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def open_in_room(cast, present, mode, **fields):
    application = application_in(S.REVIEWED, cast, **fields)
    vote_round = services.vote_open(
        application=application, actor=cast.secretariat, mode=mode, electorate=present
    )
    return reload(application), vote_round


def record_named(cast, vote_round, present, choices):
    return room_votes.named_votes_record(
        vote_round=vote_round, choices=dict(zip(present, choices, strict=True)), actor=cast.secretariat
    )


# --- the electorate: the members present ----------------------------------------------------------


def test_a_round_opened_with_an_explicit_electorate_has_exactly_those_voters(cast, committee, present):
    _application, vote_round = open_in_room(cast, present, VoteMode.NAMED)

    assert vote_round.mode == VoteMode.NAMED
    assert set(vote_round.voters.values_list("user_id", flat=True)) == {m.pk for m in present}
    assert vote_round.eligible_count == 5
    assert votes.round_tally(vote_round) == rules.Tally(eligible=5, yes=0, no=0, abstain=0)
    assert not vote_round.voters.filter(user=committee[5]).exists()  # absent: not in the record


def test_without_an_electorate_the_round_is_the_whole_committee_online(cast, committee):
    application = application_in(S.REVIEWED, cast)
    vote_round = services.vote_open(application=application, actor=cast.secretariat)

    assert vote_round.mode == VoteMode.ONLINE
    assert set(vote_round.voters.values_list("user_id", flat=True)) == {m.pk for m in committee}


def test_someone_outside_the_committee_in_the_electorate_is_refused_and_nothing_written(cast, present):
    application = application_in(S.REVIEWED, cast)
    before = snapshot(application)
    guest = applicant_user(first_name="Lea", last_name="Martin")

    error = refused(
        ErrorCode.INVALID,
        services.vote_open,
        application=application,
        actor=cast.secretariat,
        mode=VoteMode.NAMED,
        electorate=[*present, guest],
    )

    assert error.details["electorate"] == ["Lea Martin is not a member of the Executive Committee."]
    assert snapshot(application) == before


def test_an_unknown_mode_is_refused_and_nothing_written(cast, present):
    application = application_in(S.REVIEWED, cast)
    before = snapshot(application)

    error = refused(
        ErrorCode.INVALID,
        services.vote_open,
        application=application,
        actor=cast.secretariat,
        mode="show_of_hands",
    )

    assert "mode" in error.details
    assert snapshot(application) == before


# --- a named round ---------------------------------------------------------------------------------


def test_a_named_round_of_five_members_present_carries_the_application(cast, present):
    application, vote_round = open_in_room(cast, present, VoteMode.NAMED)

    ballots = record_named(cast, vote_round, present, ["yes", "yes", "yes", "no", "abstain"])
    assert reload(application).state == S.EXECUTIVE_VOTE  # recording does not close the round
    services.vote_close(application=application, actor=cast.secretariat)

    application = reload(application)
    vote_round.refresh_from_db()
    assert application.state == S.ADMITTED
    assert application.membership.state == MembershipState.ACTIVE
    assert (vote_round.outcome, vote_round.yes_count, vote_round.no_count, vote_round.abstain_count) == (
        VoteOutcome.PASSED,
        3,
        1,
        1,
    )
    assert vote_round.eligible_count == 5
    assert {b.voter.user_id: b.choice for b in Ballot.objects.filter(round=vote_round)} == {
        m.pk: c for m, c in zip(present, ["yes", "yes", "yes", "no", "abstain"], strict=True)
    }
    assert {b.recorded_by_id for b in ballots} == {cast.secretariat.pk}


def test_an_online_ballot_is_recorded_by_nobody(cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    ballot = services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    assert ballot.recorded_by is None


def test_a_named_round_is_recorded_in_several_entries_and_members_not_recorded_did_not_vote(cast, present):
    application, vote_round = open_in_room(cast, present, VoteMode.NAMED)

    record_named(cast, vote_round, present[:2], ["no", "no"])
    record_named(cast, vote_round, present[2:3], ["yes"])
    services.vote_close(application=application, actor=cast.secretariat)

    vote_round.refresh_from_db()
    assert (vote_round.outcome, vote_round.no_count, vote_round.yes_count) == (VoteOutcome.FAILED, 2, 1)
    assert reload(application).state == S.REJECTED


@pytest.mark.parametrize(
    ("who", "choice", "code", "message"),
    [
        ("absent", "yes", ErrorCode.INVALID, "is not present"),
        ("recused", "yes", ErrorCode.INVALID, "has recused"),
        ("recorded", "no", ErrorCode.CONFLICT, "recorded already"),
        ("present", "maybe", ErrorCode.INVALID, "choose yes, no or abstain"),
    ],
)
def test_a_named_vote_that_cannot_be_recorded_refuses_the_whole_entry(
    cast, committee, present, who, choice, code, message
):
    """One bad choice among good ones: nothing of the entry is written."""
    application, vote_round = open_in_room(cast, present, VoteMode.NAMED)
    services.vote_recuse(application=application, member=present[4], reason="My own union's neighbour.")
    record_named(cast, vote_round, present[3:4], ["yes"])
    person = {"absent": committee[5], "recused": present[4], "recorded": present[3], "present": present[2]}[
        who
    ]
    before = snapshot(application)

    error = refused(
        code,
        room_votes.named_votes_record,
        vote_round=vote_round,
        choices={present[0]: "yes", present[1]: "no", person: choice},
        actor=cast.secretariat,
    )

    assert message in error.message
    assert snapshot(application) == before


def test_named_votes_are_refused_in_an_online_or_counted_round_and_in_a_closed_one(cast, present):
    for mode in (VoteMode.ONLINE, VoteMode.COUNTED):
        application, vote_round = open_in_room(cast, present, mode)
        before = snapshot(application)
        error = refused(ErrorCode.NOT_ALLOWED, record_named, cast, vote_round, present[:1], ["yes"])
        assert "not voted by name" in error.message
        assert snapshot(application) == before

    application, vote_round = open_in_room(cast, present, VoteMode.NAMED)
    services.vote_close(application=application, actor=cast.secretariat)  # no quorum: back to reviewed
    before = snapshot(application)
    error = refused(ErrorCode.NOT_ALLOWED, record_named, cast, vote_round, present[:1], ["yes"])
    assert "closed" in error.message
    assert snapshot(application) == before


def test_only_the_secretariat_records_the_votes_of_the_room(cast, present):
    application, vote_round = open_in_room(cast, present, VoteMode.NAMED)
    counted_application, counted = open_in_room(cast, present, VoteMode.COUNTED)
    before = snapshot(application), snapshot(counted_application)

    for actor in (present[0], cast.reviewers[0], cast.applicant):
        refused(
            ErrorCode.FORBIDDEN,
            room_votes.named_votes_record,
            vote_round=vote_round,
            choices={present[0]: "yes"},
            actor=actor,
        )
        refused(
            ErrorCode.FORBIDDEN,
            room_votes.counted_totals_record,
            vote_round=counted,
            yes=1,
            no=0,
            abstain=0,
            actor=actor,
        )
    assert (snapshot(application), snapshot(counted_application)) == before


@pytest.mark.parametrize("mode", [VoteMode.NAMED, VoteMode.COUNTED])
def test_an_online_ballot_is_refused_in_a_round_voted_in_the_room(cast, present, mode):
    application, _vote_round = open_in_room(cast, present, mode)
    before = snapshot(application)

    error = refused(
        ErrorCode.NOT_ALLOWED, services.vote_cast, application=application, member=present[0], choice="yes"
    )

    assert "meeting room" in error.message
    assert snapshot(application) == before
    assert "vote" not in rules.allowed_actions(application, present[0])  # and never offered


# --- a counted round --------------------------------------------------------------------------------


def test_a_counted_round_decides_exactly_as_the_same_online_ballots(cast, present):
    """3 yes, 1 no, 1 abstain of 5 present: counted in the room, or cast online by the same five."""
    counted_application, counted = open_in_room(cast, present, VoteMode.COUNTED)
    room_votes.counted_totals_record(vote_round=counted, yes=3, no=1, abstain=1, actor=cast.secretariat)
    services.vote_close(application=counted_application, actor=cast.secretariat)

    online_application, online = open_in_room(cast, present, VoteMode.ONLINE)
    for member, choice in zip(present[:4], ["yes", "yes", "yes", "no"], strict=True):
        services.vote_cast(application=online_application, member=member, choice=choice)
    services.vote_cast(application=online_application, member=present[4], choice="abstain")  # closes it

    counted.refresh_from_db()
    online.refresh_from_db()

    def decided(r):
        return (r.outcome, r.yes_count, r.no_count, r.abstain_count, r.eligible_count, r.is_void)

    assert decided(counted) == decided(online) == (VoteOutcome.PASSED, 3, 1, 1, 5, False)
    assert reload(counted_application).state == reload(online_application).state == S.ADMITTED
    assert counted.totals_recorded_by == cast.secretariat
    assert counted.totals_recorded_at is not None
    assert not Ballot.objects.filter(round=counted).exists()


def test_totals_below_the_members_present_are_allowed_those_who_did_not_vote_are_not_counted(cast, present):
    application, vote_round = open_in_room(cast, present, VoteMode.COUNTED)
    room_votes.counted_totals_record(vote_round=vote_round, yes=2, no=0, abstain=0, actor=cast.secretariat)

    assert votes.round_tally(VoteRound.objects.get(pk=vote_round.pk)) == rules.Tally(
        eligible=5, yes=2, no=0, abstain=0
    )
    services.vote_close(application=application, actor=cast.secretariat)
    vote_round.refresh_from_db()
    assert vote_round.outcome == VoteOutcome.NO_QUORUM  # 2 of 5 is not more than half
    assert reload(application).state == S.REVIEWED


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ((4, 1, 1), "The totals (6) do not match the members present (5)"),
        ((-1, 3, 1), "whole numbers, zero or more"),
        ((2, None, 1), "whole numbers, zero or more"),
    ],
)
def test_totals_that_cannot_be_are_refused_and_nothing_written(cast, present, totals, message):
    application, vote_round = open_in_room(cast, present, VoteMode.COUNTED)
    before = snapshot(application)

    yes, no, abstain = totals
    error = refused(
        ErrorCode.INVALID,
        room_votes.counted_totals_record,
        vote_round=vote_round,
        yes=yes,
        no=no,
        abstain=abstain,
        actor=cast.secretariat,
    )

    assert message in error.message
    assert snapshot(application) == before


def test_a_recusal_lowers_the_members_who_may_be_counted(cast, present):
    application, vote_round = open_in_room(cast, present, VoteMode.COUNTED)
    services.vote_recuse(application=application, member=present[0], reason="")
    before = snapshot(application)

    error = refused(
        ErrorCode.INVALID,
        room_votes.counted_totals_record,
        vote_round=vote_round,
        yes=3,
        no=1,
        abstain=1,
        actor=cast.secretariat,
    )

    assert "The totals (5) do not match the members present (4)" in error.message
    assert snapshot(application) == before


def test_totals_are_final_and_close_the_door_to_recusals(cast, present):
    application, vote_round = open_in_room(cast, present, VoteMode.COUNTED)
    room_votes.counted_totals_record(vote_round=vote_round, yes=3, no=1, abstain=0, actor=cast.secretariat)
    before = snapshot(application)

    refused(
        ErrorCode.CONFLICT,
        room_votes.counted_totals_record,
        vote_round=vote_round,
        yes=4,
        no=0,
        abstain=0,
        actor=cast.secretariat,
    )
    refused(ErrorCode.CONFLICT, services.vote_recuse, application=application, member=present[4])

    assert snapshot(application) == before


def test_totals_are_refused_in_a_named_or_online_round_and_in_a_closed_one(cast, present):
    for mode in (VoteMode.ONLINE, VoteMode.NAMED):
        application, vote_round = open_in_room(cast, present, mode)
        before = snapshot(application)
        error = refused(
            ErrorCode.NOT_ALLOWED,
            room_votes.counted_totals_record,
            vote_round=vote_round,
            yes=1,
            no=0,
            abstain=0,
            actor=cast.secretariat,
        )
        assert "not counted in the room" in error.message
        assert snapshot(application) == before

    application, vote_round = open_in_room(cast, present, VoteMode.COUNTED)
    room_votes.counted_totals_record(vote_round=vote_round, yes=3, no=0, abstain=0, actor=cast.secretariat)
    services.vote_close(application=application, actor=cast.secretariat)
    before = snapshot(application)
    refused(
        ErrorCode.NOT_ALLOWED,
        room_votes.counted_totals_record,
        vote_round=vote_round,
        yes=3,
        no=0,
        abstain=0,
        actor=cast.secretariat,
    )
    assert snapshot(application) == before


def test_the_secretariat_closes_a_counted_round_once_its_totals_are_in(cast, present):
    application, _vote_round = open_in_room(cast, present, VoteMode.COUNTED)
    before = snapshot(application)

    error = refused(
        ErrorCode.INCOMPLETE, services.vote_close, application=application, actor=cast.secretariat
    )

    assert "Enter the totals" in error.message
    assert snapshot(application) == before


def test_nobody_is_asked_to_vote_online_in_a_round_of_the_room(cast, present):
    open_in_room(cast, present, VoteMode.COUNTED)

    opened = Notification.objects.filter(event=Event.VOTE_OPENED)
    assert set(opened.values_list("recipient_id", flat=True)) == {cast.applicant.pk}


# --- motions: the same rounds ----------------------------------------------------------------------


@pytest.fixture
def motion(cast):
    membership = MembershipFactory()
    return motions.motion_propose(
        membership=membership,
        actor=cast.secretariat,
        kind=MotionKind.SUSPEND,
        reason="No yearly return since 2023.",
    )


def test_a_motion_counted_in_the_room_is_carried_and_applied(cast, present, motion):
    vote_round = motions.motion_vote_open(
        motion=motion, actor=cast.secretariat, mode=VoteMode.COUNTED, electorate=present
    )
    assert not Notification.objects.filter(event="motion_vote_opened").exists()

    room_votes.counted_totals_record(vote_round=vote_round, yes=3, no=1, abstain=1, actor=cast.secretariat)
    motions.motion_vote_close(motion=Motion.objects.get(pk=motion.pk), actor=cast.secretariat)

    motion.refresh_from_db()
    vote_round.refresh_from_db()
    assert (motion.state, vote_round.outcome) == (MotionState.CARRIED, VoteOutcome.PASSED)
    assert motion.membership.state == MembershipState.SUSPENDED


def test_a_motion_named_in_the_room_is_defeated_by_the_votes_recorded(cast, present, motion):
    vote_round = motions.motion_vote_open(
        motion=motion, actor=cast.secretariat, mode=VoteMode.NAMED, electorate=present
    )
    record_named(cast, vote_round, present, ["yes", "no", "no", "no", "abstain"])
    refused(ErrorCode.NOT_ALLOWED, motions.motion_vote_cast, motion=motion, member=present[0], choice="yes")

    motions.motion_vote_close(motion=Motion.objects.get(pk=motion.pk), actor=cast.secretariat)

    motion.refresh_from_db()
    assert motion.state == MotionState.DEFEATED
    assert motion.membership.state == MembershipState.ACTIVE


def test_a_representative_of_the_union_present_in_the_room_is_kept_recused(cast, present, motion):
    """A conflict of interest among the members present: in the round's record, never counted."""
    representative_add_first(organization=motion.membership.organization, user=present[0])

    vote_round = motions.motion_vote_open(
        motion=motion, actor=cast.secretariat, mode=VoteMode.COUNTED, electorate=present
    )

    conflicted = vote_round.voters.get(user=present[0])
    assert conflicted.recused_at is not None
    assert conflicted.recusal_reason
    assert set(vote_round.voters.values_list("user_id", flat=True)) == {m.pk for m in present}
    assert votes.round_tally(vote_round).eligible == vote_round.eligible_count == 4
    error = refused(
        ErrorCode.INVALID,
        room_votes.counted_totals_record,
        vote_round=vote_round,
        yes=5,
        no=0,
        abstain=0,
        actor=cast.secretariat,
    )
    assert "The totals (5) do not match the members present (4)" in error.message
