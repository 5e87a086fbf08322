"""Votes on a meeting's agenda, its minutes and the public decisions through the API:
/api/v1/meetings/{id}/agenda/{item_id}/vote/…, /minutes/, /minutes.pdf, approve-minutes, and
/api/v1/decisions/."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from accounts.models import PersonalToken
from meetings import services
from meetings.models import AgendaItemKind, AttendanceStatus, MeetingState, Minutes
from registry.models import MembershipState, Representative
from tests.api.workflow_fixtures import client_with, token_for
from tests.factories import MembershipFactory, PartnerKeyFactory, committee_member
from tests.meetings.helpers import START, convened_meeting, meeting_with, reload
from tests.pdf_text import pdf_text
from workflows import motions
from workflows.models import ApplicationState, Ballot, MotionKind, MotionState, VoteMode, VoteRound

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

K = AgendaItemKind
URL = "/api/v1/meetings/"
DECISIONS = "/api/v1/decisions/"


@pytest.fixture(autouse=True)
def _json_bodies(monkeypatch):
    """The test client sends its bodies as JSON, the one type the meetings API reads."""
    monkeypatch.setattr(APIRequestFactory, "default_format", "json")


@pytest.fixture
def committee(cast, settings):
    """A committee of six (quorum: more than half, so four present): the cast's three, then three more."""
    settings.MEETING_QUORUM = "1/2"
    extra = [committee_member(first_name=name, last_name="Kaya") for name in ("Selin", "Omar", "Chloé")]
    return [*cast.committee, *extra]


def as_user(user):
    return client_with(f"Token {token_for(user)}")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code, body
    return body


def in_session(cast, meeting, present):
    for member in present:
        services.attendance_record(
            meeting=meeting, member=member, status=AttendanceStatus.PRESENT_IN_PERSON, actor=cast.secretariat
        )
    return services.meeting_open_session(meeting=meeting, actor=cast.secretariat)


def item_url(meeting, item, action: str = "vote/") -> str:
    return f"{URL}{meeting.pk}/agenda/{item.pk}/{action}"


def held(cast, committee, applications=1, **fields):
    """A meeting held with four present, each application voted by count (3 yes, 1 no), closed."""
    meeting = in_session(cast, meeting_with(cast, applications, **fields), committee[:4])
    for item in meeting.agenda_items.all():
        services.item_vote_open(item=item, mode=VoteMode.COUNTED, actor=cast.secretariat)
        services.item_vote_record_counted(item=item, yes=3, no=1, abstain=0, actor=cast.secretariat)
        services.item_vote_close(item=item, actor=cast.secretariat)
    return services.meeting_close(meeting=meeting, actor=cast.secretariat)


# --- votes in the room ---------------------------------------------------------------------------------


