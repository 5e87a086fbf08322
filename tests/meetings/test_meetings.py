"""Meetings of the Executive Committee: the state machine, the agenda and attendance, and every
refusal (as ``WorkflowError`` with its code, nothing written)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django_fsm_log.models import StateLog

from meetings import selectors, services
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    AgendaPaper,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingState,
)
from registry.models import MembershipCategory
from tests.cast import application_in
from tests.factories import MembershipFactory, committee_member, pdf_upload
from workflows import motions
from workflows.errors import ErrorCode
from workflows.models import ApplicationState, MotionKind

from .helpers import convened_meeting, in_session, new_meeting, refused, reload

pytestmark = pytest.mark.django_db

M = MeetingState
K = AgendaItemKind


@pytest.fixture
def motion(cast):
    membership = MembershipFactory(admitted_on=datetime.date(2019, 3, 1), category=MembershipCategory.FULL)
    return motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind=MotionKind.SUSPEND, reason="Dues unpaid."
    )


# --- the state machine -------------------------------------------------------------------------------------


def test_a_meeting_goes_from_draft_to_closed_and_each_step_is_logged(cast, next_week):
    meeting = new_meeting(cast, next_week)
    assert meeting.state == M.DRAFT

    services.meeting_convene(meeting=meeting, actor=cast.secretariat)
    services.meeting_open_session(meeting=meeting, actor=cast.committee[1])  # the minute-taker
    services.meeting_close(meeting=meeting, actor=cast.committee[0])  # the chair

    assert reload(meeting).state == M.CLOSED
    logs = StateLog.objects.filter(object_id=meeting.pk, content_type__model="meeting").order_by("pk")
    assert [(log.transition, log.state, log.by_id) for log in logs] == [
        ("convene", M.CONVENED, cast.secretariat.pk),
        ("open_session", M.IN_SESSION, cast.committee[1].pk),
        ("close", M.CLOSED, cast.committee[0].pk),
    ]


@pytest.mark.parametrize("convene", [False, True])
def test_a_draft_or_convened_meeting_can_be_cancelled(cast, next_week, convene):
    meeting = convened_meeting(cast, next_week) if convene else new_meeting(cast, next_week)

    services.meeting_cancel(meeting=meeting, actor=cast.secretariat, reason="The hall is closed.")

    assert reload(meeting).state == M.CANCELLED


def test_a_meeting_in_session_cannot_be_cancelled_nor_convened_again(cast, next_week):
    meeting = in_session(cast, next_week)

    refused(ErrorCode.NOT_ALLOWED, services.meeting_cancel, meeting=meeting, actor=cast.secretariat)
    refused(ErrorCode.NOT_ALLOWED, services.meeting_convene, meeting=meeting, actor=cast.secretariat)
    assert reload(meeting).state == M.IN_SESSION


def test_a_draft_cannot_open_its_session(cast, next_week):
    meeting = new_meeting(cast, next_week)

    refused(ErrorCode.NOT_ALLOWED, services.meeting_open_session, meeting=meeting, actor=cast.secretariat)


def test_minutes_approved_follows_only_a_closed_meeting(cast, next_week):
    meeting = in_session(cast, next_week)
    with pytest.raises(Exception, match="approve_minutes"):
        meeting.approve_minutes()
    services.meeting_close(meeting=meeting, actor=cast.secretariat)
    meeting = reload(meeting)

    meeting.approve_minutes()

    assert meeting.state == M.MINUTES_APPROVED


def test_only_the_secretariat_prepares_and_convenes(cast, next_week):
    meeting = new_meeting(cast, next_week)
    member = cast.committee[0]

    refused(
        ErrorCode.FORBIDDEN,
        services.meeting_create,
        actor=member,
        title="A meeting of my own",
        starts_at=next_week,
        ends_at=next_week + datetime.timedelta(hours=1),
        place="Istanbul",
        chair=member,
        minute_taker=member,
    )
    refused(ErrorCode.FORBIDDEN, services.meeting_convene, meeting=meeting, actor=member)
    refused(ErrorCode.FORBIDDEN, services.meeting_update, meeting=meeting, actor=member, title="Other")
    refused(ErrorCode.FORBIDDEN, services.meeting_cancel, meeting=meeting, actor=member)
    assert reload(meeting).state == M.DRAFT
    assert Meeting.objects.count() == 1


def test_only_the_chair_the_minute_taker_or_the_secretariat_open_the_session(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    refused(ErrorCode.FORBIDDEN, services.meeting_open_session, meeting=meeting, actor=cast.committee[2])
    refused(ErrorCode.FORBIDDEN, services.meeting_open_session, meeting=meeting, actor=cast.applicant)
    assert reload(meeting).state == M.CONVENED


def test_a_stale_page_is_refused_as_a_conflict(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    refused(
        ErrorCode.CONFLICT,
        services.meeting_open_session,
        meeting=meeting,
        actor=cast.secretariat,
        expected_state=M.DRAFT,
    )


# --- the meeting's fields ---------------------------------------------------------------------------------


def test_a_meeting_needs_an_end_after_its_start_and_a_place_or_a_link(cast, next_week):
    error = refused(
        ErrorCode.INVALID, new_meeting, cast=cast, starts_at=next_week, ends_at=next_week, place=""
    )

    assert set(error.details) == {"ends_at", "place"}
    assert not Meeting.objects.exists()


def test_an_online_meeting_needs_no_place(cast, next_week):
    meeting = new_meeting(cast, next_week, place="", online_link="https://meet.example.org/ec-december")

    assert meeting.online_link == "https://meet.example.org/ec-december"


def test_the_chair_and_the_minute_taker_are_members_of_the_committee(cast, next_week):
    error = refused(
        ErrorCode.INVALID,
        new_meeting,
        cast=cast,
        starts_at=next_week,
        chair=cast.reviewers[0],
        minute_taker=cast.secretariat,
    )

    assert set(error.details) == {"chair", "minute_taker"}


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"ends_at_offset": 0}, "meeting_ends_after_start"),
        ({"place": ""}, "meeting_has_place_or_link"),
    ],
)
def test_the_database_refuses_a_meeting_without_an_end_or_a_place(cast, next_week, fields, constraint):
    values = {"place": "Istanbul", "ends_at_offset": 1, **fields}
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Meeting.objects.create(
            title="T",
            starts_at=next_week,
            ends_at=next_week + datetime.timedelta(hours=values["ends_at_offset"]),
            place=values["place"],
            chair=cast.committee[0],
            minute_taker=cast.committee[1],
            created_by=cast.secretariat,
        )


def test_a_draft_changes_without_a_new_calendar_sequence(cast, next_week):
    meeting = new_meeting(cast, next_week)

    services.meeting_update(
        meeting=meeting,
        actor=cast.secretariat,
        starts_at=next_week + datetime.timedelta(hours=1),
        ends_at=next_week + datetime.timedelta(hours=3),
    )

    assert reload(meeting).sequence == 0


def test_an_unknown_field_is_refused(cast, next_week):
    meeting = new_meeting(cast, next_week)

    error = refused(
        ErrorCode.INVALID, services.meeting_update, meeting=meeting, actor=cast.secretariat, state="closed"
    )

    assert "state" in error.details


# --- one meeting in session -------------------------------------------------------------------------------


def test_a_second_meeting_cannot_open_while_one_is_in_session(cast, next_week):
    first = in_session(cast, next_week)
    second = convened_meeting(cast, next_week + datetime.timedelta(days=1), title="Extraordinary session")

    error = refused(ErrorCode.CONFLICT, services.meeting_open_session, meeting=second, actor=cast.secretariat)

    assert error.details == {"meeting": first.pk}
    assert reload(second).state == M.CONVENED
    services.meeting_close(meeting=first, actor=cast.secretariat)
    services.meeting_open_session(meeting=second, actor=cast.secretariat)
    assert reload(second).state == M.IN_SESSION


def test_the_database_keeps_one_meeting_in_session(cast, next_week):
    in_session(cast, next_week)
    second = convened_meeting(cast, next_week + datetime.timedelta(days=1))

    with pytest.raises(IntegrityError), transaction.atomic():  # meeting_one_in_session
        Meeting.objects.filter(pk=second.pk).update(state=M.IN_SESSION)


# --- the agenda ---------------------------------------------------------------------------------------------


def test_the_agenda_takes_a_reviewed_application_an_open_motion_a_report_and_other_business(
    cast, next_week, motion
):
    meeting = new_meeting(cast, next_week)
    application = application_in(ApplicationState.REVIEWED, cast)
    add = services.agenda_item_add

    add(meeting=meeting, actor=cast.secretariat, kind=K.APPLICATION, application=application)
    add(meeting=meeting, actor=cast.secretariat, kind=K.MOTION, motion=motion)
    report = add(meeting=meeting, actor=cast.secretariat, kind=K.REPORT, title="Treasurer's report")
    add(meeting=meeting, actor=cast.secretariat, kind=K.OTHER, title="Next congress")

    items = list(meeting.agenda_items.order_by("position"))
    assert [(i.position, i.kind) for i in items] == [
        (1, K.APPLICATION),
        (2, K.MOTION),
        (3, K.REPORT),
        (4, K.OTHER),
    ]
    assert selectors.agenda_of_application(application) == meeting
    paper = services.agenda_paper_add(item=report, actor=cast.secretariat, upload=pdf_upload("accounts.pdf"))
    assert paper.file.name.startswith(f"meetings/{meeting.pk}/")
    assert paper.name == "accounts.pdf"


def test_an_application_not_reviewed_is_refused(cast, next_week):
    meeting = new_meeting(cast, next_week)
    application = application_in(ApplicationState.UNDER_REVIEW, cast)

    error = refused(
        ErrorCode.NOT_ALLOWED,
        services.agenda_item_add,
        meeting=meeting,
        actor=cast.secretariat,
        kind=K.APPLICATION,
        application=application,
    )

    assert error.details == {"state": ApplicationState.UNDER_REVIEW}
    assert not AgendaItem.objects.exists()


def test_a_motion_already_decided_is_refused(cast, next_week, motion):
    motions.motion_drop(motion=motion, actor=cast.secretariat, reason="Paid meanwhile.")
    meeting = new_meeting(cast, next_week)

    refused(
        ErrorCode.NOT_ALLOWED,
        services.agenda_item_add,
        meeting=meeting,
        actor=cast.secretariat,
        kind=K.MOTION,
        motion=reload(motion),
    )
    assert not AgendaItem.objects.exists()


def test_an_application_is_on_one_open_meeting_at_a_time(cast, next_week):
    application = application_in(ApplicationState.REVIEWED, cast)
    first = new_meeting(cast, next_week)
    second = new_meeting(cast, next_week + datetime.timedelta(days=1))
    services.agenda_item_add(
        meeting=first, actor=cast.secretariat, kind=K.APPLICATION, application=application
    )

    again = refused(
        ErrorCode.CONFLICT,
        services.agenda_item_add,
        meeting=first,
        actor=cast.secretariat,
        kind=K.APPLICATION,
        application=application,
    )
    elsewhere = refused(
        ErrorCode.CONFLICT,
        services.agenda_item_add,
        meeting=second,
        actor=cast.secretariat,
        kind=K.APPLICATION,
        application=application,
    )

    assert elsewhere.details == {"meeting": first.pk}
    assert again.details == {}
    services.meeting_cancel(meeting=first, actor=cast.secretariat)
    services.agenda_item_add(
        meeting=second, actor=cast.secretariat, kind=K.APPLICATION, application=application
    )
    assert selectors.agenda_of_application(application) == second


def test_nothing_is_added_to_a_closed_or_cancelled_meeting(cast, next_week):
    closed = in_session(cast, next_week)
    services.meeting_close(meeting=closed, actor=cast.secretariat)
    cancelled = new_meeting(cast, next_week)
    services.meeting_cancel(meeting=cancelled, actor=cast.secretariat)

    for meeting in (closed, cancelled):
        refused(
            ErrorCode.NOT_ALLOWED,
            services.agenda_item_add,
            meeting=meeting,
            actor=cast.secretariat,
            kind=K.OTHER,
            title="Any other business",
        )
    assert not AgendaItem.objects.exists()


def test_the_agenda_is_fixed_once_the_meeting_is_in_session(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    item = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.OTHER, title="Budget")
    services.meeting_open_session(meeting=meeting, actor=cast.secretariat)

    error = refused(
        ErrorCode.NOT_ALLOWED,
        services.agenda_item_add,
        meeting=meeting,
        actor=cast.secretariat,
        kind=K.OTHER,
        title="Late item",
    )
    refused(ErrorCode.NOT_ALLOWED, services.agenda_item_remove, item=item, actor=cast.secretariat)
    refused(
        ErrorCode.NOT_ALLOWED,
        services.agenda_reorder,
        meeting=meeting,
        actor=cast.secretariat,
        item_ids=[item.pk],
    )

    assert error.message == "The agenda is fixed once the meeting is in session."
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["Budget"]


def test_only_the_secretariat_manages_the_agenda(cast, next_week):
    meeting = new_meeting(cast, next_week)

    refused(
        ErrorCode.FORBIDDEN,
        services.agenda_item_add,
        meeting=meeting,
        actor=cast.committee[0],
        kind=K.OTHER,
        title="Budget",
    )


def test_an_item_of_a_kind_without_its_subject_is_invalid(cast, next_week):
    meeting = new_meeting(cast, next_week)

    refused(
        ErrorCode.INVALID,
        services.agenda_item_add,
        meeting=meeting,
        actor=cast.secretariat,
        kind=K.APPLICATION,
    )
    refused(
        ErrorCode.INVALID, services.agenda_item_add, meeting=meeting, actor=cast.secretariat, kind=K.REPORT
    )
    refused(
        ErrorCode.INVALID,
        services.agenda_item_add,
        meeting=meeting,
        actor=cast.secretariat,
        kind="lunch",
        title="x",
    )
    assert not AgendaItem.objects.exists()


def test_the_database_refuses_an_item_whose_kind_does_not_match(cast, next_week, motion):
    meeting = new_meeting(cast, next_week)

    with pytest.raises(IntegrityError, match="agenda_item_kind_matches_subject"), transaction.atomic():
        AgendaItem.objects.create(
            meeting=meeting, position=1, kind=K.APPLICATION, motion=motion, added_by=cast.secretariat
        )


def test_reorder_and_remove_keep_positions_one_to_n(cast, next_week):
    meeting = new_meeting(cast, next_week)
    a, b, c = (
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.OTHER, title=title)
        for title in ("A", "B", "C")
    )

    services.agenda_reorder(meeting=meeting, actor=cast.secretariat, item_ids=[c.pk, a.pk, b.pk])
    assert list(meeting.agenda_items.order_by("position").values_list("title", "position")) == [
        ("C", 1),
        ("A", 2),
        ("B", 3),
    ]
    services.agenda_item_remove(item=a, actor=cast.secretariat)
    assert list(meeting.agenda_items.order_by("position").values_list("title", "position")) == [
        ("C", 1),
        ("B", 2),
    ]


def test_a_reorder_that_does_not_name_every_item_once_is_a_conflict(cast, next_week):
    meeting = new_meeting(cast, next_week)
    _a, b = (
        services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.OTHER, title=t) for t in "AB"
    )

    refused(
        ErrorCode.CONFLICT, services.agenda_reorder, meeting=meeting, actor=cast.secretariat, item_ids=[b.pk]
    )
    refused(
        ErrorCode.CONFLICT,
        services.agenda_reorder,
        meeting=meeting,
        actor=cast.secretariat,
        item_ids=[b.pk, b.pk],
    )

    assert list(meeting.agenda_items.order_by("position").values_list("title", flat=True)) == ["A", "B"]


def test_papers_go_with_reports_only_and_are_checked(cast, next_week):
    meeting = new_meeting(cast, next_week)
    other = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.OTHER, title="AOB")
    report = services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind=K.REPORT, title="Report")

    refused(
        ErrorCode.NOT_ALLOWED,
        services.agenda_paper_add,
        item=other,
        actor=cast.secretariat,
        upload=pdf_upload(),
    )
    refused(
        ErrorCode.UNSUPPORTED_TYPE,
        services.agenda_paper_add,
        item=report,
        actor=cast.secretariat,
        upload=pdf_upload("x.pdf", b"MZ not a pdf"),
    )
    assert not AgendaPaper.objects.exists()


# --- attendance ----------------------------------------------------------------------------------------


def test_the_minute_taker_records_attendance_and_may_correct_it(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    minute_taker, member = cast.committee[1], cast.committee[2]

    services.attendance_record(
        meeting=meeting, member=member, status=AttendanceStatus.EXCUSED, actor=minute_taker
    )
    services.meeting_open_session(meeting=meeting, actor=minute_taker)
    services.attendance_record(
        meeting=meeting, member=member, status=AttendanceStatus.PRESENT_ONLINE, actor=minute_taker
    )

    row = Attendance.objects.get(meeting=meeting, member=member)
    assert (row.status, row.recorded_by) == (AttendanceStatus.PRESENT_ONLINE, minute_taker)


def test_attendance_by_someone_other_than_the_minute_taker_or_the_secretariat_is_refused(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    for actor in (cast.committee[0], cast.committee[2], cast.applicant):  # the chair, a member, an outsider
        refused(
            ErrorCode.FORBIDDEN,
            services.attendance_record,
            meeting=meeting,
            member=cast.committee[2],
            status=AttendanceStatus.PRESENT_IN_PERSON,
            actor=actor,
        )
    services.attendance_record(
        meeting=meeting, member=cast.committee[2], status=AttendanceStatus.ABSENT, actor=cast.secretariat
    )
    assert Attendance.objects.get().recorded_by == cast.secretariat


def test_attendance_is_recorded_only_while_convened_or_in_session(cast, next_week):
    draft = new_meeting(cast, next_week)
    closed = in_session(cast, next_week + datetime.timedelta(days=1))
    services.meeting_close(meeting=closed, actor=cast.secretariat)

    for meeting in (draft, closed):
        refused(
            ErrorCode.NOT_ALLOWED,
            services.attendance_record,
            meeting=meeting,
            member=cast.committee[0],
            status=AttendanceStatus.PRESENT_IN_PERSON,
            actor=cast.secretariat,
        )
    assert not Attendance.objects.exists()


def test_attendance_is_of_committee_members_with_a_known_status(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    refused(
        ErrorCode.INVALID,
        services.attendance_record,
        meeting=meeting,
        member=cast.reviewers[0],
        status=AttendanceStatus.PRESENT_IN_PERSON,
        actor=cast.secretariat,
    )
    refused(
        ErrorCode.INVALID,
        services.attendance_record,
        meeting=meeting,
        member=cast.committee[0],
        status="asleep",
        actor=cast.secretariat,
    )
    assert not Attendance.objects.exists()


# --- selectors -----------------------------------------------------------------------------------------------


def test_upcoming_meetings_are_the_convened_ones_not_ended_soonest_first(cast, next_week):
    later = convened_meeting(cast, next_week + datetime.timedelta(days=7))
    sooner = convened_meeting(cast, next_week)
    new_meeting(cast, next_week)  # a draft
    cancelled = convened_meeting(cast, next_week)
    services.meeting_cancel(meeting=cancelled, actor=cast.secretariat)

    assert list(selectors.upcoming_meetings(next_week - datetime.timedelta(days=1))) == [sooner, later]
    assert list(selectors.upcoming_meetings(next_week + datetime.timedelta(days=3))) == [later]


def test_a_new_committee_member_can_chair(cast, next_week):
    chair = committee_member()

    meeting = new_meeting(cast, next_week, chair=chair)

    assert meeting.chair == chair


def test_a_title_or_place_too_long_is_invalid_not_an_error(cast, next_week):
    error = refused(
        ErrorCode.INVALID, new_meeting, cast=cast, starts_at=next_week, title="T" * 201, place="P" * 301
    )

    assert set(error.details) == {"title", "place"}
    assert not Meeting.objects.exists()
