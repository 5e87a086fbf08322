"""The Executive Committee's vote, for every decision it takes: the admission of an application
(``workflows.services``) and the motions on a member union (``workflows.motions``).

One engine: a round with the rules in force when it opened, its electorate (the committee as it
was then, less anyone with a conflict of interest, whose rows are kept with the reason), named and
final ballots, recusals, the exact tally and the outcome (``rules.vote_outcome``). What a round
decides, who may open and close it, and what its outcome changes are the callers': they lock their
own row first, then call these inside the same transaction.

A round's ``mode`` says how its votes reach the record: ``online`` (each member's own ballot),
``named`` (the minute-taker records each present member's choice as a ballot of theirs) or
``counted`` (the minute-taker enters the totals counted in the room). A round held in a meeting is
opened with the members present as its electorate. The tally of every mode comes from
``round_tally`` and its outcome from the same rules.
"""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.people import display_name

from . import rules
from .errors import ErrorCode, WorkflowError
from .models import Ballot, BallotChoice, VoteMode, VoteOutcome, Voter, VoteRound


def deadline_errors(deadline: datetime.datetime, *, now: datetime.datetime) -> dict[str, list[str]]:
    """A round's deadline is in the future and at most ``VOTE_MAX_DAYS`` days away (to the end of
    that day, UTC: the last day the forms offer)."""
    last_day = (now + datetime.timedelta(days=settings.VOTE_MAX_DAYS)).astimezone(datetime.UTC).date()
    if deadline <= now:
        return {"deadline": [_("The deadline must be in the future.")]}
    if deadline.astimezone(datetime.UTC).date() > last_day:
        return {
            "deadline": [
                _("The deadline must be at most %(days)d days away: %(date)s (UTC) at the latest.")
                % {"days": settings.VOTE_MAX_DAYS, "date": last_day.isoformat()}
            ]
        }
    return {}


def default_deadline(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.VOTE_DEFAULT_DEADLINE_DAYS)


def round_open(
    *,
    subject: dict,
    actor,
    deadline: datetime.datetime,
    vote_rules: rules.VoteRules,
    conflicts: dict[int, str],
    at: datetime.datetime,
    category: str,
    mode: str = VoteMode.ONLINE,
    electorate=None,
    **recorded,
) -> VoteRound:
    """A new round on ``subject`` (``{"application": …}`` or ``{"motion": …}``), numbered after the
    earlier ones, voted in ``mode``, its electorate the Executive Committee now — or, given
    ``electorate`` (e.g. the members present at a meeting), exactly those people, each of whom must
    be a member of the committee (``invalid`` otherwise). Members in ``conflicts`` (user id →
    reason) are in the round's record, excluded from the start: never counted, never asked to vote.
    ``recorded``: further facts kept with the round (e.g. ``members_in_country``).
    No eligible member: ``incomplete``, and the caller's transaction undoes the rest."""
    if mode not in VoteMode.values:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Please correct the errors below."),
            details={"mode": [_("Choose online, named or counted.")]},
        )
    members = list(roles.committee_members())
    if electorate is not None:
        members = _present_members(members, electorate)
    eligible = [member for member in members if member.pk not in conflicts]
    if not eligible:
        raise WorkflowError(
            ErrorCode.INCOMPLETE, _("The Executive Committee has no members who may vote on this decision.")
        )
    vote_round = VoteRound.objects.create(
        **subject,
        number=VoteRound.objects.filter(**subject).count() + 1,
        category=category,
        mode=mode,
        opened_by=actor,
        deadline=deadline,
        vote_rules=vote_rules.to_json(),
        eligible_count=len(eligible),
        **recorded,
    )
    Voter.objects.bulk_create(
        [
            Voter(round=vote_round, user=member)
            if member.pk not in conflicts
            else Voter(round=vote_round, user=member, recused_at=at, recusal_reason=conflicts[member.pk])
            for member in members
        ]
    )
    return vote_round


