"""Decisions on member unions: suspend, reinstate, expel, change the category, let a membership
lapse for unpaid dues, waive dues above ``DUES_WAIVER_LIMIT``, and the union's notice of
withdrawal. Pages, the API, the admin and tasks call only these.

A motion is proposed by the secretariat (a union asks for a change of category and gives notice of
withdrawal itself), put to the Executive Committee in the rounds of ``workflows.votes`` — the very
rounds, electorate, ballots and tally of an admission — and carried, defeated or dropped. A notice of
withdrawal needs no vote: the secretariat confirms it, and it takes effect on the date it names.

Each action is one database transaction: lock the motion (or, to propose, the organization), check
``rules.motion_refusal`` / ``rules.motion_proposal_refusal``, change, log (django-fsm-log, with the
actor and the reason), write the outbox rows. The outcome changes the membership in the same
transaction (``registry.services``). A refused action raises ``WorkflowError`` and changes nothing.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from accounts import roles
from dues import services as dues_services
from dues.errors import DuesError
from dues.models import Invoice
from dues.money import from_minor
from dues.reports import on_lapse_list
from dues.selectors import invoices_with_open_amount
from notifications.services import InLanguage
from registry import feed
from registry.models import EndReason, Membership, MembershipCategory, MembershipState, Organization
from registry.selectors import today
from registry.services import (
    membership_category_change,
    membership_end,
    membership_reinstate,
    membership_suspend,
)

from . import rules, votes
from .errors import ErrorCode, WorkflowError
from .events import MemberEvent
from .membership import member_notify
from .models import Ballot, Motion, MotionKind, MotionState, VoteMode, VoteOutcome, Voter, VoteRound
from .notifications import Recipient, member_link, motion_link

logger = logging.getLogger(__name__)

# --- helpers ------------------------------------------------------------------------------------------


def _lock(motion: Motion, *, expected_state: str | None = None) -> Motion:
    """Lock the motion's row; refuse (``conflict``) a caller who saw another state than it has now."""
    try:
        locked = (
            Motion.objects.select_for_update().select_related("membership__organization").get(pk=motion.pk)
        )
    except Motion.DoesNotExist:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This motion no longer exists.")) from None
    if expected_state is not None and locked.state != expected_state:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("Someone else changed this motion meanwhile: it is now “%(state)s”.")
            % {"state": locked.get_state_display()},
            details={"state": locked.state},
        )
    return locked


def _check(action: str, motion: Motion, actor) -> None:
    refused = rules.motion_refusal(action, motion, actor)
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))


def _invalid(field: str, message: str) -> WorkflowError:
    return WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details={field: [message]})


def _check_text(text: str, *, field: str) -> str:
    text = (text or "").strip()
    if len(text) > rules.COMMENT_MAX_LENGTH:
        raise _invalid(field, _("At most %(limit)d characters.") % {"limit": rules.COMMENT_MAX_LENGTH})
    return text


def _transition(motion: Motion, name: str, *, actor, comment: str = "", args: tuple = ()) -> StateLog:
    """Run the transition ``name`` on a locked motion (checked by the caller), save, return its log."""
    motion.transition_comment = comment
    getattr(motion, name)(*args, by=actor, description=comment or None)
    motion.save()
    content_type = ContentType.objects.get_for_model(Motion)
    return StateLog.objects.filter(content_type=content_type, object_id=motion.pk).latest("pk")


def _context(motion: Motion) -> dict:
    organization = motion.membership.organization
    return {
        "organization_id": organization.pk,
        "organization_name": organization.name,
        "acronym": organization.acronym,
        "motion_id": motion.pk,
        "kind": motion.kind,
        "kind_label": InLanguage(motion.get_kind_display),
        "reason": motion.reason,
        "category_label": InLanguage(motion.get_category_display) if motion.category else "",
        "effective_on": motion.effective_on.isoformat() if motion.effective_on else "",
        "state": motion.state,
        "state_label": InLanguage(motion.get_state_display),
        "link": member_link(organization.slug),
        "committee_link": motion_link(motion.pk),
    }


