"""The meetings API: the Executive Committee's meetings through /api/v1/meetings/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Attendance, Meeting, MeetingState
from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in, new_draft
from tests.factories import MembershipFactory
from tests.meetings.helpers import convened_meeting, in_session, new_meeting
from workflows.models import ApplicationState, Motion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

URL = "/api/v1/meetings/"


@pytest.fixture
def next_week():
    return (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def as_member(cast):
    """``as_member(i)`` → a client with the personal token of the committee's ``i``-th member
    (0: every meeting's chair, 1: its minute-taker, 2: neither)."""
    return lambda i: client_with(f"Token {token_for(cast.committee[i])}")


def _body(cast, starts_at, **fields):
    return {
        "title": "Executive Committee, December session",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + datetime.timedelta(hours=3)).isoformat(),
        "place": "Headquarters, Istanbul",
        "chair": cast.committee[0].pk,
        "minute_taker": cast.committee[1].pk,
        **fields,
    }


def _motion(cast):
    return Motion.objects.create(
        membership=MembershipFactory(), kind="suspend", reason="Dues.", proposed_by=cast.secretariat
    )


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "details"}
    return body


# --- creating and editing -----------------------------------------------------------------------------


def test_the_secretariat_creates_a_meeting_in_draft(api_as, cast, next_week):
    response = api_as("secretariat").post(URL, _body(cast, next_week), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    meeting = Meeting.objects.get()
    assert (body["id"], body["state"], body["chair"]["id"]) == (meeting.pk, "draft", cast.committee[0].pk)
    assert body["agenda"] == []
    assert body["attendance"] == []
    assert body["quorum"] == {"present": 0, "committee": 3, "needed": 2, "met": False}
    assert {"convene", "cancel", "edit", "manage-agenda"} <= set(body["actions"])
    assert "open-session" not in body["actions"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"chair": "REVIEWER"}, 400, "chair"),
        ({"minute_taker": 999_999}, 400, "minute_taker"),
        ({"place": "", "online_link": ""}, 400, "place"),
        ({"ends_at": "2020-01-01T00:00:00Z"}, 400, "ends_at"),
        ({"online_link": "ftp://example.org/x"}, 400, "online_link"),
        ({"state": "convened"}, 400, "state"),
        ({"title": None}, 400, "title"),
        ({"chair": "31"}, 400, "chair"),
    ],
)
def test_a_meeting_the_services_refuse_is_a_400_and_nothing_is_saved(
    api_as, cast, next_week, change, status, field
):
    if change.get("chair") == "REVIEWER":
        change = {"chair": cast.other_reviewer.pk}
    response = api_as("secretariat").post(URL, _body(cast, next_week, **change), format="json")

    body = _error(response, status, "invalid")
    assert field in body["details"]
    assert not Meeting.objects.exists()


def test_only_the_secretariat_creates_meetings(as_member, cast, next_week):
    _error(as_member(0).post(URL, _body(cast, next_week), format="json"), 403, "forbidden")
    assert not Meeting.objects.exists()


def test_the_secretariat_edits_a_meeting_and_a_stale_client_is_refused(api_as, cast, next_week):
    meeting = convened_meeting(cast, next_week)
    url = f"{URL}{meeting.pk}/"

    edited = api_as("secretariat").patch(url, {"place": "Tunis", "expected_state": "convened"}, format="json")
    assert edited.status_code == 200, edited.json()
    assert edited.json()["place"] == "Tunis"
    meeting.refresh_from_db()
    assert (meeting.place, meeting.sequence) == ("Tunis", 1)

    stale = api_as("secretariat").patch(url, {"place": "Rabat", "expected_state": "draft"}, format="json")
    assert _error(stale, 409, "conflict")["details"] == {"state": "convened"}
    meeting.refresh_from_db()
    assert meeting.place == "Tunis"