def test_a_named_vote_through_the_api_admits_the_application(api_as, cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    secretariat = api_as("secretariat")

    opened = secretariat.post(item_url(meeting, item), {"mode": "named", "expected_state": "in_session"})
    assert opened.status_code == 200, opened.json()
    (shown,) = opened.json()["agenda"][0]["rounds"]
    assert (shown["mode"], shown["state"], shown["outcome"], shown["tally"]) == ("named", "open", None, None)

    choices = {str(m.pk): c for m, c in zip(committee[:4], ["yes", "yes", "yes", "no"], strict=True)}
    recorded = secretariat.post(item_url(meeting, item, "vote/named/"), {"choices": choices}, format="json")
    assert recorded.status_code == 200, recorded.json()
    assert Ballot.objects.filter(voter__round__agenda_items=item).count() == 4

    closed = secretariat.post(item_url(meeting, item, "vote/close/"), {}, format="json")
    assert closed.status_code == 200, closed.json()
    (shown,) = closed.json()["agenda"][0]["rounds"]
    assert (shown["state"], shown["outcome"]) == ("closed", "passed")
    assert shown["tally"] == {"yes": 3, "no": 1, "abstain": 0, "eligible": 4}
    assert reload(item.application).state == ApplicationState.ADMITTED


def test_a_counted_vote_through_the_api_rejects_the_application(api_as, cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    secretariat = api_as("secretariat")

    assert secretariat.post(item_url(meeting, item), {"mode": "counted"}).status_code == 200
    counted = secretariat.post(
        item_url(meeting, item, "vote/counted/"), {"yes": 1, "no": 3, "abstain": 0}, format="json"
    )
    assert counted.status_code == 200, counted.json()
    assert secretariat.post(item_url(meeting, item, "vote/close/"), {}).status_code == 200

    vote_round = item.vote_rounds.get()
    assert (vote_round.mode, vote_round.outcome) == (VoteMode.COUNTED, "failed")
    assert reload(item.application).state == ApplicationState.REJECTED


def test_a_motion_voted_online_from_the_agenda_is_carried(api_as, cast, committee):
    meeting = convened_meeting(cast, START)
    membership = MembershipFactory()
    motion = motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind=MotionKind.SUSPEND, reason="No return."
    )
    item = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.MOTION, motion=motion)
    secretariat = api_as("secretariat")

    _error(secretariat.post(item_url(meeting, item), {"mode": "named"}), 409, "not_allowed")  # not in session
    opened = secretariat.post(item_url(meeting, item), {"mode": "online", "expected_state": "convened"})
    assert opened.status_code == 200, opened.json()
    assert reload(motion).state == MotionState.VOTING
    for member in committee[:4]:
        motions.motion_vote_cast(motion=motion, member=member, choice="yes")
    assert secretariat.post(item_url(meeting, item, "vote/close/"), {}).status_code == 200

    assert reload(motion).state == MotionState.CARRIED
    assert reload(membership).state == MembershipState.SUSPENDED


def test_the_minute_taker_records_the_votes_in_the_room_and_the_secretariat_closes(api_as, cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    minute_taker = as_user(meeting.minute_taker)
    assert api_as("secretariat").post(item_url(meeting, item), {"mode": "named"}).status_code == 200

    choices = {str(m.pk): c for m, c in zip(committee[:4], ["yes", "yes", "no", "yes"], strict=True)}
    _error(
        as_user(committee[2]).post(item_url(meeting, item, "vote/named/"), {"choices": choices}),
        403,
        "forbidden",
    )
    assert not Ballot.objects.filter(voter__round__agenda_items=item).exists()
    recorded = minute_taker.post(item_url(meeting, item, "vote/named/"), {"choices": choices})
    assert recorded.status_code == 200, recorded.json()
    ballots = Ballot.objects.filter(voter__round__agenda_items=item)
    assert ballots.count() == 4
    assert {b.recorded_by_id for b in ballots} == {meeting.minute_taker_id}

    _error(minute_taker.post(item_url(meeting, item, "vote/close/"), {}), 403, "forbidden")
    assert api_as("secretariat").post(item_url(meeting, item, "vote/close/"), {}).status_code == 200
    assert reload(item.application).state == ApplicationState.ADMITTED


def test_a_minute_taker_who_represents_the_union_concerned_records_no_totals(api_as, cast, committee):
    meeting = convened_meeting(cast, START)
    membership = MembershipFactory()
    Representative.objects.create(organization=membership.organization, user=meeting.minute_taker)
    motion = motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind=MotionKind.SUSPEND, reason="No return."
    )
    item = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.MOTION, motion=motion)
    meeting = in_session(cast, meeting, committee[:4])
    assert api_as("secretariat").post(item_url(meeting, item), {"mode": "counted"}).status_code == 200

    totals = {"yes": 3, "no": 0, "abstain": 0}
    refused = as_user(meeting.minute_taker).post(item_url(meeting, item, "vote/counted/"), totals)
    assert _error(refused, 403, "forbidden")["details"] == {"conflict_of_interest": True}
    assert item.vote_rounds.get().totals_recorded_at is None