def _present_members(committee: list, electorate) -> list:
    """The members of ``committee`` named in ``electorate``, in the committee's order; anyone
    named who is not a member is refused (``invalid``, naming them)."""
    members = {member.pk: member for member in committee}
    outsiders = [person for person in electorate if getattr(person, "pk", None) not in members]
    if outsiders:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Only members of the Executive Committee vote in its rounds."),
            details={
                "electorate": [
                    _("%(name)s is not a member of the Executive Committee.") % {"name": display_name(person)}
                    for person in outsiders
                ]
            },
        )
    present = {person.pk for person in electorate}
    return [member for member in committee if member.pk in present]


def open_round_of(subject: dict) -> VoteRound | None:
    """The open round on ``subject``, locked (the caller has locked the subject itself). Ordered by
    its own number: the model's ordering joins the nullable application and motion, and PostgreSQL
    locks no row on the nullable side of an outer join."""
    return (
        VoteRound.objects.select_for_update()
        .filter(**subject, closed_at__isnull=True)
        .order_by("number")
        .first()
    )


def round_tally(vote_round: VoteRound) -> rules.Tally:
    """The current tally of a round, whatever its mode: the voters not recused, and the ballots by
    choice (online and named rounds) or the totals entered in the room (a counted round; zeros
    until they are). One query."""
    if vote_round.mode == VoteMode.COUNTED:
        eligible = Voter.objects.filter(round=vote_round, recused_at__isnull=True).count()
        return rules.Tally(
            eligible=eligible,
            yes=vote_round.yes_count,
            no=vote_round.no_count,
            abstain=vote_round.abstain_count,
        )
    counts = Voter.objects.filter(round=vote_round).aggregate(
        eligible=Count("pk", filter=Q(recused_at__isnull=True)),
        yes=Count("ballot", filter=Q(ballot__choice=BallotChoice.YES)),
        no=Count("ballot", filter=Q(ballot__choice=BallotChoice.NO)),
        abstain=Count("ballot", filter=Q(ballot__choice=BallotChoice.ABSTAIN)),
    )
    return rules.Tally(**counts)


def everyone_voted(tally: rules.Tally) -> bool:
    return tally.eligible > 0 and tally.cast >= tally.eligible


def _raise(refused: rules.Refusal | None) -> None:
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))


def electorate_row(vote_round: VoteRound, member, action: str) -> Voter:
    """``member``'s row in the round's electorate for their own ``action`` (vote, recuse), refused
    as ``rules.voter_refusal`` says (the round's mode, then the row)."""
    row = (
        Voter.objects.filter(round=vote_round, user_id=getattr(member, "pk", None))
        .select_related("ballot")
        .first()
    )
    _raise(rules.voter_refusal(vote_round, row, action))
    return row


def ballot_cast(vote_round: VoteRound, member, choice: str) -> tuple[Ballot, bool]:
    """Record ``member``'s final ballot; return it and whether every eligible member has now voted."""
    if choice not in BallotChoice.values:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Choose yes, no or abstain."),
            details={"choice": [_("Choose yes, no or abstain.")]},
        )
    row = electorate_row(vote_round, member, "vote")
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(round=vote_round, voter=row, choice=choice)
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("You have already voted in this round; a ballot is final.")
        ) from None
    return ballot, everyone_voted(round_tally(vote_round))


def voter_recuse(vote_round: VoteRound, member, reason: str) -> tuple[Voter, bool]:
    """``member`` leaves the electorate before voting; return the row and whether everyone left has voted."""
    row = electorate_row(vote_round, member, "recuse")
    row.recused_at = timezone.now()
    row.recusal_reason = (reason or "").strip()
    row.save(update_fields=["recused_at", "recusal_reason"])
    return row, everyone_voted(round_tally(vote_round))


