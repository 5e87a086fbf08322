"""Votes taken in a meeting room, recorded by the minute-taker into a round of ``workflows.votes``.

A round opened in mode ``named`` takes each present member's choice as their ballot; a round in
mode ``counted`` takes the totals counted in the room. Neither closes the round: the secretariat
then closes it with the decision's own service (``services.vote_close``, ``motions.motion_vote_close``),
which tallies it (``votes.round_tally``) and decides by the same rules as an online round.

Each action is one database transaction: lock the decision (the application or the motion) and its
open round, check the round (``rules.room_record_refusal``) and who records
(``rules.room_recorder_refusal``: the meeting's minute-taker, or whoever may close the round), check
every entry, write. A refused
action raises ``WorkflowError`` and writes nothing.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules, votes
from .errors import ErrorCode, WorkflowError
from .models import Ballot, MembershipApplication, Motion, VoteMode, VoteRound


def _raise(refused: rules.Refusal | None) -> None:
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))


def _locked_round(vote_round: VoteRound, *, mode: str, actor, minute_taker_id: int | None) -> VoteRound:
    """Lock the round's decision, then the round itself (still open, in ``mode``), and check that
    ``actor`` may record in it."""
    if vote_round.application_id is not None:
        subject = MembershipApplication.objects.select_for_update().get(pk=vote_round.application_id)
        key = {"application": subject}
    else:
        subject = Motion.objects.select_for_update().select_related("membership").get(pk=vote_round.motion_id)
        key = {"motion": subject}
    locked = votes.open_round_of(key)
    if locked is not None and locked.pk != vote_round.pk:
        locked = None  # a later round is open: this one is closed
    _raise(rules.room_record_refusal(locked, mode))
    _raise(rules.room_recorder_refusal(subject, actor, minute_taker_id=minute_taker_id))
    return locked


@transaction.atomic
def named_votes_record(
    *, vote_round: VoteRound, choices: dict, actor, minute_taker_id: int | None = None
) -> list[Ballot]:
    """Record the choices announced in the room by name (``choices``: member → yes, no or abstain)
    as those members' final ballots, recorded by ``actor``.

    Lock the decision and the round; refuse a round closed or not ``named``, a minute-taker who may
    not close it, and — all or nothing — any choice for someone not present (not in the round's
    electorate), recused, or recorded already; write the ballots. The round stays open: the
    secretariat closes it (the members not recorded did not vote).
    """
    locked = _locked_round(vote_round, mode=VoteMode.NAMED, actor=actor, minute_taker_id=minute_taker_id)
    if not choices:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Record at least one member's vote."),
            details={"choices": [_("Record at least one member's vote.")]},
        )
    return votes.named_ballots_record(locked, dict(choices), actor)


@transaction.atomic
def counted_totals_record(
    *, vote_round: VoteRound, yes: int, no: int, abstain: int, actor, minute_taker_id: int | None = None
) -> VoteRound:
    """Enter the totals counted in the room (yes, no, abstain), recorded by ``actor``; final.

    Lock the decision and the round; refuse a round closed or not ``counted``, a minute-taker who
    may not close it, totals already entered, negative numbers, and totals that add up to more than
    the members present who may vote (the round's electorate less recusals). Fewer is allowed: a
    member present who does not vote is not counted. Keep the totals on the round; the secretariat
    then closes it.
    """
    locked = _locked_round(vote_round, mode=VoteMode.COUNTED, actor=actor, minute_taker_id=minute_taker_id)
    votes.counted_totals_enter(locked, yes=yes, no=no, abstain=abstain, recorded_by=actor, at=timezone.now())
    return locked
