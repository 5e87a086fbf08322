"""A meeting's votes on its agenda and its minutes: two applications and a suspension voted online,
named and counted in the room; the minutes generated from the record, circulated, approved at the
next meeting, then frozen and verifiable."""

import datetime
import io
import json
import re

import pikepdf
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation

from accounts.people import display_name
from meetings import selectors, services
from meetings.minutes import minutes_display, minutes_pdf, minutes_text
from meetings.models import AgendaItemKind, AttendanceStatus, MeetingState, Minutes, record_hash
from notifications.models import Notification
from registry.models import MembershipState
from tests.cast import application_in
from tests.factories import MembershipFactory, committee_member
from workflows import motions
from workflows import services as workflow_services
from workflows.errors import ErrorCode
from workflows.models import ApplicationState, MotionKind, MotionState, VoteMode, VoteRound

from .helpers import convened_meeting, refused, reload

pytestmark = pytest.mark.django_db

A = AttendanceStatus
K = AgendaItemKind
START = datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC)


@pytest.fixture
def committee(cast, settings):
    """A committee of six (quorum: more than half, so four present)."""
    settings.MEETING_QUORUM = "1/2"
    extra = [
        committee_member(first_name="Selin", last_name="Kaya"),
        committee_member(first_name="Omar", last_name="Haddad"),
        committee_member(first_name="Chloé", last_name="Martin"),
    ]
    return [*cast.committee, *extra]


@pytest.fixture
def agenda(cast, committee):
    """A convened meeting with two reviewed applications and a motion to suspend a member."""
    meeting = convened_meeting(cast, START)
    first = application_in(ApplicationState.REVIEWED, cast, name="Kenya Union of Students")
    second = application_in(ApplicationState.REVIEWED, cast, name="Union nationale des étudiants")
    motion = motions.motion_propose(
        membership=MembershipFactory(),
        actor=cast.secretariat,
        kind=MotionKind.SUSPEND,
        reason="No yearly return since 2023.",
    )

    def add(**subject):
        return services.agenda_item_add(meeting=meeting, actor=cast.secretariat, **subject)

    items = [
        add(kind=K.APPLICATION, application=first),
        add(kind=K.APPLICATION, application=second),
        add(kind=K.MOTION, motion=motion),
    ]
    return reload(meeting), items


def attend(cast, meeting, member, status):
    services.attendance_record(meeting=meeting, member=member, status=status, actor=cast.secretariat)


def open_session(cast, meeting):
    return services.meeting_open_session(meeting=meeting, actor=cast.secretariat)


def held(cast, committee, agenda):
    """The meeting held: item 1 voted online before it (five of six vote, one recuses), items 2 and 3
    in the room with four present, named and counted; closed with its minutes."""
    meeting, (online, named, counted) = agenda
    services.item_vote_open(item=online, mode=VoteMode.ONLINE, actor=cast.secretariat)
    application = online.application
    for member, choice in zip(committee[:4], ["yes", "yes", "yes", "no"], strict=True):
        workflow_services.vote_cast(application=application, member=member, choice=choice)
    workflow_services.vote_recuse(application=application, member=committee[4], reason="Former officer")

    for member in committee[:3]:
        attend(cast, meeting, member, A.PRESENT_IN_PERSON)
    attend(cast, meeting, committee[3], A.PRESENT_ONLINE)
    attend(cast, meeting, committee[4], A.EXCUSED)
    attend(cast, meeting, committee[5], A.ABSENT)
    meeting = open_session(cast, meeting)
    services.item_vote_close(item=online, actor=cast.secretariat)

    services.item_vote_open(item=named, mode=VoteMode.NAMED, actor=cast.secretariat)
    services.item_vote_record_named(
        item=named,
        choices=dict(zip(committee[:4], ["no", "no", "yes", "abstain"], strict=True)),
        actor=cast.secretariat,
    )
    services.item_vote_close(item=named, actor=cast.secretariat)

    services.item_vote_open(item=counted, mode=VoteMode.COUNTED, actor=cast.secretariat)
    services.item_vote_record_counted(item=counted, yes=3, no=1, abstain=0, actor=cast.secretariat)
    services.item_vote_close(item=counted, actor=cast.secretariat)
    return services.meeting_close(meeting=meeting, actor=cast.secretariat)


# --- votes on the agenda ------------------------------------------------------------------------------