def test_a_meeting_in_session_cannot_be_edited_and_the_committee_never_edits(
    api_as, as_member, cast, next_week
):
    meeting = in_session(cast, next_week)
    url = f"{URL}{meeting.pk}/"

    _error(api_as("secretariat").patch(url, {"title": "Renamed"}, format="json"), 409, "not_allowed")
    _error(as_member(0).patch(url, {"title": "Renamed"}, format="json"), 403, "forbidden")
    meeting.refresh_from_db()
    assert meeting.title == "Executive Committee, December session"


# --- reading ------------------------------------------------------------------------------------------------


def test_the_list_filters_upcoming_past_and_state(api_as, as_member, cast, next_week):
    past = new_meeting(cast, next_week - datetime.timedelta(days=30), title="Past")
    soon = convened_meeting(cast, next_week, title="Soon")
    later = new_meeting(cast, next_week + datetime.timedelta(days=30), title="Later")

    def titles(query=""):
        response = as_member(2).get(f"{URL}{query}")
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles() == [later.title, soon.title, past.title]
    assert titles("?when=upcoming") == [soon.title, later.title]
    assert titles("?when=past") == [past.title]
    assert titles("?state=convened") == [soon.title]
    assert titles("?when=upcoming&state=draft") == [later.title]
    row = as_member(2).get(f"{URL}?state=convened").json()["results"][0]
    assert row["agenda_size"] == 0
    assert row["actions"] == []
    assert api_as("secretariat").get(URL).json()["count"] == 3


@pytest.mark.parametrize(
    "query", ["when=soon", "state=open", "when=", "state=draft&state=closed", "page_size=0"]
)
def test_the_list_refuses_bad_parameters(api_as, query):
    body = _error(api_as("secretariat").get(f"{URL}?{query}"), 400, "invalid")
    assert query.split("=")[0] in body["details"]


@pytest.mark.parametrize("role", ["applicant", "assigned_reviewer", "other_applicant"])
def test_people_outside_the_committee_are_refused_the_list_and_meet_no_meeting(api_as, cast, next_week, role):
    meeting = convened_meeting(cast, next_week)

    _error(api_as(role).get(URL), 403, "permission_denied")
    _error(api_as(role).get(f"{URL}{meeting.pk}/"), 404, "not_found")
    _error(api_as(role).post(f"{URL}{meeting.pk}/cancel/", {}, format="json"), 404, "not_found")
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONVENED


def test_strangers_and_partners_are_refused(api_client, partner_client):
    assert api_client.get(URL).status_code == 401
    _error(partner_client.get(URL), 403, "partner_key_not_allowed")


def test_the_detail_shows_the_agenda_in_order_the_attendance_and_the_quorum(as_member, cast, next_week):
    meeting = convened_meeting(cast, next_week)
    application = application_in(ApplicationState.REVIEWED, cast)
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind="report", title="Treasurer", text="…"
    )
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind="application", application=application
    )
    for member in cast.committee[:2]:
        services.attendance_record(
            meeting=meeting, member=member, status="present_online", actor=cast.secretariat
        )

    body = as_member(1).get(f"{URL}{meeting.pk}/").json()

    assert [(i["position"], i["kind"]) for i in body["agenda"]] == [(1, "report"), (2, "application")]
    assert body["agenda"][1]["application"] == application.pk
    assert body["agenda"][1]["label"] == str(application)
    assert [a["member"]["id"] for a in body["attendance"]] == [m.pk for m in cast.committee[:2]]
    assert body["quorum"] == {"present": 2, "committee": 3, "needed": 2, "met": True}
    assert "record-attendance" in body["actions"]  # the minute-taker


def test_an_unknown_meeting_is_a_404(api_as):
    _error(api_as("secretariat").get(f"{URL}999999/"), 404, "not_found")


# --- transitions ------------------------------------------------------------------------------------------


