"""The committee's meeting pages: the calendar, a meeting's page with its agenda, attendance and
quorum, the secretariat's forms, a report's papers; and the application's page naming its meeting."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Attendance, Meeting, MeetingState
from tests.cast import application_in
from tests.factories import PDF_BYTES
from tests.meetings.helpers import convened_meeting, new_meeting
from workflows import motions
from workflows.models import ApplicationState

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def next_week():
    return (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)


def _report(meeting, cast, title="Treasurer's report"):
    item = services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind="report", title=title, text="The accounts of 2026."
    )
    upload = SimpleUploadedFile("accounts.pdf", PDF_BYTES, content_type="application/pdf")
    paper = services.agenda_paper_add(item=item, actor=cast.secretariat, upload=upload)
    return item, paper


# --- who sees what ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretariat", 200), ("committee", 200), ("reviewer", 403), ("applicant", 403)],
)
def test_the_calendar_and_the_meeting_page_are_for_the_committee_and_the_secretariat(
    cast, next_week, role, status
):
    meeting = convened_meeting(cast, next_week)
    user = {
        "secretariat": cast.secretariat,
        "committee": cast.committee[2],
        "reviewer": cast.other_reviewer,
        "applicant": cast.applicant,
    }[role]
    assert client_for(user).get("/committee/meetings/").status_code == status
    assert client_for(user).get(f"/committee/meetings/{meeting.pk}/").status_code == status
    anonymous = client_for().get("/committee/meetings/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_a_draft_is_the_secretariat_s_until_it_is_convened(cast, next_week):
    draft = new_meeting(cast, next_week, title="Draft session")
    assert client_for(cast.committee[2]).get(f"/committee/meetings/{draft.pk}/").status_code == 404
    assert b"Draft session" not in client_for(cast.committee[2]).get("/committee/meetings/").content
    assert b"Draft session" in client_for(cast.secretariat).get("/committee/meetings/").content


def test_the_committee_navigation_links_the_calendar(cast):
    assert b'href="/committee/meetings/"' in client_for(cast.committee[0]).get("/committee/motions/").content
    assert b'href="/committee/meetings/"' not in client_for(cast.other_reviewer).get("/committee/").content


# --- the calendar --------------------------------------------------------------------------------------


def test_the_calendar_lists_the_coming_meetings_first_then_the_past_ones_with_their_items(cast, next_week):
    soon = convened_meeting(cast, next_week, title="Soon session")
    later = convened_meeting(cast, next_week + datetime.timedelta(days=30), title="Later session")
    services.agenda_item_add(meeting=soon, actor=cast.secretariat, kind="other", title="Budget")
    past = convened_meeting(cast, next_week, title="Old session")
    Meeting.objects.filter(pk=past.pk).update(
        starts_at=next_week - datetime.timedelta(days=60), ends_at=next_week - datetime.timedelta(days=59)
    )
    page = client_for(cast.committee[0]).get("/committee/meetings/")
    content = page.content.decode()
    assert content.index("Soon session") < content.index("Later session") < content.index("past-meetings")
    assert "1 item" in content
    assert f"/committee/meetings/{later.pk}/" in content
    assert "UTC" in content
    assert content.index("past-meetings") < content.index("Old session")


def test_the_past_meetings_come_in_pages(cast, next_week):
    for number in range(23):
        meeting = services.meeting_cancel(
            meeting=new_meeting(cast, next_week, title=f"Old {number:02}"), actor=cast.secretariat
        )
    page = client_for(cast.committee[0]).get("/committee/meetings/")
    assert page.content.decode().count("Old ") == 20
    second = client_for(cast.committee[0]).get("/committee/meetings/?page=2")
    assert second.content.decode().count("Old ") == 3
    assert meeting.state == MeetingState.CANCELLED


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_calendar_s_queries_do_not_grow_with_the_meetings(cast, next_week):
    client = client_for(cast.secretariat)
    convened_meeting(cast, next_week)
    services.meeting_cancel(meeting=new_meeting(cast, next_week), actor=cast.secretariat)
    few = _queries(client, "/committee/meetings/")
    for days in range(1, 6):
        meeting = convened_meeting(cast, next_week + datetime.timedelta(days=days))
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title="AOB")
        services.meeting_cancel(meeting=new_meeting(cast, next_week), actor=cast.secretariat)
    assert _queries(client, "/committee/meetings/") == few


# --- the meeting page ----------------------------------------------------------------------------------


def test_the_meeting_page_shows_the_agenda_in_order_with_links_and_papers(cast, next_week):
    meeting = convened_meeting(cast, next_week, online_link="https://meet.example/ec")
    application = application_in(ApplicationState.REVIEWED, cast, name="Union of Tartu Students")
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind="application", application=application
    )
    _item, paper = _report(meeting, cast)
    page = client_for(cast.committee[2]).get(f"/committee/meetings/{meeting.pk}/")
    content = page.content.decode()
    assert content.index("Union of Tartu Students") < content.index("Treasurer")
    assert f"/committee/applications/{application.pk}/" in content
    assert "The accounts of 2026." in content
    assert f"/committee/meetings/{meeting.pk}/papers/{paper.pk}/" in content
    assert "https://meet.example/ec" in content
    assert 'id="action-convene"' not in content
    assert 'id="edit-meeting"' not in content

    download = client_for(cast.committee[2]).get(f"/committee/meetings/{meeting.pk}/papers/{paper.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert (
        client_for(cast.other_reviewer)
        .get(f"/committee/meetings/{meeting.pk}/papers/{paper.pk}/")
        .status_code
        == 403
    )
    other = convened_meeting(cast, next_week, title="Other")
    assert (
        client_for(cast.secretariat).get(f"/committee/meetings/{other.pk}/papers/{paper.pk}/").status_code
        == 404
    )


def test_the_meeting_page_s_queries_do_not_grow_with_the_agenda(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    client = client_for(cast.secretariat)
    _report(meeting, cast, "First")
    few = _queries(client, f"/committee/meetings/{meeting.pk}/")
    for number in range(4):
        _report(meeting, cast, f"Report {number}")
        application = application_in(ApplicationState.REVIEWED, cast)
        services.agenda_item_add(
            meeting=meeting, actor=cast.secretariat, kind="application", application=application
        )
    assert _queries(client, f"/committee/meetings/{meeting.pk}/") == few


def test_the_application_s_page_names_the_meeting_it_is_on(cast, next_week):
    meeting = convened_meeting(cast, next_week, title="December session")
    application = application_in(ApplicationState.REVIEWED, cast)
    page = client_for(cast.committee[2]).get(f"/committee/applications/{application.pk}/")
    assert b'id="on-agenda"' not in page.content
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind="application", application=application
    )
    page = client_for(cast.committee[2]).get(f"/committee/applications/{application.pk}/")
    assert b'id="on-agenda"' in page.content
    assert f'href="/committee/meetings/{meeting.pk}/"'.encode() in page.content


# --- the secretariat's forms ---------------------------------------------------------------------------


def _form_data(cast, **overrides):
    return {
        "title": "March session",
        "starts_on": "2027-03-04",
        "starts_time": "09:00",
        "ends_on": "2027-03-04",
        "ends_time": "12:30",
        "place": "Brussels",
        "online_link": "",
        "chair": cast.committee[0].pk,
        "minute_taker": cast.committee[1].pk,
        **overrides,
    }


def test_the_secretariat_creates_a_meeting(cast):
    client = client_for(cast.secretariat)
    assert client.get("/committee/meetings/new/").status_code == 200
    response = client.post("/committee/meetings/new/", _form_data(cast))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/committee/meetings/{meeting.pk}/"
    assert meeting.starts_at == datetime.datetime(2027, 3, 4, 9, 0, tzinfo=datetime.UTC)
    assert meeting.state == MeetingState.DRAFT
    assert meeting.chair == cast.committee[0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"ends_time": "08:00"},  # ends before it starts: the service's error
        {"place": ""},  # neither place nor link
        {"chair": ""},
        {"starts_on": "04/03/2027"},  # not ISO
        {"online_link": "not a link"},
    ],
)
def test_a_meeting_the_form_cannot_make_is_refused_with_400_and_nothing_saved(cast, overrides):
    response = client_for(cast.secretariat).post("/committee/meetings/new/", _form_data(cast, **overrides))
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not Meeting.objects.exists()


def test_only_the_secretariat_creates_or_edits(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    member = client_for(cast.committee[0])
    assert member.post("/committee/meetings/new/", _form_data(cast)).status_code == 403
    assert member.get(f"/committee/meetings/{meeting.pk}/edit/").status_code == 403
    assert Meeting.objects.count() == 1


def test_the_secretariat_edits_a_meeting_and_a_stale_form_is_a_conflict(cast, next_week):
    meeting = new_meeting(cast, next_week)
    client = client_for(cast.secretariat)
    page = client.get(f"/committee/meetings/{meeting.pk}/edit/")
    assert page.status_code == 200
    assert b"Headquarters" in page.content
    saved = client.post(
        f"/committee/meetings/{meeting.pk}/edit/", {**_form_data(cast), "expected_state": "draft"}
    )
    assert saved.status_code == 302
    assert Meeting.objects.get().title == "March session"

    services.meeting_convene(meeting=meeting, actor=cast.secretariat)
    stale = client.post(
        f"/committee/meetings/{meeting.pk}/edit/",
        {**_form_data(cast, title="Stale"), "expected_state": "draft"},
    )
    assert stale.status_code == 409
    assert Meeting.objects.get().title == "March session"


# --- actions on the meeting page ------------------------------------------------------------------------


def test_the_secretariat_convenes_and_a_stale_second_click_is_a_conflict(cast, next_week):
    meeting = new_meeting(cast, next_week)
    client = client_for(cast.secretariat)
    assert b'id="action-convene"' in client.get(f"/committee/meetings/{meeting.pk}/").content
    done = client.post(f"/committee/meetings/{meeting.pk}/", {"action": "convene", "expected_state": "draft"})
    assert done.status_code == 302
    assert Meeting.objects.get().state == MeetingState.CONVENED
    again = client.post(
        f"/committee/meetings/{meeting.pk}/", {"action": "convene", "expected_state": "draft"}
    )
    assert again.status_code == 409


def test_a_committee_member_may_not_convene_or_cancel(cast, next_week):
    meeting = new_meeting(cast, next_week)
    services.meeting_convene(meeting=meeting, actor=cast.secretariat)
    response = client_for(cast.committee[2]).post(
        f"/committee/meetings/{meeting.pk}/", {"action": "cancel", "expected_state": "convened"}
    )
    assert response.status_code == 403
    assert Meeting.objects.get().state == MeetingState.CONVENED


def test_the_chair_opens_and_closes_the_session(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    chair = client_for(cast.committee[0])
    assert b'id="action-open_session"' in chair.get(f"/committee/meetings/{meeting.pk}/").content
    chair.post(f"/committee/meetings/{meeting.pk}/", {"action": "open_session", "expected_state": "convened"})
    assert Meeting.objects.get().state == MeetingState.IN_SESSION
    chair.post(f"/committee/meetings/{meeting.pk}/", {"action": "close", "expected_state": "in_session"})
    assert Meeting.objects.get().state == MeetingState.CLOSED


def test_the_secretariat_cancels_with_a_reason(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    response = client_for(cast.secretariat).post(
        f"/committee/meetings/{meeting.pk}/",
        {"action": "cancel", "expected_state": "convened", "reason": "Strike."},
    )
    assert response.status_code == 302
    assert Meeting.objects.get().state == MeetingState.CANCELLED


def test_the_secretariat_adds_items_of_each_kind(cast, next_week):
    meeting = new_meeting(cast, next_week)
    client = client_for(cast.secretariat)
    path = f"/committee/meetings/{meeting.pk}/"
    application = application_in(ApplicationState.REVIEWED, cast)
    base = {"action": "add_item", "expected_state": "draft"}
    assert (
        client.post(path, {**base, "kind": "application", "application": application.pk}).status_code == 302
    )
    upload = SimpleUploadedFile("report.pdf", PDF_BYTES, content_type="application/pdf")
    assert (
        client.post(
            path, {**base, "kind": "report", "title": "Report", "text": "Text", "paper": upload}
        ).status_code
        == 302
    )
    assert client.post(path, {**base, "kind": "other", "title": "Any other business"}).status_code == 302
    items = list(AgendaItem.objects.order_by("position"))
    assert [item.kind for item in items] == ["application", "report", "other"]
    assert items[1].papers.count() == 1

    twice = client.post(path, {**base, "kind": "application", "application": application.pk})
    assert twice.status_code == 409  # on the agenda already
    untitled = client.post(path, {**base, "kind": "other", "title": ""})
    assert untitled.status_code == 400
    assert AgendaItem.objects.count() == 3


def test_a_report_whose_paper_is_refused_is_not_added(cast, next_week):
    meeting = new_meeting(cast, next_week)
    upload = SimpleUploadedFile("report.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client_for(cast.secretariat).post(
        f"/committee/meetings/{meeting.pk}/",
        {"action": "add_item", "expected_state": "draft", "kind": "report", "title": "R", "paper": upload},
    )
    assert response.status_code == 400
    assert not AgendaItem.objects.exists()


def test_an_open_motion_goes_on_the_agenda(cast, next_week, world_motion):
    meeting = new_meeting(cast, next_week)
    response = client_for(cast.secretariat).post(
        f"/committee/meetings/{meeting.pk}/",
        {"action": "add_item", "expected_state": "draft", "kind": "motion", "motion": world_motion.pk},
    )
    assert response.status_code == 302
    page = client_for(cast.secretariat).get(f"/committee/meetings/{meeting.pk}/")
    assert f"/committee/motions/{world_motion.pk}/".encode() in page.content


@pytest.fixture
def world_motion(cast):
    from tests.factories import MembershipFactory

    membership = MembershipFactory()
    return motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind="suspend", reason="No return."
    )


def test_the_secretariat_reorders_and_removes_items(cast, next_week):
    meeting = new_meeting(cast, next_week)
    first, second, third = (
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title=title)
        for title in ("One", "Two", "Three")
    )
    client = client_for(cast.secretariat)
    path = f"/committee/meetings/{meeting.pk}/"
    order = f"{first.pk},{second.pk},{third.pk}"
    moved = client.post(
        path,
        {
            "action": "move_item",
            "expected_state": "draft",
            "item": third.pk,
            "direction": "up",
            "order": order,
        },
    )
    assert moved.status_code == 302
    assert list(AgendaItem.objects.order_by("position").values_list("title", flat=True)) == [
        "One",
        "Three",
        "Two",
    ]
    stale = client.post(
        path,
        {
            "action": "move_item",
            "expected_state": "draft",
            "item": first.pk,
            "direction": "down",
            "order": f"{first.pk},{second.pk}",
        },
    )
    assert stale.status_code == 409
    removed = client.post(path, {"action": "remove_item", "expected_state": "draft", "item": first.pk})
    assert removed.status_code == 302
    assert list(AgendaItem.objects.order_by("position").values_list("title", "position")) == [
        ("Three", 1),
        ("Two", 2),
    ]
    gone = client.post(path, {"action": "remove_item", "expected_state": "draft", "item": first.pk})
    assert gone.status_code == 409


def test_the_agenda_is_fixed_in_session(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    item = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title="One")
    services.meeting_open_session(meeting=meeting, actor=cast.secretariat)
    response = client_for(cast.secretariat).post(
        f"/committee/meetings/{meeting.pk}/",
        {"action": "remove_item", "expected_state": "in_session", "item": item.pk},
    )
    assert response.status_code == 409
    assert AgendaItem.objects.count() == 1


def test_the_minute_taker_records_attendance_and_the_quorum_follows(cast, next_week, settings):
    settings.MEETING_QUORUM = "1/2"
    meeting = convened_meeting(cast, next_week)
    minute_taker = client_for(cast.committee[1])
    path = f"/committee/meetings/{meeting.pk}/"
    page = minute_taker.get(path)
    assert b'id="action-attendance"' in page.content
    assert "Present: 0 of 3 members; 2 needed for the quorum." in page.content.decode()
    response = minute_taker.post(
        path,
        {
            "action": "attendance",
            "expected_state": "convened",
            f"member_{cast.committee[0].pk}": "present_in_person",
            f"member_{cast.committee[1].pk}": "present_online",
            f"member_{cast.committee[2].pk}": "excused",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.count() == 3
    content = minute_taker.get(path).content.decode()
    assert "Present: 2 of 3 members; 2 needed for the quorum." in content
    assert "Quorum met." in content
    # Another member of the committee sees attendance, without the form.
    other = client_for(cast.committee[2]).get(path)
    assert b'id="action-attendance"' not in other.content
    assert b"Quorum met." in other.content
    refused = client_for(cast.committee[2]).post(
        path,
        {
            "action": "attendance",
            "expected_state": "convened",
            f"member_{cast.committee[2].pk}": "present_online",
        },
    )
    assert refused.status_code == 403
    assert Attendance.objects.get(member=cast.committee[2]).status == "excused"


def test_a_bad_attendance_status_or_action_is_400(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    client = client_for(cast.secretariat)
    path = f"/committee/meetings/{meeting.pk}/"
    bad = client.post(
        path,
        {"action": "attendance", "expected_state": "convened", f"member_{cast.committee[0].pk}": "asleep"},
    )
    assert bad.status_code == 400
    assert client.post(path, {"action": "dance"}).status_code == 400
    assert not Attendance.objects.exists()