def test_the_three_items_are_decided_online_named_and_counted(cast, committee, agenda):
    _meeting, (online, named, counted) = agenda

    held(cast, committee, agenda)

    assert reload(online.application).state == ApplicationState.ADMITTED
    assert reload(named.application).state == ApplicationState.REJECTED
    motion = reload(counted.motion)
    assert motion.state == MotionState.CARRIED
    assert motion.membership.state == MembershipState.SUSPENDED
    modes = [item.vote_rounds.get().mode for item in (online, named, counted)]
    assert modes == [VoteMode.ONLINE, VoteMode.NAMED, VoteMode.COUNTED]
    # Opened before the meeting: the whole committee; in the room: the four present.
    assert online.vote_rounds.get().voters.count() == 6
    assert set(named.vote_rounds.get().voters.values_list("user_id", flat=True)) == {
        m.pk for m in committee[:4]
    }


def test_a_vote_in_the_room_is_refused_without_quorum_and_nothing_is_written(cast, committee, agenda):
    meeting, (_online, named, _counted) = agenda
    for member in committee[:3]:
        attend(cast, meeting, member, A.PRESENT_IN_PERSON)
    open_session(cast, meeting)

    error = refused(
        ErrorCode.INCOMPLETE, services.item_vote_open, item=named, mode=VoteMode.NAMED, actor=cast.secretariat
    )

    assert "without quorum" in error.message
    assert error.details == {"present": 3, "needed": 4}
    assert not VoteRound.objects.exists()
    assert reload(named.application).state == ApplicationState.REVIEWED


def test_a_room_vote_is_refused_outside_the_session_but_an_online_one_opens(cast, committee, agenda):
    _meeting, (online, named, _counted) = agenda

    refused(
        ErrorCode.NOT_ALLOWED,
        services.item_vote_open,
        item=named,
        mode=VoteMode.COUNTED,
        actor=cast.secretariat,
    )
    vote_round = services.item_vote_open(item=online, mode=VoteMode.ONLINE, actor=cast.secretariat)

    assert VoteRound.objects.get() == vote_round
    assert list(online.vote_rounds.all()) == [vote_round]
    refused(
        ErrorCode.CONFLICT, services.item_vote_open, item=online, mode=VoteMode.ONLINE, actor=cast.secretariat
    )


def test_recording_in_the_room_is_refused_once_the_quorum_is_lost(cast, committee, agenda):
    meeting, (_online, _named, counted) = agenda
    for member in committee[:4]:
        attend(cast, meeting, member, A.PRESENT_IN_PERSON)
    open_session(cast, meeting)
    vote_round = services.item_vote_open(item=counted, mode=VoteMode.COUNTED, actor=cast.secretariat)
    attend(cast, meeting, committee[3], A.ABSENT)  # leaves the room

    refused(
        ErrorCode.INCOMPLETE,
        services.item_vote_record_counted,
        item=counted,
        yes=3,
        no=0,
        abstain=0,
        actor=cast.secretariat,
    )

    vote_round.refresh_from_db()
    assert vote_round.totals_recorded_at is None


def test_a_named_vote_for_a_member_not_present_is_refused_all_or_nothing(cast, committee, agenda):
    meeting, (_online, named, _counted) = agenda
    for member in committee[:4]:
        attend(cast, meeting, member, A.PRESENT_IN_PERSON)
    attend(cast, meeting, committee[4], A.EXCUSED)
    open_session(cast, meeting)
    vote_round = services.item_vote_open(item=named, mode=VoteMode.NAMED, actor=cast.secretariat)

    error = refused(
        ErrorCode.INVALID,
        services.item_vote_record_named,
        item=named,
        choices={committee[0]: "yes", committee[4]: "yes"},
        actor=cast.secretariat,
    )

    assert error.details["choices"] == ["Omar Haddad is not present: not in this round's electorate."]
    assert not vote_round.ballots.exists()


# --- the minutes ----------------------------------------------------------------------------------------------


