"""The Executive Committee's vote, for every decision it takes: the admission of an application
(``workflows.services``) and the motions on a member union (``workflows.motions``).

One engine: a round with the rules in force when it opened, its electorate (the committee as it
was then, less anyone with a conflict of interest, whose rows are kept with the reason), named and
final ballots, recusals, the exact tally and the outcome (``rules.vote_outcome``). What a round
decides, who may open and close it, and what its outcome changes are the callers': they lock their
own row first, then call these inside the same transaction.
"""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles

from . import rules
from .errors import ErrorCode, WorkflowError
from .models import Ballot, BallotChoice, VoteOutcome, Voter, VoteRound


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
    **recorded,
) -> VoteRound:
    """A new round on ``subject`` (``{"application": …}`` or ``{"motion": …}``), numbered after the
    earlier ones, its electorate the Executive Committee now. Members in ``conflicts`` (user id →
    reason) are in the round's record, excluded from the start: never counted, never asked to vote.
    ``recorded``: further facts kept with the round (e.g. ``members_in_country``).
    No eligible member: ``incomplete``, and the caller's transaction undoes the rest."""
    members = list(roles.committee_members())
    eligible = [member for member in members if member.pk not in conflicts]
    if not eligible:
        raise WorkflowError(
            ErrorCode.INCOMPLETE, _("The Executive Committee has no members who may vote on this decision.")
        )
    vote_round = VoteRound.objects.create(
        **subject,
        number=VoteRound.objects.filter(**subject).count() + 1,
        category=category,
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
    """The current tally of a round: ballots by choice, and voters not recused (one query)."""
    counts = Voter.objects.filter(round=vote_round).aggregate(
        eligible=Count("pk", filter=Q(recused_at__isnull=True)),
        yes=Count("ballot", filter=Q(ballot__choice=BallotChoice.YES)),
        no=Count("ballot", filter=Q(ballot__choice=BallotChoice.NO)),
        abstain=Count("ballot", filter=Q(ballot__choice=BallotChoice.ABSTAIN)),
    )
    return rules.Tally(**counts)


def everyone_voted(tally: rules.Tally) -> bool:
    return tally.eligible > 0 and tally.cast >= tally.eligible


def electorate_row(vote_round: VoteRound, member) -> Voter:
    """``member``'s row in the round's electorate, refused as ``rules.electorate_refusal`` says."""
    row = (
        Voter.objects.filter(round=vote_round, user_id=getattr(member, "pk", None))
        .select_related("ballot")
        .first()
    )
    if refused := rules.electorate_refusal(row):
        raise WorkflowError(refused.code, str(refused.message))
    return row


def ballot_cast(vote_round: VoteRound, member, choice: str) -> tuple[Ballot, bool]:
    """Record ``member``'s final ballot; return it and whether every eligible member has now voted."""
    if choice not in BallotChoice.values:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Choose yes, no or abstain."),
            details={"choice": [_("Choose yes, no or abstain.")]},
        )
    row = electorate_row(vote_round, member)
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
    row = electorate_row(vote_round, member)
    row.recused_at = timezone.now()
    row.recusal_reason = (reason or "").strip()
    row.save(update_fields=["recused_at", "recusal_reason"])
    return row, everyone_voted(round_tally(vote_round))


class RoundResult(NamedTuple):
    tally: rules.Tally
    outcome: str  # a VoteOutcome
    closed_because: str  # "secretariat", "everyone_voted" or "deadline"


def round_result(vote_round: VoteRound, *, actor) -> RoundResult:
    """The round's tally and outcome if it closed now (by ``actor``, or by itself when None)."""
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