def _representatives(organization: Organization) -> list[Recipient]:
    from registry.selectors import active_representatives

    return [Recipient.of(r.user, "representative") for r in active_representatives(organization)]


def _secretariat() -> list[Recipient]:
    return [Recipient.of(u, "secretariat") for u in roles.members_of(roles.SECRETARIAT)]


def _tell(
    event: MemberEvent, motion: Motion, *, discriminator: str, union: bool, secretariat: bool, **extra
) -> None:
    """The union's representatives and/or the secretariat hear of ``event`` on ``motion``."""
    context = {**_context(motion), **extra}
    if union:
        recipients = _representatives(motion.membership.organization)
        member_notify(
            event, recipients=recipients, about=motion, discriminator=discriminator, context=context
        )
    if secretariat:
        member_notify(
            event,
            recipients=_secretariat(),
            about=motion,
            discriminator=discriminator,
            context=context,
            template=f"{event.value}_secretariat",
        )


# --- proposing ----------------------------------------------------------------------------------------


def _clean_proposal(membership: Membership, actor, kind: str, data: dict) -> dict:
    """The motion's own fields for ``kind``, checked: a reason where the union must be told why, a
    new category, a withdrawal's date (not before admission; a union's notice not before today)."""
    reason = _check_text(data.get("reason", ""), field="reason")
    if kind in rules.MOTION_REASON_REQUIRED and not reason:
        raise _invalid("reason", _("Give the reason: the union is told why."))
    fields = {"reason": reason, "category": "", "effective_on": None, "invoice": None, "amount_minor": None}
    if kind == MotionKind.CHANGE_CATEGORY:
        category = data.get("category") or ""
        if category not in MembershipCategory.values:
            raise _invalid("category", _("Choose full, associate or observer."))
        if category == membership.category:
            raise _invalid("category", _("This is the union's category already."))
        fields["category"] = category
    if kind == MotionKind.WITHDRAWAL:
        fields["effective_on"] = _clean_effective_on(membership, actor, data.get("effective_on"))
    if kind == MotionKind.WAIVE_DUES:
        fields["invoice"], fields["amount_minor"] = _clean_waiver(membership, data)
    return fields


def _clean_waiver(membership: Membership, data: dict) -> tuple[Invoice, int]:
    """A waiver's invoice (the union's, by its number) and amount: more than the secretariat may
    waive alone (``DUES_WAIVER_LIMIT``, else it needs no motion), at most what is open on it today."""
    number = (data.get("invoice_number") or "").strip()
    invoice = Invoice.objects.filter(membership=membership, number=number).first() if number else None
    if invoice is None:
        raise _invalid("invoice_number", _("Give the number of one of this union's invoices."))
    try:
        amount_minor = dues_services.waiver_amount_minor(data.get("amount"), invoice.currency)
    except DuesError as exc:
        raise _invalid("amount", exc.message) from None
    if amount_minor <= dues_services.waiver_limit_minor(invoice.currency):
        raise _invalid(
            "amount",
            _("Up to %(limit)s %(currency)s the secretariat waives without a motion.")
            % {"limit": settings.DUES_WAIVER_LIMIT, "currency": invoice.currency},
        )
    open_minor = invoices_with_open_amount(today()).get(pk=invoice.pk).open_minor
    if amount_minor > open_minor:
        raise _invalid("amount", _("The waiver is more than is open on this invoice."))
    return invoice, amount_minor


def _clean_effective_on(membership: Membership, actor, effective_on) -> datetime.date:
    if not isinstance(effective_on, datetime.date):
        raise _invalid("effective_on", _("Give the date the withdrawal takes effect."))
    if effective_on < membership.admitted_on:
        raise _invalid(
            "effective_on",
            _("A withdrawal cannot take effect before the union was admitted (%(date)s).")
            % {"date": membership.admitted_on.isoformat()},
        )
    # A notice takes effect on the day it is given or later; the secretariat may record a notice
    # received earlier by letter, with its date.
    if not roles.is_secretariat(actor) and effective_on < today():
        raise _invalid(
            "effective_on", _("The date is today or later: a notice takes effect from the day it is given.")
        )
    return effective_on