def test_the_minutes_are_generated_at_closing_with_attendance_tallies_names_and_recusals(
    cast, committee, agenda
):
    meeting = held(cast, committee, agenda)

    minutes = Minutes.objects.get(meeting=meeting)
    record = minutes.record
    names = [display_name(m) for m in committee]
    assert record["meeting"]["chair"] == names[0]
    assert record["meeting"]["minute_taker"] == names[1]
    assert record["meeting"]["place"] == "Headquarters, Istanbul"
    assert record["attendance"] == {
        "present_in_person": sorted(names[:3]),
        "present_online": [names[3]],
        "excused": [names[4]],
        "absent": [names[5]],
    }
    items = record["items"]
    assert [i["decision"] for i in items] == ["admitted", "rejected", "carried"]
    assert [i["kind"] for i in items] == ["application", "application", "motion"]
    assert items[2]["motion_kind"] == "suspend"
    tallies = [{k: i["rounds"][0][k] for k in ("mode", "yes", "no", "abstain", "eligible")} for i in items]
    assert tallies == [
        {"mode": "online", "yes": 3, "no": 1, "abstain": 0, "eligible": 5},
        {"mode": "named", "yes": 1, "no": 2, "abstain": 1, "eligible": 4},
        {"mode": "counted", "yes": 3, "no": 1, "abstain": 0, "eligible": 4},
    ]
    assert items[1]["rounds"][0]["votes"] == [
        {"name": names[0], "choice": "no"},
        {"name": names[1], "choice": "no"},
        {"name": names[2], "choice": "yes"},
        {"name": names[3], "choice": "abstain"},
    ]
    assert items[0]["rounds"][0]["votes"] == []  # online ballots are not named in the minutes
    assert items[0]["rounds"][0]["recusals"] == [{"name": names[4], "reason": "Former officer"}]
    assert minutes.sha256 == record_hash(record)
    assert services.minutes_verify(minutes)


def test_the_minute_taker_writes_a_summary_and_circulates_the_draft(cast, committee, agenda):
    meeting = held(cast, committee, agenda)
    minutes = Minutes.objects.get(meeting=meeting)
    first_hash = minutes.sha256
    item = meeting.agenda_items.get(position=2)

    minutes = services.minutes_item_summary_set(
        item=item, text="The statutes were found wanting.", actor=committee[1]
    )
    refused(
        ErrorCode.FORBIDDEN,
        services.minutes_item_summary_set,
        item=item,
        text="Not mine to write.",
        actor=committee[3],
    )
    services.minutes_circulate(minutes=minutes, actor=committee[1])
    services.minutes_circulate(minutes=minutes, actor=committee[1])  # the same version: once

    assert minutes.record["items"][1]["summary"] == "The statutes were found wanting."
    assert minutes.sha256 != first_hash
    assert services.minutes_verify(minutes)
    rows = Notification.objects.filter(event="minutes_circulated")
    assert rows.count() == len(committee)
    assert "The statutes were found wanting." in rows.first().context["minutes_text"]
    assert "Rejected" in rows.first().context["minutes_text"]


def approved(cast, committee, agenda):
    meeting = held(cast, committee, agenda)
    minutes = Minutes.objects.get(meeting=meeting)
    services.minutes_item_summary_set(
        item=meeting.agenda_items.get(position=1), text="Admitted after discussion.", actor=committee[1]
    )
    later = convened_meeting(cast, START + datetime.timedelta(days=30), title="Executive Committee, February")
    item = services.agenda_item_add(meeting=later, actor=cast.secretariat, kind=K.MINUTES, minutes=minutes)
    for member in committee[:4]:
        attend(cast, later, member, A.PRESENT_IN_PERSON)
    later = open_session(cast, later)
    services.minutes_approve(item=item, actor=committee[0])  # the chair of the later meeting
    return reload(meeting), Minutes.objects.get(pk=minutes.pk), later, item


def test_minutes_are_approved_at_the_next_meeting_in_session(cast, committee, agenda):
    meeting, minutes, _later, item = approved(cast, committee, agenda)

    assert meeting.state == MeetingState.MINUTES_APPROVED
    assert minutes.approved_at is not None
    assert minutes.approved_by == committee[0]
    assert minutes.is_frozen
    assert services.minutes_verify(minutes)
    refused(ErrorCode.NOT_ALLOWED, services.minutes_approve, item=item, actor=committee[0])
    assert item.label == f"Minutes of “{meeting}”"


def test_only_a_closed_earlier_meeting_s_minutes_go_on_an_agenda(cast, committee, agenda):
    meeting = held(cast, committee, agenda)
    minutes = Minutes.objects.get(meeting=meeting)
    earlier = convened_meeting(
        cast, START - datetime.timedelta(days=30), title="Executive Committee, November"
    )

    refused(
        ErrorCode.NOT_ALLOWED,
        services.agenda_item_add,
        meeting=earlier,
        actor=cast.secretariat,
        kind=K.MINUTES,
        minutes=minutes,
    )
    refused(
        ErrorCode.INVALID, services.agenda_item_add, meeting=earlier, actor=cast.secretariat, kind=K.MINUTES
    )


