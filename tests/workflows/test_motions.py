"""Decisions on member unions: motions proposed, voted in the admission's rounds, carried into the registry."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from notifications.models import Notification
from registry.models import EndReason, MembershipCategory, MembershipState, MembershipSuspension
from registry.selectors import active_on_q, today
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user, committee_member
from workflows import motions, tasks
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import Motion, MotionKind, MotionState, VoteOutcome, VoteRound

pytestmark = pytest.mark.django_db

K = MotionKind


@pytest.fixture
def union(cast):
    """An active member union (full, admitted in 2019) and its representative."""
    membership = MembershipFactory(admitted_on=datetime.date(2019, 3, 1), category=MembershipCategory.FULL)
    representative = applicant_user(first_name="Yusuf", last_name="Demir")
    representative_add_first(organization=membership.organization, user=representative)
    return membership, representative


def refused(code: ErrorCode, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def propose(cast, membership, kind=K.SUSPEND, **data):
    data.setdefault("reason", "Dues unpaid for two years and no yearly return since 2023.")
    return motions.motion_propose(membership=membership, actor=cast.secretariat, kind=kind, **data)


def vote_all(cast, motion, choices):
    for member, choice in zip(cast.committee, choices, strict=False):
        motions.motion_vote_cast(motion=motion, member=member, choice=choice)


def reload(row):
    return type(row).objects.get(pk=row.pk)


# --- a suspension, voted: the engine of admissions ---------------------------------------------------


def test_a_suspension_carried_by_the_committee_suspends_the_membership_from_that_day(cast, union):
    membership, representative = union
    motion = propose(cast, membership)
    vote_round = motions.motion_vote_open(motion=motion, actor=cast.secretariat)

    vote_all(cast, reload(motion), ["yes", "yes", "no"])

    vote_round.refresh_from_db()
    motion = reload(motion)
    membership.refresh_from_db()
    assert (vote_round.motion_id, vote_round.application_id, vote_round.number) == (motion.pk, None, 1)
    assert (vote_round.outcome, vote_round.yes_count, vote_round.no_count, vote_round.eligible_count) == (
        VoteOutcome.PASSED,
        2,
        1,
        3,
    )
    assert motion.state == MotionState.CARRIED
    assert motion.applied_at == motion.decided_at == vote_round.closed_at
    assert membership.state == MembershipState.SUSPENDED
    suspension = MembershipSuspension.objects.get(membership=membership)
    assert (suspension.starts_on, suspension.ends_on, suspension.reason) == (today(), None, motion.reason)
    assert not type(membership).objects.filter(active_on_q(today()), pk=membership.pk).exists()
    logged = list(StateLog.objects.for_(motion).values_list("transition", "by_id"))
    assert logged == [("open_vote", cast.secretariat.pk), ("close_vote", None)]
    told = set(Notification.objects.filter(event="motion_decided").values_list("recipient_email", "template"))
    assert (representative.email, "motion_decided") in told
    assert (cast.secretariat.email, "motion_decided_secretariat") in told


def test_a_defeated_motion_changes_nothing_and_the_union_is_told(cast, union):
    membership, representative = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)

    vote_all(cast, reload(motion), ["no", "no", "yes"])

    assert reload(motion).state == MotionState.DEFEATED
    membership.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE
    assert not MembershipSuspension.objects.exists()
    assert (
        Notification.objects.filter(event="motion_decided", recipient_email=representative.email).count() == 1
    )


def test_no_quorum_puts_the_motion_back_and_a_second_round_can_be_opened(cast, union):
    membership, _ = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    motions.motion_vote_cast(motion=reload(motion), member=cast.committee[0], choice="yes")

    first = motions.motion_vote_close(motion=reload(motion), actor=cast.secretariat)

    assert (first.outcome, first.is_void, reload(motion).state) == (
        VoteOutcome.NO_QUORUM,
        True,
        MotionState.PROPOSED,
    )
    second = motions.motion_vote_open(motion=reload(motion), actor=cast.secretariat)
    assert second.number == 2


def test_the_union_s_representatives_are_outside_the_electorate_with_the_reason(cast, union):
    membership, _ = union
    # A committee member who also represents the union concerned.
    representative_add_first(organization=membership.organization, user=cast.committee[2])
    motion = propose(cast, membership)
    vote_round = motions.motion_vote_open(motion=motion, actor=cast.secretariat)

    excluded = vote_round.voters.get(user=cast.committee[2])
    assert excluded.recused_at is not None
    assert "represents the union" in excluded.recusal_reason
    assert vote_round.eligible_count == 2
    error = refused(
        ErrorCode.FORBIDDEN,
        motions.motion_vote_cast,
        motion=reload(motion),
        member=cast.committee[2],
        choice="yes",
    )
    assert "recused" in error.message or "represent" in error.message
    # The two others decide alone: everyone eligible has voted.
    vote_all(cast, reload(motion), ["yes", "yes"])
    assert reload(motion).state == MotionState.CARRIED


def test_a_recusal_leaves_the_electorate_and_everyone_left_closes_the_round(cast, union):
    membership, _ = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)

    motions.motion_vote_recuse(motion=reload(motion), member=cast.committee[0], reason="Same university.")
    motions.motion_vote_cast(motion=reload(motion), member=cast.committee[1], choice="yes")
    motions.motion_vote_cast(motion=reload(motion), member=cast.committee[2], choice="yes")

    vote_round = VoteRound.objects.get(motion=motion)
    assert (vote_round.eligible_count, vote_round.outcome) == (2, VoteOutcome.PASSED)


def test_an_expulsion_needs_two_thirds_by_default(cast, union, settings):
    membership, _ = union
    cast.committee.append(committee_member())
    motion = propose(cast, membership, kind=K.EXPEL, reason="Activities contrary to the statutes.")
    vote_round = motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    assert vote_round.vote_rules["majority"] == settings.EXPULSION_MAJORITY == "two_thirds"

    vote_all(cast, reload(motion), ["yes", "yes", "no", "abstain"])  # 2 of 3 yes + no: exactly 2/3

    membership.refresh_from_db()
    assert reload(motion).state == MotionState.CARRIED
    assert (membership.state, membership.end_reason, membership.ended_on) == (
        MembershipState.ENDED,
        EndReason.EXPELLED,
        today(),
    )


def test_an_expulsion_short_of_two_thirds_fails_where_a_simple_majority_would_pass(cast, union):
    membership, _ = union
    cast.committee.extend([committee_member(), committee_member()])
    motion = propose(cast, membership, kind=K.EXPEL, reason="Activities contrary to the statutes.")
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)

    vote_all(cast, reload(motion), ["yes", "yes", "yes", "no", "no"])  # 3/5 > 1/2 but < 2/3

    assert reload(motion).state == MotionState.DEFEATED
    membership.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE


def test_a_reinstatement_ends_the_suspension(cast, union):
    membership, _ = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    vote_all(cast, reload(motion), ["yes"] * 3)
    suspension = MembershipSuspension.objects.get()
    MembershipSuspension.objects.filter(pk=suspension.pk).update(
        starts_on=today() - datetime.timedelta(days=30)
    )

    reinstate = propose(cast, reload(membership), kind=K.REINSTATE, reason="")
    motions.motion_vote_open(motion=reinstate, actor=cast.secretariat)
    vote_all(cast, reload(reinstate), ["yes"] * 3)

    membership.refresh_from_db()
    suspension.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE
    assert suspension.ends_on == today()


def test_a_change_of_category_asked_by_the_union_is_voted_and_applied(cast, union):
    membership, representative = union
    motion = motions.motion_propose(
        membership=membership,
        actor=representative,
        kind=K.CHANGE_CATEGORY,
        category=MembershipCategory.ASSOCIATE,
    )
    assert Notification.objects.filter(
        event="motion_proposed",
        recipient_email=cast.secretariat.email,
        template="motion_proposed_secretariat",
    ).exists()
    vote_round = motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    assert vote_round.category == MembershipCategory.ASSOCIATE
    vote_all(cast, reload(motion), ["yes"] * 3)

    membership.refresh_from_db()
    assert membership.category == MembershipCategory.ASSOCIATE


# --- a notice of withdrawal: no vote ---------------------------------------------------------------------


def test_a_notice_of_withdrawal_confirmed_ends_the_membership_on_the_date_it_names(cast, union):
    membership, representative = union
    motion = motions.motion_propose(
        membership=membership, actor=representative, kind=K.WITHDRAWAL, effective_on=today(), reason="Merged."
    )
    refused(ErrorCode.NOT_ALLOWED, motions.motion_vote_open, motion=motion, actor=cast.secretariat)

    motions.motion_confirm(motion=motion, actor=cast.secretariat)

    membership.refresh_from_db()
    assert reload(motion).state == MotionState.CARRIED
    assert (membership.state, membership.end_reason, membership.ended_on) == (
        MembershipState.ENDED,
        EndReason.WITHDRAWN,
        today(),
    )


def test_a_withdrawal_from_a_later_date_takes_effect_that_day(cast, union):
    membership, representative = union
    later = today() + datetime.timedelta(days=10)
    motion = motions.motion_propose(
        membership=membership, actor=representative, kind=K.WITHDRAWAL, effective_on=later
    )
    motions.motion_confirm(motion=motion, actor=cast.secretariat)
    membership.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE  # still a member until then

    assert motions.withdrawals_take_effect(on=later - datetime.timedelta(days=1)) == []
    assert motions.withdrawals_take_effect(on=later) == [motion.pk]
    assert motions.withdrawals_take_effect(on=later) == []  # once

    membership.refresh_from_db()
    assert (membership.state, membership.ended_on) == (MembershipState.ENDED, later)


def test_ending_a_membership_drops_its_other_open_motions_and_voids_their_rounds(cast, union):
    membership, representative = union
    change = motions.motion_propose(
        membership=membership,
        actor=representative,
        kind=K.CHANGE_CATEGORY,
        category=MembershipCategory.OBSERVER,
    )
    motions.motion_vote_open(motion=change, actor=cast.secretariat)
    expel = propose(cast, membership, kind=K.EXPEL, reason="Dissolved in practice; no reply since 2022.")
    motions.motion_vote_open(motion=expel, actor=cast.secretariat)

    vote_all(cast, reload(expel), ["yes"] * 3)

    change = reload(change)
    assert change.state == MotionState.DROPPED
    assert VoteRound.objects.get(motion=change).is_void
    assert Notification.objects.filter(event="motion_dropped", recipient_email=representative.email).exists()


# --- refusals: nothing changes ------------------------------------------------------------------------------


def test_a_motion_on_an_ended_membership_is_refused(cast, union):
    membership, _ = union
    membership.state, membership.ended_on, membership.end_reason = (
        MembershipState.ENDED,
        today(),
        EndReason.DISSOLVED,
    )
    membership.save()
    refused(ErrorCode.NOT_ALLOWED, propose, cast=cast, membership=membership)
    assert not Motion.objects.exists()


def test_two_motions_of_the_same_kind_at_once_are_refused_by_rule_and_by_constraint(cast, union):
    membership, _ = union
    first = propose(cast, membership)
    refused(ErrorCode.CONFLICT, propose, cast=cast, membership=membership)
    with pytest.raises(IntegrityError), transaction.atomic():
        Motion.objects.create(membership=membership, kind=K.SUSPEND, proposed_by=cast.secretariat)
    assert list(Motion.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        (K.SUSPEND, {"reason": ""}, "reason"),
        (K.EXPEL, {"reason": "  "}, "reason"),
        (K.CHANGE_CATEGORY, {"category": "full"}, "category"),
        (K.CHANGE_CATEGORY, {"category": "honorary"}, "category"),
        (K.WITHDRAWAL, {"effective_on": datetime.date(2018, 12, 31)}, "effective_on"),
        (K.WITHDRAWAL, {}, "effective_on"),
    ],
)
def test_a_proposal_missing_what_its_kind_needs_is_refused_with_the_field(cast, union, kind, data, field):
    membership, _ = union
    error = refused(
        ErrorCode.INVALID,
        motions.motion_propose,
        membership=membership,
        actor=cast.secretariat,
        kind=kind,
        **data,
    )
    assert field in error.details
    assert not Motion.objects.exists()


def test_a_union_gives_notice_from_today_not_before(cast, union):
    membership, representative = union
    error = refused(
        ErrorCode.INVALID,
        motions.motion_propose,
        membership=membership,
        actor=representative,
        kind=K.WITHDRAWAL,
        effective_on=today() - datetime.timedelta(days=1),
    )
    assert "effective_on" in error.details


@pytest.mark.parametrize("kind", [K.SUSPEND, K.REINSTATE, K.EXPEL])
def test_a_union_cannot_propose_the_committee_s_decisions(cast, union, kind):
    membership, representative = union
    refused(
        ErrorCode.FORBIDDEN,
        motions.motion_propose,
        membership=membership,
        actor=representative,
        kind=kind,
        reason="x",
    )


def test_reinstating_an_active_member_does_not_fit(cast, union):
    membership, _ = union
    refused(ErrorCode.NOT_ALLOWED, propose, cast=cast, membership=membership, kind=K.REINSTATE)


def test_only_the_secretariat_opens_closes_confirms_and_drops(cast, union):
    membership, representative = union
    motion = propose(cast, membership)
    for call in (motions.motion_vote_open, motions.motion_drop):
        refused(
            ErrorCode.FORBIDDEN,
            call,
            motion=motion,
            actor=cast.committee[0],
            **({"reason": "x"} if call is motions.motion_drop else {}),
        )
    refused(ErrorCode.FORBIDDEN, motions.motion_vote_open, motion=motion, actor=representative)
    assert reload(motion).state == MotionState.PROPOSED


def test_a_stale_page_is_a_conflict(cast, union):
    membership, _ = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    refused(
        ErrorCode.CONFLICT,
        motions.motion_drop,
        motion=motion,
        actor=cast.secretariat,
        reason="x",
        expected_state="proposed",
    )
    assert reload(motion).state == MotionState.VOTING


def test_a_dropped_motion_needs_a_reason_and_voids_its_round(cast, union):
    membership, _ = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    refused(ErrorCode.INVALID, motions.motion_drop, motion=reload(motion), actor=cast.secretariat, reason="")

    motions.motion_drop(motion=reload(motion), actor=cast.secretariat, reason="The union paid its dues.")

    assert reload(motion).state == MotionState.DROPPED
    assert VoteRound.objects.get(motion=motion).is_void
    membership.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE


# --- deadlines -------------------------------------------------------------------------------------------------


def test_the_deadline_closes_motion_rounds_through_the_periodic_task(cast, union):
    membership, _ = union
    motion = propose(cast, membership)
    vote_round = motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    vote_all(cast, reload(motion), ["yes", "yes"])
    VoteRound.objects.filter(pk=vote_round.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))

    assert tasks.close_due_vote_rounds() == [vote_round.pk]

    vote_round.refresh_from_db()
    assert (vote_round.outcome, reload(motion).state) == (VoteOutcome.PASSED, MotionState.CARRIED)
    assert StateLog.objects.for_(motion).latest("pk").by is None


def test_a_round_belongs_to_an_application_or_a_motion_never_both(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        VoteRound.objects.create(
            number=1, opened_by=cast.secretariat, deadline=timezone.now(), vote_rules={}, category="full"
        )


# --- one national union per country ------------------------------------------------------------------------


def _reviewed_application_from(cast, country):
    from tests.cast import application_in
    from workflows.models import ApplicationState

    return application_in(ApplicationState.REVIEWED, cast, country=country, name="Second Union of Kenya")


def test_the_vote_records_the_members_already_from_the_applicant_s_country(cast):
    from workflows import selectors, services

    MembershipFactory(
        organization__country="KE", organization__name="Kenya NUS", admitted_on=datetime.date(2019, 5, 2)
    )
    application = _reviewed_application_from(cast, "KE")

    assert [m.organization.name for m in selectors.members_from_country_of(application=application)] == [
        "Kenya NUS"
    ]
    vote_round = services.vote_open(application=application, actor=cast.secretariat)

    assert vote_round.members_in_country == [
        {"name": "Kenya NUS", "category": "full", "since": "2019-05-02", "state": "active"}
    ]


def test_one_full_member_per_country_when_the_setting_is_on(cast, settings):
    from workflows import services

    MembershipFactory(
        organization__country="KE", organization__name="Kenya NUS", admitted_on=datetime.date(2019, 5, 2)
    )
    application = _reviewed_application_from(cast, "KE")
    settings.ONE_FULL_MEMBER_PER_COUNTRY = True

    error = refused(ErrorCode.INVALID, services.vote_open, application=application, actor=cast.secretariat)
    assert "Kenya NUS is one since 2019" in error.details["category"][0]
    assert not VoteRound.objects.exists()

    vote_round = services.vote_open(application=application, actor=cast.secretariat, category="associate")
    assert vote_round.category == "associate"


def test_the_setting_is_off_by_default(cast, settings):
    from workflows import services

    assert settings.ONE_FULL_MEMBER_PER_COUNTRY is False
    MembershipFactory(organization__country="KE")
    application = _reviewed_application_from(cast, "KE")
    assert services.vote_open(application=application, actor=cast.secretariat).category == "full"


def test_every_motion_e_mail_renders_with_the_union_the_decision_and_the_link(cast, union):
    from notifications.delivery import message_build

    membership, representative = union
    motion = propose(cast, membership)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    vote_all(cast, reload(motion), ["yes"] * 3)
    change = motions.motion_propose(
        membership=reload(membership), actor=representative, kind=K.CHANGE_CATEGORY, category="observer"
    )
    motions.motion_drop(motion=change, actor=cast.secretariat, reason="Asked in error, the union says.")

    templates = set()
    for row in Notification.objects.filter(event__startswith="motion_"):
        message = message_build(row)
        body = message.body
        templates.add(row.template)
        assert membership.organization.name in message.subject + body, row.template
        assert "{{" not in body
        assert "{%" not in body
        assert (f"/member/{membership.organization.slug}/" in body) or ("/committee/motions/" in body)
    assert templates == {
        "motion_proposed",
        "motion_proposed_secretariat",
        "motion_vote_opened",
        "motion_decided",
        "motion_decided_secretariat",
        "motion_dropped",
    }
    dropped = Notification.objects.get(event="motion_dropped", recipient_email=representative.email)
    assert "Asked in error, the union says." in message_build(dropped).body