@transaction.atomic
def motion_propose(*, membership: Membership, actor, kind: str, **data) -> Motion:
    """A new motion of ``kind`` on ``membership``; the union (proposed by the secretariat) or the
    secretariat (asked by the union) is told. ``data``: reason, category, effective_on."""
    Organization.objects.select_for_update().get(pk=membership.organization_id)
    membership = Membership.objects.select_related("organization").get(pk=membership.pk)
    refused = rules.motion_proposal_refusal(membership, actor, kind)
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))
    fields = _clean_proposal(membership, actor, kind, data)
    try:
        with transaction.atomic():
            motion = Motion.objects.create(membership=membership, kind=kind, proposed_by=actor, **fields)
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("A motion of this kind is open already for this member.")
        ) from None
    by_union = not roles.is_secretariat(actor)
    _tell(
        MemberEvent.MOTION_PROPOSED,
        motion,
        discriminator="proposed",
        union=not by_union,
        secretariat=by_union,
    )
    return motion


# --- the vote (``workflows.votes``) ------------------------------------------------------------------


@transaction.atomic
def motion_vote_open(
    *,
    motion: Motion,
    actor,
    deadline: datetime.datetime | None = None,
    comment: str = "",
    expected_state: str | None = None,
    mode: str = VoteMode.ONLINE,
    electorate=None,
) -> VoteRound:
    """proposed → voting: a round with the motion's rules (an expulsion: ``EXPULSION_MAJORITY``) in
    ``mode``, its electorate the committee or ``electorate`` (the members present in a meeting room);
    the union's representatives are excluded from it with the reason. In an online round each
    voter is told; a round in the room is recorded through ``workflows.room_votes``."""
    locked = _lock(motion, expected_state=expected_state or motion.state)
    _check("open_vote", locked, actor)
    now = timezone.now()
    deadline = deadline or votes.default_deadline(now)
    if errors := votes.deadline_errors(deadline, now=now):
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=errors)
    log = _transition(locked, "open_vote", actor=actor, comment=_check_text(comment, field="comment"))
    vote_round = votes.round_open(
        subject={"motion": locked},
        actor=actor,
        deadline=deadline,
        vote_rules=rules.motion_rules(locked.kind),
        conflicts=rules.motion_conflicts_of_interest(locked.membership),
        at=log.timestamp,
        category=locked.category or locked.membership.category,
        mode=mode,
        electorate=electorate,
    )
    voters = Voter.objects.filter(round=vote_round, user__is_active=True, recused_at__isnull=True)
    if vote_round.mode != VoteMode.ONLINE:
        voters = voters.none()  # voted in the room: nobody is asked to vote online
    member_notify(
        MemberEvent.MOTION_VOTE_OPENED,
        recipients=[Recipient.of(v.user, "voter") for v in voters.select_related("user")],
        about=locked,
        discriminator=f"round{vote_round.pk}",
        context={**_context(locked), "deadline": deadline.isoformat()},
    )
    return vote_round


def _open_round(motion: Motion) -> VoteRound:
    vote_round = votes.open_round_of({"motion": motion})
    if vote_round is None or motion.state != MotionState.VOTING:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("There is no open vote on this motion."))
    return vote_round


@transaction.atomic
def motion_vote_cast(*, motion: Motion, member, choice: str, expected_state: str | None = None) -> Ballot:
    """One final ballot by ``member``; the round closes when every eligible member has voted."""
    locked = _lock(motion, expected_state=expected_state)
    vote_round = _open_round(locked)
    _check("vote", locked, member)
    ballot, complete = votes.ballot_cast(vote_round, member, choice)
    if complete:
        _close_round(locked, vote_round, actor=None, comment=_("Every eligible member has voted."))
    return ballot