def test_a_meeting_is_convened_opened_and_closed(api_as, as_member, cast, next_week):
    meeting = new_meeting(cast, next_week)
    url = f"{URL}{meeting.pk}/"

    convened = api_as("secretariat").post(f"{url}convene/", {"expected_state": "draft"}, format="json")
    assert (convened.status_code, convened.json()["state"]) == (200, "convened")
    _error(as_member(2).post(f"{url}open-session/", {}, format="json"), 403, "forbidden")
    opened = as_member(0).post(f"{url}open-session/", {"expected_state": "convened"}, format="json")
    assert (opened.status_code, opened.json()["state"]) == (200, "in_session")
    _error(api_as("secretariat").post(f"{url}cancel/", {}, format="json"), 409, "not_allowed")
    closed = as_member(1).post(f"{url}close/", {}, format="json")
    assert (closed.status_code, closed.json()["state"]) == (200, "closed")
    _error(as_member(1).post(f"{url}close/", {}, format="json"), 409, "not_allowed")


def test_convening_is_the_secretariat_s_and_a_stale_client_is_refused(api_as, as_member, cast, next_week):
    meeting = new_meeting(cast, next_week)
    url = f"{URL}{meeting.pk}/convene/"

    _error(as_member(0).post(url, {}, format="json"), 403, "forbidden")
    _error(api_as("secretariat").post(url, {"expected_state": "convened"}, format="json"), 409, "conflict")
    _error(api_as("secretariat").post(url, {"expected_state": "nonsense"}, format="json"), 400, "invalid")
    _error(api_as("secretariat").post(url, {"comment": "x"}, format="json"), 400, "invalid")
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.DRAFT


def test_the_secretariat_cancels_with_a_reason(api_as, cast, next_week):
    meeting = convened_meeting(cast, next_week)

    response = api_as("secretariat").post(
        f"{URL}{meeting.pk}/cancel/", {"reason": "The venue is closed."}, format="json"
    )

    assert (response.status_code, response.json()["state"]) == (200, "cancelled")
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_one_meeting_in_session_at_a_time(api_as, cast, next_week):
    in_session(cast, next_week)
    other = convened_meeting(cast, next_week + datetime.timedelta(days=1), title="Other")

    body = _error(
        api_as("secretariat").post(f"{URL}{other.pk}/open-session/", {}, format="json"), 409, "conflict"
    )
    assert "meeting" in body["details"]
    other.refresh_from_db()
    assert other.state == MeetingState.CONVENED


# --- the agenda ----------------------------------------------------------------------------------------------


def test_the_secretariat_adds_every_kind_of_item(api_as, cast, next_week):
    meeting = new_meeting(cast, next_week)
    application = application_in(ApplicationState.REVIEWED, cast)
    motion = _motion(cast)
    url = f"{URL}{meeting.pk}/agenda/"

    for body in (
        {"kind": "application", "application": application.pk},
        {"kind": "motion", "motion": motion.pk},
        {"kind": "report", "title": "Treasurer's report", "text": "Dues received."},
        {"kind": "other", "title": "Next meeting", "expected_state": "draft"},
    ):
        response = api_as("secretariat").post(url, body, format="json")
        assert response.status_code == 201, response.json()

    agenda = response.json()["agenda"]
    assert [(i["position"], i["kind"]) for i in agenda] == [
        (1, "application"),
        (2, "motion"),
        (3, "report"),
        (4, "other"),
    ]
    assert agenda[1]["motion"] == motion.pk
    assert response.json()["agenda_size"] == 4


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "application", "application": "DRAFT"}, 409, "not_allowed"),
        ({"kind": "application", "application": 999_999}, 400, "invalid"),
        ({"kind": "motion", "motion": 999_999}, 400, "invalid"),
        ({"kind": "application"}, 400, "invalid"),
        ({"kind": "report", "title": ""}, 400, "invalid"),
        ({"kind": "other", "title": "X", "application": "REVIEWED"}, 400, "invalid"),
        ({"kind": "speech", "title": "X"}, 400, "invalid"),
        ({"kind": "other", "title": "X", "expected_state": "convened"}, 409, "conflict"),
    ],
)
def test_agenda_items_the_services_refuse(api_as, cast, next_week, body, status, code):
    meeting = new_meeting(cast, next_week)
    for key, value in body.items():
        if value == "DRAFT":
            body[key] = new_draft(cast).pk
        elif value == "REVIEWED":
            body[key] = application_in(ApplicationState.REVIEWED, cast).pk

    _error(api_as("secretariat").post(f"{URL}{meeting.pk}/agenda/", body, format="json"), status, code)
    assert not AgendaItem.objects.exists()