def named_ballots_record(vote_round: VoteRound, choices: dict, recorded_by) -> list[Ballot]:
    """Record the choices (user → yes/no/abstain) announced in the room as the members' ballots,
    all or none: every choice is checked (``rules.named_choice_refusal``: present, not recused, not
    recorded yet) before any is written, and the refusals are all reported, one line each, under
    ``choices``. The caller has checked the round (``rules.room_record_refusal``)."""
    users = list(choices)
    rows = {
        row.user_id: row
        for row in Voter.objects.filter(
            round=vote_round, user_id__in=[getattr(user, "pk", None) for user in users]
        ).select_related("ballot")
    }
    refusals = [
        refused
        for user in users
        if (refused := rules.named_choice_refusal(rows.get(getattr(user, "pk", None)), user, choices[user]))
    ]
    if refusals:
        code = ErrorCode.CONFLICT if all(r.code == "conflict" for r in refusals) else ErrorCode.INVALID
        messages = [str(r.message) for r in refusals]
        raise WorkflowError(
            code,
            messages[0] if len(messages) == 1 else _("Please correct the errors below."),
            details={"choices": messages},
        )
    try:
        with transaction.atomic():
            return Ballot.objects.bulk_create(
                [
                    Ballot(
                        round=vote_round, voter=rows[user.pk], choice=choices[user], recorded_by=recorded_by
                    )
                    for user in users
                ]
            )
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("Someone else recorded a vote of this round meanwhile; please reload.")
        ) from None


def counted_totals_enter(
    vote_round: VoteRound, *, yes, no, abstain, recorded_by, at: datetime.datetime
) -> rules.Tally:
    """Keep the totals counted in the room on the round, with who entered them and when; final.
    They add up to at most the members present who may vote (``rules.counted_totals_refusal``).
    Return the round's tally (``round_tally``), now those totals."""
    if vote_round.totals_recorded_at is not None:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("The totals of this round are recorded already; they are final.")
        )
    eligible = round_tally(vote_round).eligible
    refused = rules.counted_totals_refusal(yes, no, abstain, eligible=eligible)
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details={"totals": [str(refused.message)]})
    vote_round.yes_count, vote_round.no_count, vote_round.abstain_count = yes, no, abstain
    vote_round.totals_recorded_by, vote_round.totals_recorded_at = recorded_by, at
    vote_round.save(
        update_fields=["yes_count", "no_count", "abstain_count", "totals_recorded_by", "totals_recorded_at"]
    )
    return round_tally(vote_round)


class RoundResult(NamedTuple):
    tally: rules.Tally
    outcome: str  # a VoteOutcome
    closed_because: str  # "secretariat", "everyone_voted" or "deadline"


def round_result(vote_round: VoteRound, *, actor) -> RoundResult:
    """The round's tally and outcome if it closed now (by ``actor``, or by itself when None). A
    person closes a counted round once its totals are entered (``rules.close_round_refusal``)."""
    if actor is not None:
        _raise(rules.close_round_refusal(vote_round))
    tally = round_tally(vote_round)
    closed_because = (
        "secretariat" if actor is not None else "everyone_voted" if everyone_voted(tally) else "deadline"
    )
    return RoundResult(
        tally, rules.vote_outcome(tally, rules.VoteRules.from_json(vote_round.vote_rules)), closed_because
    )


def round_close(vote_round: VoteRound, result: RoundResult, *, actor, at: datetime.datetime) -> VoteRound:
    """Record ``result`` on the round: closed, by whom, the outcome and the tally kept with it."""
    tally = result.tally
    vote_round.closed_at = at
    vote_round.closed_by = actor
    vote_round.outcome = result.outcome
    vote_round.is_void = result.outcome == VoteOutcome.NO_QUORUM
    vote_round.yes_count, vote_round.no_count, vote_round.abstain_count = tally.yes, tally.no, tally.abstain
    vote_round.eligible_count = tally.eligible
    vote_round.save()
    return vote_round


def rounds_void(subject: dict, *, at: datetime.datetime) -> int:
    """Void the open round on ``subject`` (its decision was withdrawn or dropped)."""
    return VoteRound.objects.filter(**subject, closed_at__isnull=True).update(closed_at=at, is_void=True)


def due_rounds(now: datetime.datetime) -> QuerySet[VoteRound]:
    """Open rounds past their deadline, applications' and motions' alike, oldest deadline first."""
    return (
        VoteRound.objects.filter(closed_at__isnull=True, deadline__lte=now)
        .select_related("application", "motion")
        .order_by("deadline", "pk")
    )
