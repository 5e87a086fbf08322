"""Reads of meetings for the pages: the meeting that will take up an application, the meetings to
come, and a meeting's quorum."""

import datetime

from django.db.models import Count, Prefetch, QuerySet

from accounts import roles

from . import rules
from .models import CONVENED_STATES, OPEN_STATES, PRESENT_STATUSES, AgendaItem, Attendance, Meeting


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
    """A meeting with its agenda in order (each item's application or motion and papers) and its
    attendance: a constant number of queries, however long the agenda."""
    items = (
        AgendaItem.objects.select_related("application", "motion__membership__organization")
        .prefetch_related("papers")
        .order_by("position")
    )
    return queryset.select_related("chair", "minute_taker").prefetch_related(
        Prefetch("agenda_items", queryset=items),
        Prefetch("attendance", queryset=Attendance.objects.select_related("member").order_by("member_id")),
    )
