"""The secretariat reads meetings in the admin, with their agenda and attendance; nothing changes there."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItemKind, AttendanceStatus

from .helpers import convened_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_two_factor(settings):
    settings.OFFICERS_REQUIRE_MFA = False


def test_the_secretariat_reads_a_meeting_with_its_agenda_and_attendance(cast, next_week, client):
    meeting = convened_meeting(cast, next_week)
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind=AgendaItemKind.OTHER, title="Budget 2027"
    )
    services.attendance_record(
        meeting=meeting, member=cast.committee[2], status=AttendanceStatus.EXCUSED, actor=cast.secretariat
    )
    client.force_login(cast.secretariat)

    listing = client.get(reverse("admin:meetings_meeting_changelist"))
    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert listing.status_code == 200
    assert meeting.title in listing.text
    assert page.status_code == 200
    assert "Budget 2027" in page.text
    assert "Excused" in page.text
    assert 'name="_save"' not in page.text  # read-only: no save button


def test_the_admin_adds_and_deletes_no_meeting(cast, client):
    client.force_login(cast.secretariat)

    assert client.get(reverse("admin:meetings_meeting_add")).status_code == 403


def test_a_committee_member_does_not_reach_the_meetings_admin(cast, client):
    client.force_login(cast.committee[0])

    assert client.get(reverse("admin:meetings_meeting_changelist")).status_code in (302, 403)


def test_the_meetings_list_costs_the_same_queries_for_one_meeting_or_many(cast, next_week, client):
    client.force_login(cast.secretariat)
    url = reverse("admin:meetings_meeting_changelist")
    convened_meeting(cast, next_week)
    client.get(url)  # warm the caches (content types, the session)

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for days in (1, 2, 3):
        convened_meeting(cast, next_week + datetime.timedelta(days=days))
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)

    assert response.status_code == 200
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_closed_meeting_shows_the_hash_of_its_minutes(cast, next_week, client):
    meeting = convened_meeting(cast, next_week)
    meeting = services.meeting_open_session(meeting=meeting, actor=cast.secretariat)
    meeting = services.meeting_close(meeting=meeting, actor=cast.secretariat)
    client.force_login(cast.secretariat)

    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert page.status_code == 200
    assert meeting.minutes.sha256 in page.text
