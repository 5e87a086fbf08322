"""Votes on a meeting's agenda and its minutes through the committee's pages: put to the vote online,
named or counted in the room, the votes recorded and the round closed; the minutes read, summarised,
circulated, downloaded as a PDF, approved at a later meeting and frozen."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings import services
from meetings.models import AgendaItem, AgendaItemKind, AttendanceStatus, MeetingState, Minutes
from tests.factories import MembershipFactory, committee_member
from tests.meetings.helpers import START, convened_meeting, meeting_with, reload
from tests.pdf_text import pdf_text
from workflows import motions
from workflows.models import ApplicationState, Ballot, MotionKind, MotionState, VoteMode, VoteRound

pytestmark = pytest.mark.django_db

A = AttendanceStatus
K = AgendaItemKind


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def committee(cast, settings):
    """A committee of six (quorum: more than half, so four present)."""
    settings.MEETING_QUORUM = "1/2"
    extra = [committee_member(first_name=name, last_name="Kaya") for name in ("Selin", "Omar", "Chloé")]
    return [*cast.committee, *extra]


def attend(cast, meeting, members, status=A.PRESENT_IN_PERSON):
    for member in members:
        services.attendance_record(meeting=meeting, member=member, status=status, actor=cast.secretariat)


def in_session(cast, meeting, present):
    attend(cast, meeting, present)
    return services.meeting_open_session(meeting=meeting, actor=cast.secretariat)


def page(meeting) -> str:
    return f"/committee/meetings/{meeting.pk}/"


def form_of(shown: str, form_id: str) -> str:
    """The HTML of the form ``form_id`` on a page."""
    start = shown.index(f'id="{form_id}"')
    return shown[start : shown.index("</form>", start)]


def post(user, meeting, action, item, **data):
    return client_for(user).post(
        page(meeting), {"action": action, "expected_state": reload(meeting).state, "item": item.pk, **data}
    )


# --- votes in the room ---------------------------------------------------------------------------------


def test_a_named_vote_through_the_page_decides_the_application(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    shown = client_for(cast.secretariat).get(page(meeting)).content.decode()
    assert f'id="vote_open-{item.pk}"' in shown
    assert 'value="named"' in shown
    assert 'value="counted"' in shown

    assert post(cast.secretariat, meeting, "vote_open", item, mode="named").status_code == 302
    vote_round = item.vote_rounds.get()
    assert vote_round.mode == VoteMode.NAMED
    shown = client_for(cast.secretariat).get(page(meeting)).content.decode()
    assert f'id="vote_named-{item.pk}"' in shown
    rows = form_of(shown, f"vote_named-{item.pk}")
    assert all(f'name="member_{member.pk}"' in rows for member in committee[:4])
    assert f'name="member_{committee[4].pk}"' not in rows  # not present

    choices = {f"member_{m.pk}": c for m, c in zip(committee[:4], ["yes", "yes", "no", ""], strict=True)}
    assert post(cast.secretariat, meeting, "vote_named", item, **choices).status_code == 302
    assert Ballot.objects.filter(voter__round=vote_round).count() == 3  # the fourth did not vote
    shown = client_for(cast.committee[2]).get(page(meeting)).content.decode()
    assert "yes 2, no 1, abstain 0, of 4 eligible" in shown

    assert post(cast.secretariat, meeting, "vote_close", item).status_code == 302
    assert reload(vote_round).closed_at is not None
    assert item.application.__class__.objects.get(pk=item.application_id).state != ApplicationState.REVIEWED
    shown = client_for(cast.committee[2]).get(page(meeting)).content.decode()
    assert f'id="outcome-{item.pk}"' in shown
    assert f'id="vote_close-{item.pk}"' not in shown


def test_a_named_vote_for_a_member_not_present_is_refused_and_nothing_recorded(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    services.item_vote_open(item=item, mode=VoteMode.NAMED, actor=cast.secretariat)
    response = post(
        cast.secretariat,
        meeting,
        "vote_named",
        item,
        **{f"member_{committee[0].pk}": "yes", f"member_{committee[5].pk}": "yes"},
    )
    assert response.status_code == 400
    assert "is not present" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_counted_vote_shows_the_members_present_and_refuses_totals_above_them(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    assert post(cast.secretariat, meeting, "vote_open", item, mode="counted").status_code == 302
    shown = client_for(cast.secretariat).get(page(meeting)).content.decode()
    assert f'id="vote_counted-{item.pk}"' in shown
    assert "4 members present." in shown
    assert f'for="item{item.pk}_yes"' in shown  # each item's fields have ids of their own

    too_many = post(cast.secretariat, meeting, "vote_counted", item, yes=3, no=2, abstain=0)
    assert too_many.status_code == 400
    assert "do not match the members present" in too_many.content.decode()
    assert reload(item.vote_rounds.get()).totals_recorded_at is None
    assert post(cast.secretariat, meeting, "vote_counted", item, yes=-1, no=0, abstain=0).status_code == 400

    assert post(cast.secretariat, meeting, "vote_counted", item, yes=3, no=1, abstain=0).status_code == 302
    vote_round = reload(item.vote_rounds.get())
    assert (vote_round.yes_count, vote_round.no_count, vote_round.abstain_count) == (3, 1, 0)
    shown = client_for(cast.secretariat).get(page(meeting)).content.decode()
    assert f'id="vote_counted-{item.pk}"' not in shown  # the totals are entered once
    assert post(cast.secretariat, meeting, "vote_close", item).status_code == 302
    assert reload(vote_round).outcome


def test_without_quorum_the_room_is_not_offered_and_a_posted_room_vote_is_refused(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:3])  # three of six: no quorum
    item = meeting.agenda_items.get()
    shown = client_for(cast.secretariat).get(page(meeting)).content.decode()
    assert 'value="online"' in shown
    assert 'value="named"' not in shown
    response = post(cast.secretariat, meeting, "vote_open", item, mode="named")
    assert response.status_code == 409
    assert "without quorum" in response.content.decode()
    assert not VoteRound.objects.exists()


def test_before_the_session_only_an_online_vote_opens(cast, committee):
    meeting = meeting_with(cast)
    item = meeting.agenda_items.get()
    assert post(cast.secretariat, meeting, "vote_open", item, mode="counted").status_code == 409
    assert not VoteRound.objects.exists()
    assert post(cast.secretariat, meeting, "vote_open", item, mode="online").status_code == 302
    assert item.vote_rounds.get().mode == VoteMode.ONLINE
    assert (
        post(cast.secretariat, meeting, "vote_open", item, mode="online").status_code == 409
    )  # open already


def test_a_member_who_is_not_the_secretariat_is_offered_no_vote_and_refused_one(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    assert f'id="vote_open-{item.pk}"' not in client_for(committee[3]).get(page(meeting)).content.decode()
    assert post(committee[3], meeting, "vote_open", item, mode="named").status_code == 403
    assert post(cast.secretariat, meeting, "vote_open", item, mode="show of hands").status_code == 400
    assert not VoteRound.objects.exists()


def test_the_minute_taker_is_offered_the_record_of_the_room_not_its_close(cast, committee):
    meeting = in_session(cast, meeting_with(cast), committee[:4])
    item = meeting.agenda_items.get()
    services.item_vote_open(item=item, mode=VoteMode.COUNTED, actor=cast.secretariat)
    shown = client_for(meeting.minute_taker).get(page(meeting)).content.decode()
    assert f'id="vote_counted-{item.pk}"' in shown
    assert f'id="vote_close-{item.pk}"' not in shown
    assert f'id="vote_counted-{item.pk}"' not in client_for(committee[3]).get(page(meeting)).content.decode()

    assert post(committee[3], meeting, "vote_counted", item, yes=3, no=1, abstain=0).status_code == 403
    assert (
        post(meeting.minute_taker, meeting, "vote_counted", item, yes=3, no=1, abstain=0).status_code == 302
    )
    assert item.vote_rounds.get().yes_count == 3


def test_a_page_out_of_date_is_refused(cast, committee):
    meeting = meeting_with(cast)
    item = meeting.agenda_items.get()
    response = client_for(cast.secretariat).post(
        page(meeting), {"action": "vote_open", "expected_state": "draft", "item": item.pk, "mode": "online"}
    )
    assert response.status_code == 409
    assert not VoteRound.objects.exists()


# --- minutes -----------------------------------------------------------------------------------------------


def held(cast, committee, applications=1, **fields):
    """A meeting held with four present, each application voted by count, then closed."""
    meeting = in_session(cast, meeting_with(cast, applications, **fields), committee[:4])
    for item in meeting.agenda_items.all():
        services.item_vote_open(item=item, mode=VoteMode.COUNTED, actor=cast.secretariat)
        services.item_vote_record_counted(item=item, yes=3, no=1, abstain=0, actor=cast.secretariat)
        services.item_vote_close(item=item, actor=cast.secretariat)
    return services.meeting_close(meeting=meeting, actor=cast.secretariat)


def minutes_page(meeting) -> str:
    return f"/committee/meetings/{meeting.pk}/minutes/"


def test_the_minutes_are_read_after_the_meeting_closes_in_the_reader_s_language(cast, committee):
    open_meeting = meeting_with(cast)
    assert client_for(cast.secretariat).get(minutes_page(open_meeting)).status_code == 404
    meeting = held(cast, committee)
    assert f'href="{minutes_page(meeting)}"' in client_for(committee[3]).get(page(meeting)).content.decode()
    shown = client_for(committee[3]).get(minutes_page(meeting)).content.decode()
    assert "Minutes of “Executive Committee, January”" in shown
    assert "Union nationale des étudiants" in shown  # the second union of the test
    assert 'id="minutes-edit"' not in shown  # a member only reads
    french = client_for(committee[3]).get(minutes_page(meeting), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Procès-verbal de « Executive Committee, January »" in french.content.decode()


def test_the_minute_taker_writes_a_summary_and_the_draft_is_circulated(cast, committee):
    meeting = held(cast, committee)
    item = meeting.agenda_items.get()
    minute_taker = meeting.minute_taker
    shown = client_for(minute_taker).get(minutes_page(meeting)).content.decode()
    assert f'id="summary-{item.pk}"' in shown
    response = client_for(minute_taker).post(
        minutes_page(meeting), {"action": "summary", "item": item.pk, "text": "Admitted after discussion."}
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.summaries == {str(item.pk): "Admitted after discussion."}
    assert (
        "Admitted after discussion." in client_for(committee[3]).get(minutes_page(meeting)).content.decode()
    )
    too_long = client_for(minute_taker).post(
        minutes_page(meeting), {"action": "summary", "item": item.pk, "text": "x" * 20_000}
    )
    assert too_long.status_code == 400
    refused = client_for(committee[3]).post(
        minutes_page(meeting), {"action": "summary", "item": item.pk, "text": "No"}
    )
    assert refused.status_code == 403
    assert reload(minutes).summaries == {str(item.pk): "Admitted after discussion."}

    assert (
        client_for(cast.secretariat).post(minutes_page(meeting), {"action": "circulate"}).status_code == 302
    )
    assert reload(minutes).circulated_at is not None


def test_the_minutes_download_as_a_pdf(cast, committee):
    meeting = held(cast, committee)
    response = client_for(committee[3]).get(f"/committee/meetings/{meeting.pk}/minutes.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.content)
    assert "Executive Committee, January" in text
    assert "Kenya Union of Students" in text
    assert (
        client_for(cast.secretariat)
        .get(f"/committee/meetings/{meeting_with(cast).pk}/minutes.pdf")
        .status_code
        == 404
    )


def test_minutes_are_approved_through_a_later_meeting_s_page_then_frozen(cast, committee):
    meeting = held(cast, committee)
    minutes = Minutes.objects.get(meeting=meeting)
    later = convened_meeting(cast, START + datetime.timedelta(days=30), title="Executive Committee, February")
    shown = client_for(cast.secretariat).get(page(later)).content.decode()
    assert f'<option value="{minutes.pk}">Executive Committee, January</option>' in shown
    added = client_for(cast.secretariat).post(
        page(later),
        {"action": "add_item", "expected_state": later.state, "kind": "minutes", "minutes": minutes.pk},
    )
    assert added.status_code == 302
    item = later.agenda_items.get()
    assert item.kind == K.MINUTES
    assert item.minutes_id == minutes.pk

    later = in_session(cast, later, committee[:4])
    assert f'id="approve_minutes-{item.pk}"' not in client_for(committee[3]).get(page(later)).content.decode()
    assert post(committee[3], later, "approve_minutes", item).status_code == 403
    assert f'id="approve_minutes-{item.pk}"' in client_for(later.chair).get(page(later)).content.decode()
    assert post(later.chair, later, "approve_minutes", item).status_code == 302
    minutes = reload(minutes)
    assert minutes.is_frozen
    assert reload(meeting).state == MeetingState.MINUTES_APPROVED
    assert post(later.chair, later, "approve_minutes", item).status_code == 409

    shown = client_for(committee[3]).get(minutes_page(meeting)).content.decode()
    assert "at “Executive Committee, February”" in shown
    assert f"Record hash {minutes.sha256[:16]}… verified." in shown
    refused = client_for(cast.secretariat).post(
        minutes_page(meeting), {"action": "summary", "item": meeting.agenda_items.get().pk, "text": "Later"}
    )
    assert refused.status_code == 409
    assert reload(minutes).summaries == minutes.summaries
    assert 'id="minutes-edit"' not in client_for(cast.secretariat).get(minutes_page(meeting)).content.decode()


def test_the_minutes_page_s_queries_do_not_grow_with_the_agenda(cast, committee):
    one = held(cast, committee, 1)
    four = held(cast, committee, 4, starts_at=START + datetime.timedelta(days=7), title="Four items")
    client = client_for(cast.secretariat)
    for meeting in (one, four):
        client.get(minutes_page(meeting))  # warm the session and caches alike
    counts = []
    for meeting in (one, four):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(minutes_page(meeting)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert AgendaItem.objects.filter(meeting=four).count() == 4


def test_a_motion_on_the_agenda_is_voted_online_through_the_page(cast, committee):
    meeting = convened_meeting(cast, START)
    motion = motions.motion_propose(
        membership=MembershipFactory(), actor=cast.secretariat, kind=MotionKind.SUSPEND, reason="No return."
    )
    item = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.MOTION, motion=motion)
    shown = client_for(cast.secretariat).get(page(meeting)).content.decode()
    assert 'value="named"' not in form_of(shown, f"vote_open-{item.pk}")  # not in session: online only
    assert post(cast.secretariat, meeting, "vote_open", item, mode="online").status_code == 302
    assert reload(motion).state == MotionState.VOTING
    for member in committee[:4]:
        motions.motion_vote_cast(motion=motion, member=member, choice="yes")
    shown = client_for(committee[5]).get(page(meeting)).content.decode()
    assert "yes 4, no 0, abstain 0, of 6 eligible" in shown
    assert post(cast.secretariat, meeting, "vote_close", item).status_code == 302
    assert reload(motion).state != MotionState.VOTING
    assert f'id="outcome-{item.pk}"' in client_for(committee[5]).get(page(meeting)).content.decode()