@transaction.atomic
def motion_vote_recuse(
    *, motion: Motion, member, reason: str = "", expected_state: str | None = None
) -> Voter:
    """``member`` leaves the round's electorate before voting (with the reason)."""
    locked = _lock(motion, expected_state=expected_state)
    vote_round = _open_round(locked)
    _check("recuse", locked, member)
    row, complete = votes.voter_recuse(vote_round, member, _check_text(reason, field="reason"))
    if complete:
        _close_round(locked, vote_round, actor=None, comment=_("Every eligible member has voted."))
    return row


@transaction.atomic
def motion_vote_close(
    *, motion: Motion, actor=None, comment: str = "", system: bool = False, expected_state: str | None = None
) -> VoteRound:
    """Close the open round (by the secretariat, or by the system at the deadline)."""
    locked = _lock(motion, expected_state=None if system else (expected_state or motion.state))
    if not system:
        _check("close_vote", locked, actor)
    vote_round = _open_round(locked)
    return _close_round(locked, vote_round, actor=actor, comment=_check_text(comment, field="comment"))


def _close_round(motion: Motion, vote_round: VoteRound, *, actor, comment: str) -> VoteRound:
    """Record the outcome; carried: the membership changes now. No quorum: the motion is proposed
    again (a new round may be opened). The union and the secretariat are told of a decision."""
    result = votes.round_result(vote_round, actor=actor)
    log = _transition(motion, "close_vote", actor=actor, comment=comment, args=(result.outcome,))
    votes.round_close(vote_round, result, actor=actor, at=log.timestamp)
    if result.outcome == VoteOutcome.NO_QUORUM:
        _tell(
            MemberEvent.MOTION_DECIDED,
            motion,
            discriminator=f"round{vote_round.pk}",
            union=False,
            secretariat=True,
        )
        return vote_round
    motion.decided_at = log.timestamp
    motion.save(update_fields=["decided_at"])
    if result.outcome == VoteOutcome.PASSED:
        _apply(motion, at=log.timestamp)
    _tell(MemberEvent.MOTION_DECIDED, motion, discriminator=motion.state, union=True, secretariat=True)
    return vote_round


# --- without a vote: a notice confirmed, a motion dropped ---------------------------------------------


@transaction.atomic
def motion_confirm(*, motion: Motion, actor, comment: str = "", expected_state: str | None = None) -> Motion:
    """The secretariat confirms a notice of withdrawal: carried now; the membership ends on the
    date the notice names (now, if that day has come; else ``withdrawals_take_effect`` that day)."""
    locked = _lock(motion, expected_state=expected_state or motion.state)
    _check("confirm", locked, actor)
    log = _transition(locked, "confirm", actor=actor, comment=_check_text(comment, field="comment"))
    locked.decided_at = log.timestamp
    locked.save(update_fields=["decided_at"])
    if locked.effective_on <= log.timestamp.date():
        _apply(locked, at=log.timestamp)
    _tell(MemberEvent.MOTION_DECIDED, locked, discriminator=locked.state, union=True, secretariat=False)
    return locked


@transaction.atomic
def motion_drop(*, motion: Motion, actor, reason: str, expected_state: str | None = None) -> Motion:
    """The secretariat drops an open motion, with the reason; an open round is void."""
    locked = _lock(motion, expected_state=expected_state or motion.state)
    _check("drop", locked, actor)
    reason = _check_text(reason, field="reason")
    if not reason:
        raise _invalid("reason", _("Give the reason: the union is told why."))
    _drop(locked, actor=actor, reason=reason)
    return locked


def _drop(motion: Motion, *, actor, reason: str) -> None:
    log = _transition(motion, "drop", actor=actor, comment=reason)
    votes.rounds_void({"motion": motion}, at=log.timestamp)
    _tell(
        MemberEvent.MOTION_DROPPED,
        motion,
        discriminator="dropped",
        union=True,
        secretariat=actor is None,
        drop_reason=reason,
    )


# --- what a carried motion changes --------------------------------------------------------------------


