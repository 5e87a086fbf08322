"""Reads of meetings for the pages: the meeting that will take up an application, the meetings to
come, and a meeting's quorum."""

import datetime

from django.db.models import QuerySet

from accounts import roles

from . import rules
from .models import CONVENED_STATES, OPEN_STATES, PRESENT_STATUSES, Meeting


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