def test_an_application_goes_on_one_open_meeting_s_agenda_only(api_as, cast, next_week):
    first = new_meeting(cast, next_week)
    second = new_meeting(cast, next_week + datetime.timedelta(days=1))
    application = application_in(ApplicationState.REVIEWED, cast)
    body = {"kind": "application", "application": application.pk}

    assert api_as("secretariat").post(f"{URL}{first.pk}/agenda/", body, format="json").status_code == 201
    _error(api_as("secretariat").post(f"{URL}{first.pk}/agenda/", body, format="json"), 409, "conflict")
    refused = _error(
        api_as("secretariat").post(f"{URL}{second.pk}/agenda/", body, format="json"), 409, "conflict"
    )
    assert refused["details"] == {"meeting": first.pk}
    assert AgendaItem.objects.count() == 1


def test_the_agenda_is_fixed_in_session_and_kept_by_the_secretariat(api_as, as_member, cast, next_week):
    meeting = new_meeting(cast, next_week)
    item = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title="AOB")
    _error(
        as_member(0).post(f"{URL}{meeting.pk}/agenda/", {"kind": "other", "title": "X"}, format="json"),
        403,
        "forbidden",
    )
    _error(as_member(0).delete(f"{URL}{meeting.pk}/agenda/{item.pk}/"), 403, "forbidden")
    services.meeting_convene(meeting=meeting, actor=cast.secretariat)
    services.meeting_open_session(meeting=meeting, actor=cast.secretariat)

    _error(
        api_as("secretariat").post(
            f"{URL}{meeting.pk}/agenda/", {"kind": "other", "title": "X"}, format="json"
        ),
        409,
        "not_allowed",
    )
    _error(api_as("secretariat").delete(f"{URL}{meeting.pk}/agenda/{item.pk}/"), 409, "not_allowed")
    reorder = {"item_ids": [item.pk]}
    _error(
        api_as("secretariat").post(f"{URL}{meeting.pk}/agenda/reorder/", reorder, format="json"),
        409,
        "not_allowed",
    )
    assert list(AgendaItem.objects.values_list("pk", flat=True)) == [item.pk]


def test_removing_an_item_moves_the_next_ones_up(api_as, cast, next_week):
    meeting = new_meeting(cast, next_week)
    first, second, third = (
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title=title)
        for title in ("One", "Two", "Three")
    )
    other_meeting = new_meeting(cast, next_week + datetime.timedelta(days=1))
    elsewhere = services.agenda_item_add(
        meeting=other_meeting, actor=cast.secretariat, kind="other", title="X"
    )

    response = api_as("secretariat").delete(f"{URL}{meeting.pk}/agenda/{second.pk}/")

    assert response.status_code == 200, response.json()
    assert [(i["id"], i["position"]) for i in response.json()["agenda"]] == [(first.pk, 1), (third.pk, 2)]
    _error(api_as("secretariat").delete(f"{URL}{meeting.pk}/agenda/{second.pk}/"), 404, "not_found")
    _error(api_as("secretariat").delete(f"{URL}{meeting.pk}/agenda/{elsewhere.pk}/"), 404, "not_found")
    assert AgendaItem.objects.filter(pk=elsewhere.pk).exists()