def _apply(motion: Motion, *, at: datetime.datetime) -> None:
    """Change the membership as ``motion`` decided, in the caller's transaction. A membership whose
    state no longer fits (changed in the admin meanwhile) is refused as ``conflict``."""
    membership = Membership.objects.select_for_update().get(pk=motion.membership_id)
    if membership.state not in rules.MOTION_KIND_STATES[motion.kind]:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("The membership is “%(state)s” now: this decision no longer fits it. Nothing was changed.")
            % {"state": membership.get_state_display()},
        )
    on = at.date()
    if motion.kind == MotionKind.LAPSE and not on_lapse_list(membership, on):
        raise WorkflowError(ErrorCode.CONFLICT, str(rules.lapse_refusal().message))
    if motion.kind == MotionKind.SUSPEND:
        membership_suspend(membership=membership, on=on, reason=motion.reason)
    elif motion.kind == MotionKind.REINSTATE:
        membership_reinstate(membership=membership, on=on)
    elif motion.kind == MotionKind.CHANGE_CATEGORY:
        membership_category_change(membership=membership, category=motion.category)
    elif motion.kind == MotionKind.WAIVE_DUES:
        _waive(motion, on=on)
    else:
        ends = {
            MotionKind.EXPEL: (EndReason.EXPELLED, on),
            MotionKind.LAPSE: (EndReason.LAPSED, on),
            MotionKind.WITHDRAWAL: (EndReason.WITHDRAWN, motion.effective_on),
        }[motion.kind]
        membership_end(membership=membership, on=ends[1], reason=ends[0])
        _drop_the_others(membership, keep=motion)
    motion.applied_at = at
    motion.save(update_fields=["applied_at"])
    feed.publish(membership.organization_id, decision={"type": "motion", "id": motion.pk})


def _waive(motion: Motion, *, on: datetime.date) -> None:
    """The committee's waiver: ``waiver_grant`` beyond the secretariat's limit, recording the motion.
    What the ledger refuses now (paid meanwhile: more than is open) is a ``conflict``."""
    try:
        dues_services.waiver_grant(
            invoice=motion.invoice,
            actor=None,
            amount=from_minor(motion.amount_minor, motion.invoice.currency),
            reason=motion.reason,
            on=on,
            by_motion=motion.pk,
        )
    except DuesError as exc:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("The ledger refuses this waiver now: %(reason)s") % {"reason": exc.message}
        ) from None


def _drop_the_others(membership: Membership, *, keep: Motion) -> None:
    """An ended membership: its other open motions are dropped by the system, their rounds void."""
    others = Motion.objects.select_for_update().filter(
        membership=membership, state__in=("proposed", "voting")
    )
    for other in others.exclude(pk=keep.pk):
        _drop(other, actor=None, reason=_("The membership has ended."))


# --- periodic: deadlines and withdrawals that take effect ------------------------------------------------


def close_due_motion_rounds(*, now: datetime.datetime | None = None) -> list[int]:
    """Close every open motion round past its deadline, each in its own transaction; return their ids.
    A round that cannot be closed is logged and left open for the next run and the secretariat."""
    closed = []
    for vote_round in votes.due_rounds(now or timezone.now()).filter(motion__isnull=False):
        try:
            motion_vote_close(motion=vote_round.motion, comment=_("The deadline has passed."), system=True)
        except WorkflowError as exc:
            if exc.code != ErrorCode.NOT_ALLOWED:
                logger.warning("Motion round %s not closed at its deadline: %r", vote_round.pk, exc)
            continue
        except Exception:
            logger.exception("Motion round %s could not be closed at its deadline", vote_round.pk)
            continue
        closed.append(vote_round.pk)
    return closed


def withdrawals_take_effect(*, on: datetime.date | None = None) -> list[int]:
    """End the memberships whose confirmed notice of withdrawal takes effect by ``on`` (today)."""
    on = on or today()
    due = Motion.objects.filter(
        kind=MotionKind.WITHDRAWAL, state=MotionState.CARRIED, applied_at__isnull=True, effective_on__lte=on
    )
    applied = []
    for motion in due:
        with transaction.atomic():
            locked = _lock(motion)
            if locked.applied_at is None and locked.membership.state != MembershipState.ENDED:
                _apply(locked, at=timezone.now())
                applied.append(locked.pk)
    return applied
