"""Reads of meetings for the pages: the meeting that will take up an application, the meetings to
come, a meeting's quorum, and the committee's public decisions."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import roles
from registry.models import Membership, MembershipState
from workflows import rules as workflow_rules
from workflows.models import VoteMode, VoteRound

from . import rules
from .models import (
    CONVENED_STATES,
    OPEN_STATES,
    PRESENT_STATUSES,
    AgendaItem,
    AgendaItemKind,
    Attendance,
    Meeting,
    MeetingState,
    Minutes,
)


def agenda_of_application(application) -> Meeting | None:
    """The open meeting (draft, convened or in session) whose agenda holds ``application``, or None:
    the application's page says "on the agenda of …". One query."""
    return (
        Meeting.objects.filter(state__in=OPEN_STATES, agenda_items__application=application)
        .order_by("starts_at", "pk")
        .first()
    )


def upcoming_meetings(now: datetime.datetime) -> QuerySet:
    """Convened meetings and the one in session that have not ended by ``now``, soonest first."""
    return Meeting.objects.filter(state__in=CONVENED_STATES, ends_at__gt=now).order_by("starts_at", "pk")


def meeting_quorum(meeting: Meeting) -> rules.Quorum:
    """Whether ``meeting`` is quorate: members of the committee present (in person or online) against
    the committee's size today, by ``MEETING_QUORUM``. Two queries."""
    committee = roles.committee_members()
    present = meeting.attendance.filter(status__in=PRESENT_STATUSES, member__in=committee).count()
    return rules.quorum(present, committee.count(), rules.quorum_fraction())


def meetings_visible_to(user) -> QuerySet:
    """Every meeting for the committee and the secretariat (``rules.may_read``); none for anyone else."""
    if not rules.may_read(user):
        return Meeting.objects.none()
    return Meeting.objects.all()


def meetings_listed(queryset: QuerySet, *, when: str = "", state: str = "", now=None) -> QuerySet:
    """A list of meetings with what each row shows (chair, minute-taker, the agenda's length), in
    one query: ``when`` "upcoming" (not ended by ``now``, soonest first) or "past" (ended, latest
    first), ``state`` one of ``MeetingState``."""
    queryset = queryset.select_related("chair", "minute_taker").annotate(agenda_size=Count("agenda_items"))
    if state:
        queryset = queryset.filter(state=state)
    if when == "upcoming":
        return queryset.filter(ends_at__gt=now).order_by("starts_at", "pk")
    if when == "past":
        return queryset.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return queryset.order_by("-starts_at", "-pk")


def meeting_in_full(queryset: QuerySet) -> QuerySet:
    """A meeting with its agenda in order (each item's application, motion or minutes, its papers
    and the vote rounds opened on it, first first) and its attendance: a constant number of
    queries, however long the agenda."""
    items = (
        AgendaItem.objects.select_related(
            "application", "motion__membership__organization", "minutes__meeting"
        )
        .prefetch_related("papers", Prefetch("vote_rounds", queryset=VoteRound.objects.order_by("number")))
        .order_by("position")
    )
    return queryset.select_related("chair", "minute_taker").prefetch_related(
        Prefetch("agenda_items", queryset=items),
        Prefetch("attendance", queryset=Attendance.objects.select_related("member").order_by("member_id")),
    )


# The decisions the public "Decisions" page lists: admissions and carried motions on members.
PUBLIC_DECISIONS = ("admitted", "carried")


@dataclass(frozen=True)
class PublicDecision:
    kind: str  # "application" or "motion"
    decision: str  # "admitted" or "carried"
    motion_kind: str  # a carried motion's kind (suspend, expel …); "" for an admission
    organization: str
    acronym: str
    country: str  # ISO 3166 code
    category: str  # an admission's category
    application_id: int | None = None  # an admission's application, as the record keeps it
    motion_id: int | None = None  # a carried motion, as the record keeps it


@dataclass(frozen=True)
class MeetingDecisions:
    meeting_id: int
    title: str
    starts_at: str  # ISO 8601, UTC, as the minutes record it
    minutes_approved: bool
    decisions: list[PublicDecision]


def public_minutes(*, meeting_id: int | None = None, year: int | None = None) -> QuerySet:
    """The minutes whose decisions are public (approved, or a closed meeting's draft), newest
    meeting first, with their meeting: the rows the public "Decisions" page (and the API's list)
    pages through; only those of the meeting ``meeting_id``, or of meetings that started in
    ``year`` (UTC), if given."""
    minutes = Minutes.objects.filter(meeting__state__in=(MeetingState.CLOSED, MeetingState.MINUTES_APPROVED))
    if meeting_id is not None:
        minutes = minutes.filter(meeting_id=meeting_id)
    if year is not None:
        minutes = minutes.filter(meeting__starts_at__year=year)
    return minutes.select_related("meeting").order_by("-meeting__starts_at", "-pk")