def test_the_secretariat_reorders_the_agenda_and_a_stale_order_is_refused(api_as, cast, next_week):
    meeting = new_meeting(cast, next_week)
    one, two = (
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title=title)
        for title in ("One", "Two")
    )
    url = f"{URL}{meeting.pk}/agenda/reorder/"

    response = api_as("secretariat").post(url, {"item_ids": [two.pk, one.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert [i["id"] for i in response.json()["agenda"]] == [two.pk, one.pk]

    stale = _error(api_as("secretariat").post(url, {"item_ids": [one.pk]}, format="json"), 409, "conflict")
    assert stale["details"] == {"item_ids": sorted([one.pk, two.pk])}
    _error(api_as("secretariat").post(url, {"item_ids": [one.pk, one.pk]}, format="json"), 409, "conflict")
    _error(api_as("secretariat").post(url, {"item_ids": ["one"]}, format="json"), 400, "invalid")
    _error(api_as("secretariat").post(url, {}, format="json"), 400, "invalid")
    assert list(meeting.agenda_items.order_by("position").values_list("pk", flat=True)) == [two.pk, one.pk]


# --- attendance -------------------------------------------------------------------------------------------


def test_the_minute_taker_records_attendance_and_the_quorum_follows(as_member, cast, next_week):
    meeting = convened_meeting(cast, next_week)

    for member in cast.committee[:2]:
        response = as_member(1).put(
            f"{URL}{meeting.pk}/attendance/{member.pk}/", {"status": "present_in_person"}, format="json"
        )
        assert response.status_code == 200, response.json()
    assert response.json()["quorum"]["met"] is True

    corrected = as_member(1).put(
        f"{URL}{meeting.pk}/attendance/{cast.committee[1].pk}/", {"status": "excused"}, format="json"
    )
    assert corrected.json()["quorum"] == {"present": 1, "committee": 3, "needed": 2, "met": False}
    assert Attendance.objects.get(member=cast.committee[1]).status == "excused"


@pytest.mark.parametrize(
    ("who", "member", "body", "status", "code"),
    [
        ("chair", "committee", {"status": "absent"}, 403, "forbidden"),
        ("secretariat", "applicant", {"status": "absent"}, 400, "invalid"),
        ("secretariat", "nobody", {"status": "absent"}, 404, "not_found"),
        ("secretariat", "committee", {"status": "asleep"}, 400, "invalid"),
        ("secretariat", "committee", {}, 400, "invalid"),
        ("secretariat", "committee", {"status": "absent", "expected_state": "draft"}, 409, "conflict"),
        ("secretariat", "DRAFT", {"status": "absent"}, 409, "not_allowed"),
    ],
)
def test_attendance_the_services_refuse(api_as, as_member, cast, next_week, who, member, body, status, code):
    if member == "DRAFT":
        meeting, member_id = new_meeting(cast, next_week), cast.committee[2].pk
    else:
        meeting = convened_meeting(cast, next_week)
        member_id = {"committee": cast.committee[2].pk, "applicant": cast.applicant.pk, "nobody": 999_999}[
            member
        ]
    client = as_member(0) if who == "chair" else api_as("secretariat")

    _error(client.put(f"{URL}{meeting.pk}/attendance/{member_id}/", body, format="json"), status, code)
    assert not Attendance.objects.exists()


# --- queries ------------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_s_queries_do_not_grow_with_the_meetings(api_as, cast, next_week):
    client = api_as("secretariat")
    meeting = convened_meeting(cast, next_week)
    services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title="AOB")
    client.get(URL)  # the token's first use is recorded once
    few = _queries(client, URL)
    for day in range(1, 6):
        other = convened_meeting(cast, next_week + datetime.timedelta(days=day), title=f"Day {day}")
        services.agenda_item_add(meeting=other, actor=cast.secretariat, kind="other", title="AOB")

    assert _queries(client, URL) == few
    assert few <= 8


def test_the_detail_s_queries_do_not_grow_with_the_agenda(api_as, cast, next_week):
    client = api_as("secretariat")
    meeting = convened_meeting(cast, next_week)
    url = f"{URL}{meeting.pk}/"
    services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="report", title="Report")
    services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="motion", motion=_motion(cast))
    services.attendance_record(
        meeting=meeting, member=cast.committee[0], status="absent", actor=cast.secretariat
    )
    client.get(url)
    few = _queries(client, url)
    services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="motion", motion=_motion(cast))
    services.agenda_item_add(
        meeting=meeting,
        actor=cast.secretariat,
        kind="application",
        application=application_in(ApplicationState.REVIEWED, cast),
    )
    for title in ("One", "Two", "Three"):
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title=title)
    for member in cast.committee[1:]:
        services.attendance_record(meeting=meeting, member=member, status="absent", actor=cast.secretariat)

    assert _queries(client, url) == few
    assert few <= 14
