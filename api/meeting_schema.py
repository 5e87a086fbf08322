"""OpenAPI description of the meetings API (drf-spectacular): operations, examples, refusals.

``api.meeting_views`` decorates its endpoints with the objects defined here, as
``api.workflow_views`` does with ``api.workflow_schema``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from meetings.models import AgendaItemKind, MeetingState

from . import workflow_schema as docs
from .meeting_serializers import (
    AgendaItemInputSerializer,
    AgendaReorderSerializer,
    AttendanceInputSerializer,
    MeetingActionSerializer,
    MeetingCancelSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    MeetingWriteSerializer,
)

MEETINGS = "Meetings"

BIGINT = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}
MEETING_ID = OpenApiParameter("meeting_id", BIGINT, OpenApiParameter.PATH, description=_("The meeting's id."))
ITEM_ID = OpenApiParameter(
    "item_id", BIGINT, OpenApiParameter.PATH, description=_("The agenda item's id (see 'agenda').")
)
MEMBER_ID = OpenApiParameter(
    "member_id", BIGINT, OpenApiParameter.PATH, description=_("The committee member's user id.")
)
WHEN = OpenApiParameter(
    "when",
    str,
    OpenApiParameter.QUERY,
    enum=["upcoming", "past"],
    description=_("upcoming: not ended yet, soonest first; past: ended, latest first."),
)
STATE = OpenApiParameter(
    "state",
    str,
    OpenApiParameter.QUERY,
    enum=MeetingState.values,
    description=_("Only meetings in this state."),
)

PERSON = {"id": 31, "name": "Amina Diallo"}
MINUTE_TAKER = {"id": 32, "name": "Kerem Yılmaz"}
MEETING_EXAMPLE = {
    "id": 4,
    "title": "Executive Committee, December session",
    "state": "convened",
    "starts_at": "2026-12-12T09:00:00Z",
    "ends_at": "2026-12-12T12:00:00Z",
    "place": "Headquarters, Istanbul",
    "online_link": "https://meet.federation.example/ec-december",
    "chair": PERSON,
    "minute_taker": MINUTE_TAKER,
    "agenda_size": 2,
    "actions": ["cancel", "edit", "manage-agenda", "open-session", "record-attendance"],
}
DETAIL_EXAMPLE = {
    **MEETING_EXAMPLE,
    "agenda": [
        {
            "id": 11,
            "position": 1,
            "kind": "application",
            "label": "Ghana National Union of Students (GH)",
            "application": 12,
            "motion": None,
            "title": "",
            "text": "",
            "papers": [],
        },
        {
            "id": 12,
            "position": 2,
            "kind": "report",
            "label": "Treasurer's report",
            "application": None,
            "motion": None,
            "title": "Treasurer's report",
            "text": "Dues received in 2026.",
            "papers": [
                {"id": 3, "name": "accounts-2026.pdf", "size": 48213, "content_type": "application/pdf"}
            ],
        },
    ],
    "attendance": [
        {"member": PERSON, "status": "present_in_person", "recorded_at": "2026-12-12T09:02:00Z"},
        {"member": MINUTE_TAKER, "status": "present_online", "recorded_at": "2026-12-12T09:02:30Z"},
    ],
    "quorum": {"present": 2, "committee": 5, "needed": 3, "met": False},
}
CREATE_EXAMPLE = {
    "title": "Executive Committee, December session",
    "starts_at": "2026-12-12T09:00:00Z",
    "ends_at": "2026-12-12T12:00:00Z",
    "place": "Headquarters, Istanbul",
    "online_link": "",
    "chair": 31,
    "minute_taker": 32,
}
MEETING_CONFLICT = docs._error(
    _(
        "Not possible now: the meeting's state does not allow it (not_allowed), or someone acted first "
        "or the caller's view is stale (conflict: 'expected_state' differs, the item is already on an "
        "agenda, another meeting is in session, the agenda changed meanwhile)."
    ),
    docs._error_example(
        "Wrong state",
        409,
        "not_allowed",
        "This action (open session) is not possible while the meeting is “Draft”.",
        {"state": "draft", "action": "open_session"},
    ),
    docs._error_example(
        "Stale",
        409,
        "conflict",
        "Someone else changed this meeting meanwhile: it is now “Cancelled”.",
        {"state": "cancelled"},
    ),
    docs._error_example(
        "Another in session",
        409,
        "conflict",
        "Another meeting is in session: “Executive Committee, November session”. Close it first.",
        {"meeting": 3},
    ),
)
MEETING_INVALID = docs._error(
    _(
        "Invalid input, or refused for a reason the description gives (a chair or minute-taker not on "
        "the committee, an application or motion that does not exist); 'details' has the messages per field."
    ),
    *docs.INVALID.examples,
    docs._error_example(
        "Not on the committee",
        400,
        "invalid",
        "Please correct the errors below.",
        {"chair": ["Choose a member of the Executive Committee."]},
    ),
)
ACTING = {**docs.ON_ONE, 400: MEETING_INVALID, 409: MEETING_CONFLICT}


def _meeting(description, name: str = "Meeting", value: dict = DETAIL_EXAMPLE) -> OpenApiResponse:
    return OpenApiResponse(
        MeetingDetailSerializer,
        description=description,
        examples=[OpenApiExample(name, value=value, response_only=True)],
    )


list_meetings = extend_schema(
    operation_id="listMeetings",
    tags=[MEETINGS],
    summary=_("List meetings"),
    description=_(
        "The Executive Committee's meetings, for its members and the secretariat (anyone else: 403); "
        "latest first, or soonest first with when=upcoming."
    ),
    parameters=[WHEN, STATE],
    responses={
        200: OpenApiResponse(
            MeetingSerializer(many=True),
            description=_("A page of meetings."),
            examples=[
                OpenApiExample(
                    "Meetings",
                    value={"count": 1, "next": None, "previous": None, "results": [MEETING_EXAMPLE]},
                    response_only=True,
                )
            ],
        ),
        400: docs.INVALID,
        404: docs.NO_SUCH_PAGE,
        **docs.ALWAYS,
    },
)

create_meeting = extend_schema(
    operation_id="createMeeting",
    tags=[MEETINGS],
    summary=_("Create a meeting"),
    description=_(
        "The secretariat: a meeting in draft, with a place, an online link or both, chaired and minuted "
        "by members of the Executive Committee. Nobody is told until it is convened."
    ),
    request=MeetingWriteSerializer,
    examples=[OpenApiExample("Create", value=CREATE_EXAMPLE, request_only=True)],
    responses={
        201: _meeting(_("The meeting, in draft."), value={**DETAIL_EXAMPLE, "state": "draft"}),
        400: MEETING_INVALID,
        **docs.ALWAYS,
    },
)

get_meeting = extend_schema(
    operation_id="getMeeting",
    tags=[MEETINGS],
    summary=_("Get a meeting"),
    description=_(
        "The meeting with its agenda in order, the attendance recorded and the quorum (members present "
        "against the committee's size today)."
    ),
    parameters=[MEETING_ID],
    responses={200: _meeting(_("The meeting.")), **docs.ON_ONE},
)

update_meeting = extend_schema(
    operation_id="updateMeeting",
    tags=[MEETINGS],
    summary=_("Edit a meeting"),
    description=_(
        "The secretariat, while the meeting is a draft or convened: only the fields sent change. Once "
        "convened, a new time, place or link is sent to the committee with the calendar file."
    ),
    parameters=[MEETING_ID],
    request=MeetingUpdateSerializer,
    examples=[
        OpenApiExample(
            "Move",
            value={"starts_at": "2026-12-13T09:00:00Z", "ends_at": "2026-12-13T12:00:00Z"},
            request_only=True,
        )
    ],
    responses={200: _meeting(_("The meeting as changed.")), **ACTING},
)

TRANSITIONS = {
    "convene": (
        MeetingActionSerializer,
        "conveneMeeting",
        _("Convene"),
        _(
            "The secretariat, on a draft: each committee member is invited with the agenda and a calendar file."
        ),
        {"expected_state": "draft"},
    ),
    "cancel": (
        MeetingCancelSerializer,
        "cancelMeeting",
        _("Cancel"),
        _(
            "The secretariat, on a draft or a convened meeting; a convened meeting's cancellation is sent "
            "to the committee with the reason."
        ),
        {"reason": "The venue is closed.", "expected_state": "convened"},
    ),
    "open-session": (
        MeetingActionSerializer,
        "openMeetingSession",
        _("Open the session"),
        _(
            "The chair, the minute-taker or the secretariat, on a convened meeting; one meeting is in "
            "session at a time. The agenda is then fixed."
        ),
        {"expected_state": "convened"},
    ),
    "close": (
        MeetingActionSerializer,
        "closeMeeting",
        _("Close the session"),
        _("The chair, the minute-taker or the secretariat, on the meeting in session."),
        {"expected_state": "in_session"},
    ),
}


def transition(path: str):
    serializer, operation_id, summary, description, body = TRANSITIONS[path]
    return extend_schema(
        operation_id=operation_id,
        tags=[MEETINGS],
        summary=summary,
        description=description,
        parameters=[MEETING_ID],
        request=serializer,
        examples=[OpenApiExample(str(summary), value=body, request_only=True)],
        responses={200: _meeting(_("The meeting after the transition.")), **ACTING},
    )


add_agenda_item = extend_schema(
    operation_id="addAgendaItem",
    tags=[MEETINGS],
    summary=_("Add an agenda item"),
    description=_(
        "The secretariat, while the meeting is a draft or convened: at the end of the agenda, an "
        "application whose review is complete, an open motion (each on one open meeting's agenda at a "
        "time), a report (title and text) or other business (title). An unknown application or motion "
        "is a 400 on its field."
    ),
    parameters=[MEETING_ID],
    request=AgendaItemInputSerializer,
    examples=[
        OpenApiExample(
            "Application", value={"kind": AgendaItemKind.APPLICATION, "application": 12}, request_only=True
        ),
        OpenApiExample("Motion", value={"kind": AgendaItemKind.MOTION, "motion": 7}, request_only=True),
        OpenApiExample(
            "Report",
            value={
                "kind": AgendaItemKind.REPORT,
                "title": "Treasurer's report",
                "text": "Dues received in 2026.",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Other business", value={"kind": AgendaItemKind.OTHER, "title": "Next meeting"}, request_only=True
        ),
    ],
    responses={201: _meeting(_("The meeting, with the item at the end of its agenda.")), **ACTING},
)

remove_agenda_item = extend_schema(
    operation_id="removeAgendaItem",
    tags=[MEETINGS],
    summary=_("Remove an agenda item"),
    description=_(
        "The secretariat, while the meeting is a draft or convened: the item and its papers go, the "
        "items after it move up."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=None,
    responses={200: _meeting(_("The meeting, without the item.")), **ACTING},
)

reorder_agenda = extend_schema(
    operation_id="reorderAgenda",
    tags=[MEETINGS],
    summary=_("Reorder the agenda"),
    description=_(
        "The secretariat, while the meeting is a draft or convened: every item's id once, in the new "
        "order. A list that does not name the agenda as it is now is a 409 ('details' lists the ids)."
    ),
    parameters=[MEETING_ID],
    request=AgendaReorderSerializer,
    examples=[OpenApiExample("Reorder", value={"item_ids": [12, 11]}, request_only=True)],
    responses={200: _meeting(_("The meeting, with its agenda in the new order.")), **ACTING},
)

record_attendance = extend_schema(
    operation_id="recordAttendance",
    tags=[MEETINGS],
    summary=_("Record attendance"),
    description=_(
        "The minute-taker or the secretariat, while the meeting is convened or in session: whether a "
        "member of the committee is present in person or online, excused or absent (again to correct it)."
    ),
    parameters=[MEETING_ID, MEMBER_ID],
    request=AttendanceInputSerializer,
    examples=[OpenApiExample("Present", value={"status": "present_in_person"}, request_only=True)],
    responses={
        200: _meeting(_("The meeting, with the attendance and the quorum as they are now.")),
        **ACTING,
    },
)