def meeting_decisions(minutes: Minutes) -> MeetingDecisions:
    """The admissions and carried motions the stored record of ``minutes`` holds, in agenda order:
    no tally, no ballot, no voter's name. No query."""
    decisions = []
    for entry in minutes.record["items"]:
        if entry["kind"] not in (AgendaItemKind.APPLICATION, AgendaItemKind.MOTION):
            continue
        if entry["decision"] not in PUBLIC_DECISIONS:
            continue
        is_application = entry["kind"] == AgendaItemKind.APPLICATION
        decisions.append(
            PublicDecision(
                kind=entry["kind"],
                decision=entry["decision"],
                motion_kind=entry.get("motion_kind", ""),
                organization=entry["organization"],
                acronym=entry["acronym"],
                country=entry["country"],
                category=entry["rounds"][-1]["category"] if is_application else "",
                application_id=entry.get("application") if is_application else None,
                motion_id=entry.get("motion") if not is_application else None,
            )
        )
    return MeetingDecisions(
        meeting_id=minutes.meeting_id,
        title=minutes.record["meeting"]["title"],
        starts_at=minutes.record["meeting"]["starts_at"],
        minutes_approved=minutes.is_frozen,
        decisions=decisions,
    )


def public_decisions() -> list[MeetingDecisions]:
    """Per meeting with minutes (approved, or a closed meeting's draft), newest first, the admissions
    and carried motions its minutes record — from the minutes' stored record, so what an approved
    page shows never changes; no tally, no ballot, no voter's name. Meetings that decided none of
    these are left out. One query."""
    listed = (meeting_decisions(minutes) for minutes in public_minutes())
    return [meeting for meeting in listed if meeting.decisions]


def affiliate_slugs(meetings: list[MeetingDecisions]) -> dict[tuple[str, int], str]:
    """The directory slug of each union these decisions concern that is an affiliate today, by
    ``("application", id)`` or ``("motion", id)``: the page links only those. One query (none if
    there is nothing to look up)."""
    applications = {d.application_id for m in meetings for d in m.decisions if d.application_id}
    motions = {d.motion_id for m in meetings for d in m.decisions if d.motion_id}
    if not applications and not motions:
        return {}
    rows = (
        Membership.objects.filter(organization__memberships__state=MembershipState.ACTIVE)
        .filter(Q(admitting_application__in=applications) | Q(motions__in=motions))
        .values_list("admitting_application", "motions", "organization__slug")
        .distinct()
    )
    slugs = {}
    for application_id, motion_id, slug in rows:
        if application_id in applications:
            slugs[("application", application_id)] = slug
        if motion_id in motions:
            slugs[("motion", motion_id)] = slug
    return slugs


# --- what a meeting's page offers on its items --------------------------------------------------------------


def _subject_refusal(item: AgendaItem, action: str, user):
    if item.kind == AgendaItemKind.APPLICATION:
        return workflow_rules.refusal(action, item.application, user)
    return workflow_rules.motion_refusal(action, item.motion, user)


def _recorder_refusal(meeting: Meeting, item: AgendaItem, user):
    subject = item.application if item.kind == AgendaItemKind.APPLICATION else item.motion
    return workflow_rules.room_recorder_refusal(subject, user, minute_taker_id=meeting.minute_taker_id)


def _open_round(item: AgendaItem):
    """The item's open round, from its prefetched ``vote_rounds``."""
    return next((r for r in item.vote_rounds.all() if r.closed_at is None), None)


def item_offers(meeting: Meeting, item: AgendaItem, user, quorum: rules.Quorum) -> set[str]:
    """What ``user`` may do on ``item`` now, as the services would allow it: ``open_<mode>`` (put it
    to the vote in that mode), ``record`` (enter the votes taken in the room in its open round; a
    counted round's totals once),
    ``close`` (close that round), ``approve`` (approve the minutes it carries)."""
    if item.kind == AgendaItemKind.MINUTES:
        refused = rules.minutes_approve_refusal(meeting, item.minutes, user, quorum)
        return set() if refused is not None else {"approve"}
    if item.kind not in (AgendaItemKind.APPLICATION, AgendaItemKind.MOTION):
        return set()
    current = _open_round(item)
    if current is None:
        if _subject_refusal(item, "open_vote", user) is not None:
            return set()
        modes = ("online", *rules.ROOM_MODES)
        return {f"open_{mode}" for mode in modes if rules.item_vote_refusal(meeting, mode, quorum) is None}
    offers = set()
    if _subject_refusal(item, "close_vote", user) is None:
        offers.add("close")
    counted = current.mode == VoteMode.COUNTED and current.totals_recorded_at is not None
    if (
        current.mode in rules.ROOM_MODES
        and not counted
        and rules.item_vote_refusal(meeting, current.mode, quorum, record=True) is None
        and _recorder_refusal(meeting, item, user) is None
    ):
        offers.add("record")
    return offers


def minutes_to_approve(meeting: Meeting) -> QuerySet:
    """The minutes an agenda of ``meeting`` may take: drafts of earlier meetings that are closed."""
    return (
        Minutes.objects.filter(
            approved_at__isnull=True,
            meeting__state=MeetingState.CLOSED,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at", "pk")
    )


def minutes_approval(minutes: Minutes) -> AgendaItem | None:
    """The agenda item of the later meeting that approved ``minutes`` (frozen), or None."""
    if not minutes.is_frozen:
        return None
    return (
        AgendaItem.objects.filter(minutes=minutes, kind=AgendaItemKind.MINUTES)
        .select_related("meeting")
        .order_by("-meeting__starts_at")
        .first()
    )