def test_approval_needs_the_session_and_the_chair_or_the_secretariat(cast, committee, agenda):
    meeting = held(cast, committee, agenda)
    minutes = Minutes.objects.get(meeting=meeting)
    later = convened_meeting(cast, START + datetime.timedelta(days=30), title="Executive Committee, February")
    item = services.agenda_item_add(meeting=later, actor=cast.secretariat, kind=K.MINUTES, minutes=minutes)

    refused(
        ErrorCode.NOT_ALLOWED, services.minutes_approve, item=item, actor=cast.secretariat
    )  # not in session
    for member in committee[:4]:
        attend(cast, later, member, A.PRESENT_IN_PERSON)
    open_session(cast, later)
    refused(ErrorCode.FORBIDDEN, services.minutes_approve, item=item, actor=committee[2])

    assert reload(meeting).state == MeetingState.CLOSED
    assert Minutes.objects.get(pk=minutes.pk).approved_at is None


def test_approved_minutes_are_frozen_every_change_is_refused_and_nothing_changes(cast, committee, agenda):
    meeting, minutes, _later, _item = approved(cast, committee, agenda)
    before = (json.dumps(minutes.record, sort_keys=True), minutes.sha256, minutes.summaries)
    item = meeting.agenda_items.get(position=1)

    refused(
        ErrorCode.NOT_ALLOWED,
        services.minutes_item_summary_set,
        item=item,
        text="Rewritten.",
        actor=committee[1],
    )
    refused(ErrorCode.NOT_ALLOWED, services.minutes_generate, meeting=meeting, actor=committee[1])
    refused(ErrorCode.NOT_ALLOWED, services.minutes_circulate, minutes=minutes, actor=committee[1])
    refused(
        ErrorCode.NOT_ALLOWED,
        services.item_vote_open,
        item=item,
        mode=VoteMode.ONLINE,
        actor=cast.secretariat,
    )
    minutes.record["items"][0]["decision"] = "rejected"
    refused(ErrorCode.NOT_ALLOWED, minutes.save)  # the model refuses a change of frozen minutes
    refused(ErrorCode.NOT_ALLOWED, Minutes.objects.filter(pk=minutes.pk).update, sha256="0" * 64)
    refused(ErrorCode.NOT_ALLOWED, Minutes.objects.filter(pk=minutes.pk).delete)
    refused(ErrorCode.NOT_ALLOWED, minutes.delete)

    stored = Minutes.objects.get(pk=minutes.pk)
    assert (json.dumps(stored.record, sort_keys=True), stored.sha256, stored.summaries) == before
    assert stored.record["items"][0]["summary"] == "Admitted after discussion."
    assert services.minutes_verify(stored)
    # The decisions they cite are final: the round is closed and the application admitted.
    assert reload(item.application).state == ApplicationState.ADMITTED
    assert not item.vote_rounds.filter(closed_at__isnull=True).exists()


def test_a_record_tampered_with_in_the_database_no_longer_verifies(cast, committee, agenda):
    _meeting, minutes, _later, _item = approved(cast, committee, agenda)
    record = minutes.record
    record["items"][1]["decision"] = "admitted"

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Minutes._meta.db_table} SET record = %s WHERE id = %s",
            [json.dumps(record), minutes.pk],
        )

    assert not services.minutes_verify(minutes)