def test_a_named_vote_for_a_member_not_present_is_refused_and_nothing_recorded(api_as, cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    services.item_vote_open(item=item, mode=VoteMode.NAMED, actor=cast.secretariat)
    url = item_url(meeting, item, "vote/named/")

    body = {"choices": {str(committee[0].pk): "yes", str(committee[5].pk): "yes"}}
    refused = _error(api_as("secretariat").post(url, body, format="json"), 400, "invalid")
    assert "is not present" in refused["message"]
    unknown = {"choices": {"999999": "yes"}}
    assert (
        "choices"
        in _error(api_as("secretariat").post(url, unknown, format="json"), 400, "invalid")["details"]
    )
    for shape in (
        {"choices": {}},
        {"choices": {"Amina": "yes"}},
        {"choices": {"1": "maybe"}},
        {"choices": []},
    ):
        _error(api_as("secretariat").post(url, shape, format="json"), 400, "invalid")
    assert not Ballot.objects.exists()


def test_counted_totals_above_the_members_present_are_refused(api_as, cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    services.item_vote_open(item=item, mode=VoteMode.COUNTED, actor=cast.secretariat)
    url = item_url(meeting, item, "vote/counted/")

    refused = api_as("secretariat").post(url, {"yes": 3, "no": 2, "abstain": 0}, format="json")
    assert "totals" in _error(refused, 400, "invalid")["details"]
    _error(api_as("secretariat").post(url, {"yes": -1, "no": 0, "abstain": 0}, format="json"), 400, "invalid")
    assert reload(item.vote_rounds.get()).totals_recorded_at is None

    assert (
        api_as("secretariat").post(url, {"yes": 2, "no": 2, "abstain": 0}, format="json").status_code == 200
    )
    again = api_as("secretariat").post(url, {"yes": 2, "no": 2, "abstain": 0}, format="json")
    _error(again, 409, "conflict")  # the totals are final


def test_votes_the_rules_refuse_change_nothing(api_as, cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:3])  # three of six: no quorum
    item = meeting.agenda_items.get()
    secretariat = api_as("secretariat")

    _error(secretariat.post(item_url(meeting, item), {"mode": "named"}), 409, "incomplete")
    _error(as_user(committee[3]).post(item_url(meeting, item), {"mode": "online"}), 403, "forbidden")
    _error(secretariat.post(item_url(meeting, item), {"mode": "show of hands"}), 400, "invalid")
    stale = secretariat.post(item_url(meeting, item), {"mode": "online", "expected_state": "convened"})
    assert _error(stale, 409, "conflict")["details"] == {"state": "in_session"}
    _error(secretariat.post(f"{URL}{meeting.pk}/agenda/999999/vote/", {"mode": "online"}), 404, "not_found")
    _error(secretariat.post(item_url(meeting, item, "vote/close/"), {}), 409, "not_allowed")  # none open
    assert not VoteRound.objects.exists()

    assert secretariat.post(item_url(meeting, item), {"mode": "online"}).status_code == 200
    _error(secretariat.post(item_url(meeting, item), {"mode": "online"}), 409, "conflict")  # open already
    assert VoteRound.objects.count() == 1
    _error(as_user(cast.other_reviewer).post(item_url(meeting, item), {"mode": "online"}), 404, "not_found")


# --- minutes -------------------------------------------------------------------------------------------------


def test_a_caller_who_saw_the_meeting_in_another_state_records_nothing(api_as, cast, committee):
    """Each vote in the room and its close carry the state the caller saw; the service compares it
    under the meeting's lock and refuses a stale one (409 ``conflict``) before writing anything."""
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    secretariat = api_as("secretariat")
    assert secretariat.post(item_url(meeting, item), {"mode": "named"}).status_code == 200
    choices = {str(m.pk): "yes" for m in committee[:4]}

    for action, body in (
        ("vote/named/", {"choices": choices}),
        ("vote/counted/", {"yes": 4, "no": 0, "abstain": 0}),
        ("vote/close/", {}),
    ):
        stale = secretariat.post(item_url(meeting, item, action), {**body, "expected_state": "convened"})
        assert _error(stale, 409, "conflict")["details"] == {"state": "in_session"}, action
    assert not Ballot.objects.filter(voter__round__agenda_items=item).exists()
    assert item.vote_rounds.get().closed_at is None
    assert reload(item.application).state == ApplicationState.EXECUTIVE_VOTE


def test_the_minutes_json_is_the_record(cast, committee):
    meeting = held(cast, committee, 2)
    minutes = Minutes.objects.get(meeting=meeting)

    body = as_user(committee[3]).get(f"{URL}{meeting.pk}/minutes/").json()

    assert body["meeting"] == meeting.pk
    assert (body["state"], body["verified"], body["sha256"]) == ("draft", True, minutes.sha256)
    assert body["record"] == json.loads(json.dumps(minutes.record))
    assert body["record"]["attendance"]["present_in_person"]
    assert [(i["item"], i["kind"], i["decision"]) for i in body["items"]] == [
        (entry["item"], "application", "admitted") for entry in minutes.record["items"]
    ]
    assert body["record"]["items"][0]["rounds"][0]["yes"] == 3
    assert body["actions"] == []  # a member who is not an officer reads only
    assert "summarize" in as_user(meeting.minute_taker).get(f"{URL}{meeting.pk}/minutes/").json()["actions"]


def test_the_minute_taker_writes_a_summary_and_circulates_the_draft(api_as, cast, committee):
    meeting = held(cast, committee)
    item = meeting.agenda_items.get()
    url = f"{URL}{meeting.pk}/minutes/items/{item.pk}/summary/"
    minute_taker = as_user(meeting.minute_taker)

    written = minute_taker.put(url, {"text": "Admitted after discussion.", "expected_state": "closed"})
    assert written.status_code == 200, written.json()
    minutes = Minutes.objects.get(meeting=meeting)
    assert written.json()["items"][0]["summary"] == "Admitted after discussion."
    assert written.json()["sha256"] == minutes.sha256
    assert minutes.record["items"][0]["summary"] == "Admitted after discussion."
    _error(as_user(committee[3]).put(url, {"text": "No"}), 403, "forbidden")
    _error(minute_taker.put(url, {"text": "x" * 20_000}), 400, "invalid")
    _error(
        minute_taker.put(f"{URL}{meeting.pk}/minutes/items/999999/summary/", {"text": "x"}), 404, "not_found"
    )
    assert reload(minutes).summaries == {str(item.pk): "Admitted after discussion."}

    circulated = api_as("secretariat").post(f"{URL}{meeting.pk}/minutes/circulate/", {})
    assert (circulated.status_code, circulated.json()["state"]) == (200, "circulated")
    assert reload(minutes).circulated_at is not None


def test_a_meeting_without_minutes_has_none_to_read(api_as, cast, committee):
    meeting = meeting_with(cast)
    for path in ("minutes/", "minutes.pdf"):
        _error(api_as("secretariat").get(f"{URL}{meeting.pk}/{path}"), 404, "not_found")
    _error(api_as("secretariat").post(f"{URL}{meeting.pk}/minutes/circulate/", {}), 404, "not_found")


def test_the_minutes_download_as_a_pdf_with_names_and_tallies(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    services.item_vote_open(item=item, mode=VoteMode.NAMED, actor=cast.secretariat)
    choices = dict(zip(committee[:4], ["yes", "yes", "no", "abstain"], strict=True))
    services.item_vote_record_named(item=item, choices=choices, actor=cast.secretariat)
    services.item_vote_close(item=item, actor=cast.secretariat)
    meeting = services.meeting_close(meeting=meeting, actor=cast.secretariat)

    response = as_user(committee[3]).get(f"{URL}{meeting.pk}/minutes.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="minutes-{meeting.pk}.pdf"'
    text = pdf_text(response.content)
    assert "Executive Committee, January" in text
    assert item.application.name in text
    assert "yes 2, no 1, abstain 1, of 4 eligible" in text
    assert committee[3].get_full_name() in text  # the named vote's names
    assert Minutes.objects.get(meeting=meeting).sha256 in text


@pytest.mark.parametrize(("query", "status"), [("format=AAA", 406), ("format=", 400), ("format=file", 200)])
def test_the_pdf_s_format_parameter(api_as, cast, committee, query, status):
    meeting = held(cast, committee)
    response = api_as("secretariat").get(f"{URL}{meeting.pk}/minutes.pdf?{query}")
    assert response.status_code == status
    if status != 200:
        assert response.json()["error"]["code"] in ("not_acceptable", "invalid")


def test_minutes_are_approved_at_a_later_meeting_then_refuse_every_change(api_as, cast, committee):
    meeting = held(cast, committee)
    first_item = meeting.agenda_items.get()
    later = convened_meeting(cast, START + datetime.timedelta(days=30), title="Executive Committee, February")
    secretariat = api_as("secretariat")
    added = secretariat.post(
        f"{URL}{later.pk}/agenda/", {"kind": "minutes", "minutes_of": meeting.pk}, format="json"
    )
    assert added.status_code == 201, added.json()
    assert added.json()["agenda"][0]["minutes_of"] == meeting.pk
    item = later.agenda_items.get()
    no_minutes = secretariat.post(f"{URL}{later.pk}/agenda/", {"kind": "minutes", "minutes_of": later.pk})
    assert "minutes_of" in _error(no_minutes, 400, "invalid")["details"]

    later = in_session(cast, later, committee[:4])
    _error(as_user(committee[3]).post(item_url(later, item, "approve-minutes/"), {}), 403, "forbidden")
    approved = as_user(later.chair).post(
        item_url(later, item, "approve-minutes/"), {"expected_state": "in_session"}
    )
    assert approved.status_code == 200, approved.json()
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.is_frozen
    assert reload(meeting).state == MeetingState.MINUTES_APPROVED
    read = secretariat.get(f"{URL}{meeting.pk}/minutes/").json()
    assert (read["state"], read["verified"], read["approved_by"]["id"]) == ("approved", True, later.chair.pk)
    assert read["actions"] == []

    frozen = "These minutes are approved: they are frozen and never change."
    refusals = [
        secretariat.post(item_url(later, item, "approve-minutes/"), {}),
        secretariat.put(f"{URL}{meeting.pk}/minutes/items/{first_item.pk}/summary/", {"text": "Later"}),
        secretariat.post(f"{URL}{meeting.pk}/minutes/circulate/", {}),
    ]
    for response in refusals:
        assert _error(response, 409, "not_allowed")["message"] == frozen
    assert reload(minutes).record == minutes.record
    assert reload(minutes).sha256 == minutes.sha256


# --- the public decisions ------------------------------------------------------------------------------------


def test_the_decisions_list_admissions_without_tallies_or_names(api_client, cast, committee):
    meeting = held(cast, committee, 2)

    response = api_client.get(DECISIONS)

    assert response.status_code == 200
    assert response["ETag"]
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    (shown,) = body["results"]
    assert (shown["meeting"], shown["title"], shown["minutes_approved"]) == (meeting.pk, meeting.title, False)
    assert shown["starts_at"] == "2027-01-15T09:00:00Z"
    names = {d["organization"]["name"] for d in shown["decisions"]}
    assert names == set(meeting.agenda_items.values_list("application__name", flat=True))
    decision = shown["decisions"][0]
    assert (decision["kind"], decision["decision"], decision["category"]) == (
        "application",
        "admitted",
        "full",
    )
    assert decision["organization"]["slug"]  # an affiliate today
    assert set(decision) == {"kind", "decision", "category", "motion_kind", "organization"}
    text = response.content.decode()
    for member in committee:
        assert member.get_full_name() not in text
    for word in ('"yes"', '"no"', "abstain", "eligible", "rounds", "ballot", "tally"):
        assert word not in text


def test_the_decisions_are_filtered_by_meeting_and_year_and_paged(
    api_client, partner_client, cast, committee
):
    first = held(cast, committee)
    second = held(cast, committee, starts_at=START + datetime.timedelta(days=365), title="January 2028")

    assert [m["meeting"] for m in api_client.get(DECISIONS).json()["results"]] == [second.pk, first.pk]
    assert [m["meeting"] for m in api_client.get(f"{DECISIONS}?year=2027").json()["results"]] == [first.pk]
    assert [
        m["meeting"] for m in partner_client.get(f"{DECISIONS}?meeting={second.pk}").json()["results"]
    ] == [second.pk]
    page = api_client.get(f"{DECISIONS}?page_size=1").json()
    assert (page["count"], [m["meeting"] for m in page["results"]]) == (2, [second.pk])
    following = api_client.get(page["next"]).json()
    assert [m["meeting"] for m in following["results"]] == [first.pk]
    assert following["next"] is None
    assert following["previous"].endswith("/api/v1/decisions/?page_size=1")
    _error(api_client.get(f"{DECISIONS}?page=3&page_size=1"), 404, "not_found")


@pytest.mark.parametrize(
    "query", ["year=twenty", "page=0", "page_size=101", "meeting=", "year=2026&year=2027"]
)
def test_the_decisions_refuse_bad_parameters(api_client, query):
    _error(api_client.get(f"{DECISIONS}?{query}"), 400, "invalid")


def test_a_revoked_key_is_refused_the_decisions(api_client, revoked_partner_key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {revoked_partner_key.key}")
    assert api_client.get(DECISIONS).status_code == 403


# --- queries --------------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_decisions_queries_do_not_grow_with_the_meetings(api_client, cast, committee):
    held(cast, committee, 2)
    few = _queries(api_client, DECISIONS)
    for day in (7, 14):
        held(cast, committee, 2, starts_at=START + datetime.timedelta(days=day), title=f"Day {day}")

    assert _queries(api_client, DECISIONS) == few
    assert few <= 3


def test_the_minutes_queries_do_not_grow_with_the_agenda(api_as, cast, committee):
    one = held(cast, committee, 1)
    three = held(cast, committee, 3, starts_at=START + datetime.timedelta(days=7), title="Three items")
    client = api_as("secretariat")
    client.get(f"{URL}{one.pk}/minutes/")  # the token's first use is recorded once

    assert _queries(client, f"{URL}{one.pk}/minutes/") == _queries(client, f"{URL}{three.pk}/minutes/")


def test_the_detail_s_queries_do_not_grow_with_the_rounds(api_as, cast, committee):
    one = held(cast, committee, 1)
    three = held(cast, committee, 3, starts_at=START + datetime.timedelta(days=7), title="Three items")
    client = api_as("secretariat")
    client.get(f"{URL}{one.pk}/")

    assert _queries(client, f"{URL}{one.pk}/") == _queries(client, f"{URL}{three.pk}/")


# --- who may do what: one row per operation ---------------------------------------------------------------------

ROLES = (
    "anonymous",
    "secretariat",
    "chair",
    "minute_taker",
    "member",
    "reviewer",
    "partner_key",
    "revoked_token",
)
# The meeting of each row: "ready" is in session and quorate with a reviewed application on its
# agenda; "voting" ("named") has that application's counted (named) round open, "counted" with its
# totals recorded; "held" is closed with its minutes in draft; "approving" is in session with the
# minutes of a held meeting on its agenda. The chair and the minute-taker are the committee's first
# and second members; "member" is a third, neither. The minute-taker and the secretariat record the
# votes in the room, the secretariat closes the round; the officers prepare the minutes; the chair
# approves them.
# fmt: off
VOTE_MINUTES_TABLE = [
    # method, path,                                                  meeting,     anon sec  chr  mnt  mem  rev  pk   rtok
    ("POST", "/meetings/{meeting_id}/agenda/{item_id}/vote/",         "ready",     401, 200, 403, 403, 403, 404, 403, 401),
    ("POST", "/meetings/{meeting_id}/agenda/{item_id}/vote/named/",   "named",     401, 200, 403, 200, 403, 404, 403, 401),
    ("POST", "/meetings/{meeting_id}/agenda/{item_id}/vote/counted/", "voting",    401, 200, 403, 200, 403, 404, 403, 401),
    ("POST", "/meetings/{meeting_id}/agenda/{item_id}/vote/close/",   "counted",   401, 200, 403, 403, 403, 404, 403, 401),
    ("POST", "/meetings/{meeting_id}/agenda/{item_id}/approve-minutes/", "approving", 401, 200, 200, 403, 403, 404, 403, 401),
    ("GET",  "/meetings/{meeting_id}/minutes/",                       "held",      401, 200, 200, 200, 200, 404, 403, 401),
    ("GET",  "/meetings/{meeting_id}/minutes.pdf",                    "held",      401, 200, 200, 200, 200, 404, 403, 401),
    ("PUT",  "/meetings/{meeting_id}/minutes/items/{item_id}/summary/", "held",    401, 200, 200, 200, 403, 404, 403, 401),
    ("POST", "/meetings/{meeting_id}/minutes/circulate/",             "held",      401, 200, 200, 200, 403, 404, 403, 401),
    ("GET",  "/decisions/",                                           "held",      200, 200, 200, 200, 200, 200, 200, 200),
]
# fmt: on
BODIES = {
    "vote/": {"mode": "online"},
    "vote/named/": "NAMED",
    "vote/counted/": {"yes": 3, "no": 1, "abstain": 0},
    "summary/": {"text": "Discussed."},
}


def test_every_vote_and_minutes_operation_of_the_schema_has_a_row():
    from tests.api.test_applications_permissions import NOT_IN_THE_MEETING_TABLE, schema_operations

    rows = {(method, f"/api/v1{path}") for method, path, *_ in VOTE_MINUTES_TABLE}
    assert {path for _method, path in rows} == NOT_IN_THE_MEETING_TABLE
    assert rows <= schema_operations()


def _world(cast, committee, kind):
    """The meeting a row acts on, and the agenda item it names."""
    if kind == "held":
        meeting = held(cast, committee)
        return meeting, meeting.agenda_items.get()
    if kind == "approving":
        earlier = held(cast, committee)
        later = convened_meeting(cast, START + datetime.timedelta(days=30), title="February")
        item = services.agenda_item_add(
            meeting=later, actor=cast.secretariat, kind=K.MINUTES, minutes=earlier.minutes
        )
        return in_session(cast, later, committee[:4]), item
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    if kind in ("voting", "counted", "named"):
        mode = VoteMode.NAMED if kind == "named" else VoteMode.COUNTED
        services.item_vote_open(item=item, mode=mode, actor=cast.secretariat)
    if kind == "counted":
        services.item_vote_record_counted(item=item, yes=3, no=1, abstain=0, actor=cast.secretariat)
    return meeting, item


@pytest.mark.parametrize(
    ("method", "path", "kind", "expected"),
    [
        pytest.param(m, p, k, dict(zip(ROLES, s, strict=True)), id=f"{m} {p}")
        for m, p, k, *s in VOTE_MINUTES_TABLE
    ],
)
def test_vote_and_minutes_permission_table(cast, committee, method, path, kind, expected):
    meeting, item = _world(cast, committee, kind)
    revoked = token_for(cast.secretariat, name="revoked")
    PersonalToken.objects.filter(prefix=revoked.partition(".")[0]).update(revoked=True)
    credentials = {
        "anonymous": None,
        "secretariat": f"Token {token_for(cast.secretariat)}",
        "chair": f"Token {token_for(committee[0])}",
        "minute_taker": f"Token {token_for(committee[1])}",
        "member": f"Token {token_for(committee[2])}",
        "reviewer": f"Token {token_for(cast.other_reviewer)}",
        "partner_key": f"Api-Key {PartnerKeyFactory().key}",
        "revoked_token": f"Token {revoked}",
    }
    body = next((value for suffix, value in BODIES.items() if path.endswith(suffix)), {})
    if body == "NAMED":
        body = {"choices": {str(committee[0].pk): "yes"}}
    address = "/api/v1" + path.format(meeting_id=meeting.pk, item_id=item.pk)
    actual = {}
    for role in ROLES:
        cache.clear()
        with transaction.atomic():
            client = client_with(credentials[role])
            data = json.dumps(body)
            response = client.generic(method, address, data=data, content_type="application/json")
            actual[role] = response.status_code
            transaction.set_rollback(True)
    assert actual == expected