# --- reading them ---------------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    """The text of every page of a PDF drawn by fpdf2 with an embedded font, through the font's
    ToUnicode table (as the certificate's tests read theirs)."""
    out = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            cmaps = {}
            for name, font in page.Resources.Font.items():
                pairs = re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", font.ToUnicode.read_bytes())
                cmaps[name] = {int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be") for g, u in pairs}
            current = {}
            for operands, operator in pikepdf.parse_content_stream(page):
                if operator == pikepdf.Operator("Tf"):
                    current = cmaps.get(str(operands[0]), {})
                elif operator in (pikepdf.Operator("Tj"), pikepdf.Operator("TJ")):
                    parts = operands[0] if operator == pikepdf.Operator("TJ") else [operands[0]]
                    for part in parts:
                        if isinstance(part, pikepdf.String):
                            raw = bytes(part)
                            out.append(
                                "".join(
                                    current.get(int.from_bytes(raw[i : i + 2]), "")
                                    for i in range(0, len(raw), 2)
                                )
                            )
                elif operator == pikepdf.Operator("ET"):
                    out.append("\n")
    return " ".join("".join(out).split())


def test_the_pdf_text_and_page_say_what_the_record_holds(cast, committee, agenda):
    _meeting, minutes, _later, _item = approved(cast, committee, agenda)
    names = [display_name(m) for m in committee]

    content = minutes_pdf(minutes, federation_name="International Federation of Student Unions")
    text = " ".join(minutes_text(minutes).split())
    page = render_to_string("meetings/minutes.html", {"shown": minutes_display(minutes)})

    assert content.startswith(b"%PDF")
    pdf = _pdf_text(content)
    for shown in (pdf, text, " ".join(page.split())):
        assert "Minutes of “Executive Committee, December session”" in shown
        assert f"Chair: {names[0]}" in shown
        assert names[5] in shown
        assert names[4] in shown
        assert "Decision: Admitted" in shown
        assert "Decision: Rejected" in shown
        assert "Decision: Motion carried: Suspended" in shown
        assert "yes 3, no 1, abstain 0, of 5 eligible" in shown
        assert "yes 1, no 2, abstain 1, of 4 eligible" in shown
        assert f"No: {names[0]}, {names[1]}" in shown
        assert f"Recused: {names[4]} (Former officer)" in shown
        assert "Admitted after discussion." in shown
        assert minutes.sha256 in shown


def test_the_public_decisions_list_admissions_and_carried_motions_without_votes_or_names(
    cast, committee, agenda, django_assert_num_queries
):
    _meeting, _minutes, _later, _item = approved(cast, committee, agenda)

    with django_assert_num_queries(1):
        listed = selectors.public_decisions()

    assert len(listed) == 1
    assert listed[0].minutes_approved
    assert [(d.kind, d.decision, d.motion_kind, d.organization) for d in listed[0].decisions] == [
        ("application", "admitted", "", "Kenya Union of Students"),
        ("motion", "carried", "suspend", listed[0].decisions[1].organization),
    ]
    shown = repr(listed)
    assert not any(display_name(m) in shown for m in committee)
    assert "Union nationale des étudiants" not in shown  # a rejection is not published


def test_draft_minutes_are_generated_again_on_demand_with_a_later_outcome(cast, committee, agenda):
    meeting, (online, _named, _counted) = agenda
    services.item_vote_open(item=online, mode=VoteMode.ONLINE, actor=cast.secretariat)
    for member in committee[:4]:
        attend(cast, meeting, member, A.PRESENT_IN_PERSON)
    meeting = services.meeting_close(meeting=open_session(cast, meeting), actor=cast.secretariat)
    assert Minutes.objects.get(meeting=meeting).record["items"][0]["decision"] == "pending"
    refused(ErrorCode.FORBIDDEN, services.minutes_generate, meeting=meeting, actor=committee[4])

    workflow_services.vote_cast(application=online.application, member=committee[0], choice="yes")
    services.item_vote_close(item=online, actor=cast.secretariat)  # the draft follows the outcome
    minutes = services.minutes_generate(meeting=meeting, actor=committee[1])

    assert minutes.record["items"][0]["decision"] == "no_quorum"  # one ballot of six
    assert services.minutes_verify(minutes)


def test_the_pdf_is_written_in_the_reader_s_language_with_arabic_shaped(cast, committee, agenda):
    _meeting, minutes, _later, _item = approved(cast, committee, agenda)

    with translation.override("ar"):
        content = minutes_pdf(minutes, federation_name="International Federation of Student Unions")

    pdf = _pdf_text(content)
    assert "Decision:" not in pdf
    assert "ل" in pdf  # Arabic letters drawn with a glyph (shaped forms map back to letters)
    assert "Kenya Union of Students" in pdf  # names as the record keeps them
    assert minutes.sha256 in pdf


@pytest.mark.parametrize("kind", list(MotionKind))
def test_minutes_word_every_kind_of_carried_motion(kind):
    from meetings.minutes import DECISIONS, _decision_text

    with translation.override("en"):
        text = _decision_text({"decision": "carried", "motion_kind": kind.value})

    prefix = f"{DECISIONS['carried']}: "
    assert text.startswith(prefix)
    assert text.removeprefix(prefix).strip()
