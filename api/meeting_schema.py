"""OpenAPI description of the meetings API (drf-spectacular): operations, examples, refusals.

``api.meeting_views`` decorates its endpoints with the objects defined here, as
``api.workflow_views`` does with ``api.workflow_schema``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from meetings.models import AgendaItemKind, MeetingState

from . import workflow_schema as docs
from .meeting_serializers import (
    AgendaItemInputSerializer,
    AgendaReorderSerializer,
    AttendanceInputSerializer,
    CountedVotesSerializer,
    ItemVoteCloseSerializer,
    ItemVoteOpenSerializer,
    MeetingActionSerializer,
    MeetingCancelSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    MeetingWriteSerializer,
    MinutesSerializer,
    MinutesSummaryInputSerializer,
    NamedVotesSerializer,
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
            "minutes_of": None,
            "title": "",
            "text": "",
            "papers": [],
            "rounds": [
                {
                    "number": 1,
                    "mode": "counted",
                    "state": "closed",
                    "opened_at": "2026-12-12T09:40:00Z",
                    "closed_at": "2026-12-12T09:55:00Z",
                    "outcome": "passed",
                    "tally": {"yes": 2, "no": 0, "abstain": 0, "eligible": 2},
                }
            ],
        },
        {
            "id": 12,
            "position": 2,
            "kind": "report",
            "label": "Treasurer's report",
            "application": None,
            "motion": None,
            "minutes_of": None,
            "title": "Treasurer's report",
            "text": "Dues received in 2026.",
            "papers": [
                {"id": 3, "name": "accounts-2026.pdf", "size": 48213, "content_type": "application/pdf"}
            ],
            "rounds": [],
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
        "time), a report (title and text), other business (title), or the approval of the draft "
        "minutes of an earlier, closed meeting ('minutes_of'). An unknown application or motion, or a "
        "meeting without minutes, is a 400 on its field."
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
        OpenApiExample("Minutes", value={"kind": AgendaItemKind.MINUTES, "minutes_of": 3}, request_only=True),
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


# --- votes on the agenda's items ---------------------------------------------------------------------------

VOTE_CONFLICT = docs._error(
    _(
        "Not possible now: the meeting's state does not allow it or it is without quorum (a vote in the "
        "room), the item is not an application or a motion, a vote on it is open already or none is "
        "open (not_allowed, incomplete), or the caller's view is stale (conflict)."
    ),
    docs._error_example(
        "No quorum",
        409,
        "incomplete",
        "The meeting is without quorum (2 present, 4 needed): no vote may be taken in the room.",
        {"present": 2, "needed": 4},
    ),
    docs._error_example(
        "Not in session",
        409,
        "not_allowed",
        "A vote in the room is held only while the meeting is in session.",
        {"state": "convened"},
    ),
    docs._error_example("Open already", 409, "conflict", "The vote on this item is open already."),
)
VOTE_INVALID = docs._error(
    _(
        "Invalid input, or votes the room's record refuses: a member not present (not in the round's "
        "electorate), recused or recorded already, totals above the members present; 'details' says which."
    ),
    *docs.INVALID.examples,
    docs._error_example(
        "Not present",
        400,
        "invalid",
        "Amina Diallo is not present: not in this round's electorate.",
        {"choices": ["Amina Diallo is not present: not in this round's electorate."]},
    ),
)
VOTING = {**docs.ON_ONE, 400: VOTE_INVALID, 409: VOTE_CONFLICT}
VOTED_EXAMPLE = {**DETAIL_EXAMPLE, "state": "in_session"}

open_item_vote = extend_schema(
    operation_id="openItemVote",
    tags=[MEETINGS],
    summary=_("Put an agenda item to the vote"),
    description=_(
        "The secretariat opens a vote round on an application (review complete) or a motion on the "
        "agenda, with the decision's own vote engine: online (from the draft to the end of the session), "
        "or in the room, named or counted (only in session and with quorum). In session, the electorate "
        "is the committee's members recorded present, less recusals; before, the whole committee."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=ItemVoteOpenSerializer,
    examples=[
        OpenApiExample(
            "Counted in the room",
            value={"mode": "counted", "expected_state": "in_session"},
            request_only=True,
        ),
        OpenApiExample(
            "Online", value={"mode": "online", "deadline": "2026-12-20T18:00:00Z"}, request_only=True
        ),
    ],
    responses={200: _meeting(_("The meeting, with the item's round open."), value=VOTED_EXAMPLE), **VOTING},
)

record_named_votes = extend_schema(
    operation_id="recordNamedVotes",
    tags=[MEETINGS],
    summary=_("Record votes named in the room"),
    description=_(
        "The minute-taker or the secretariat records the choice each member present announced, in the item's open round "
        "of mode 'named': each is that member's final ballot. All or none: a member not present, "
        "recused or recorded already refuses the whole request. The round stays open until closed."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=NamedVotesSerializer,
    examples=[
        OpenApiExample(
            "Named",
            value={"choices": {"31": "yes", "32": "no"}, "expected_state": "in_session"},
            request_only=True,
        )
    ],
    responses={200: _meeting(_("The meeting, with the votes recorded."), value=VOTED_EXAMPLE), **VOTING},
)

record_counted_votes = extend_schema(
    operation_id="recordCountedVotes",
    tags=[MEETINGS],
    summary=_("Record the totals counted in the room"),
    description=_(
        "The minute-taker or the secretariat enters the totals counted in the room in the item's open round of mode "
        "'counted', once: yes, no and abstain together at most the members present who may vote."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=CountedVotesSerializer,
    examples=[
        OpenApiExample(
            "Counted",
            value={"yes": 3, "no": 1, "abstain": 0, "expected_state": "in_session"},
            request_only=True,
        )
    ],
    responses={200: _meeting(_("The meeting, with the totals recorded."), value=VOTED_EXAMPLE), **VOTING},
)

close_item_vote = extend_schema(
    operation_id="closeItemVote",
    tags=[MEETINGS],
    summary=_("Close an agenda item's vote"),
    description=_(
        "The secretariat closes the item's open round: it is tallied by the same rules as any round "
        "(quorum, majority, base) and its outcome admits or rejects the application, carries or "
        "defeats the motion. Closed after the session, the draft minutes are written again."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=ItemVoteCloseSerializer,
    examples=[OpenApiExample("Close", value={"expected_state": "in_session"}, request_only=True)],
    responses={200: _meeting(_("The meeting, with the item's round closed."), value=VOTED_EXAMPLE), **VOTING},
)

approve_minutes = extend_schema(
    operation_id="approveMinutes",
    tags=[MEETINGS],
    summary=_("Approve minutes"),
    description=_(
        "The chair of this meeting or the secretariat, while it is in session and quorate, approves the "
        "minutes its agenda item carries (kind 'minutes'): the earlier meeting's minutes are written a "
        "last time and frozen, and that meeting is then 'minutes_approved'. Approved minutes never "
        "change: a second approval is a 409."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=MeetingActionSerializer,
    examples=[OpenApiExample("Approve", value={"expected_state": "in_session"}, request_only=True)],
    responses={200: _meeting(_("This meeting, after the approval."), value=VOTED_EXAMPLE), **ACTING},
)

# --- minutes -------------------------------------------------------------------------------------------------

MINUTES_EXAMPLE = {
    "meeting": 4,
    "state": "circulated",
    "generated_at": "2026-12-12T12:05:00Z",
    "circulated_at": "2026-12-13T08:00:00Z",
    "approved_at": None,
    "approved_by": None,
    "sha256": "9f2c1e0b7a4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3",
    "verified": True,
    "record": {
        "meeting": {
            "id": 4,
            "title": "Executive Committee, December session",
            "starts_at": "2026-12-12T09:00:00+00:00",
            "chair": "Amina Diallo",
            "minute_taker": "Kerem Yılmaz",
        },
        "attendance": {"present_in_person": ["Amina Diallo"], "present_online": ["Kerem Yılmaz"]},
        "items": [
            {
                "item": 11,
                "position": 1,
                "kind": "application",
                "organization": "Ghana National Union of Students",
                "rounds": [{"number": 1, "mode": "counted", "outcome": "passed", "yes": 2, "no": 0}],
                "decision": "admitted",
                "summary": "Admitted after a short discussion.",
            }
        ],
    },
    "items": [
        {
            "item": 11,
            "position": 1,
            "kind": "application",
            "decision": "admitted",
            "summary": "Admitted after a short discussion.",
        }
    ],
    "actions": ["circulate", "summarize"],
}
NO_MINUTES = docs._error(
    _(
        "No meeting with this id that you may see, or it has no minutes yet (they are written when it closes)."
    ),
    docs._error_example(
        "No minutes yet",
        404,
        "not_found",
        "This meeting has no minutes yet: they are written when it closes.",
    ),
)
MINUTES_CONFLICT = docs._error(
    _(
        "Not possible now: the minutes are approved, and frozen (not_allowed), the meeting is not "
        "closed, or the caller's view is stale (conflict)."
    ),
    docs._error_example(
        "Approved",
        409,
        "not_allowed",
        "These minutes are approved: they are frozen and never change.",
    ),
)
ON_MINUTES = {**docs.ON_ONE, 404: NO_MINUTES}
MINUTES_ACTING = {**ON_MINUTES, 400: docs.INVALID, 409: MINUTES_CONFLICT}


def _minutes(description, value: dict = MINUTES_EXAMPLE) -> OpenApiResponse:
    return OpenApiResponse(
        MinutesSerializer,
        description=description,
        examples=[OpenApiExample("Minutes", value=value, response_only=True)],
    )


get_minutes = extend_schema(
    operation_id="getMinutes",
    tags=[MEETINGS],
    summary=_("Get a meeting's minutes"),
    description=_(
        "The minutes of a closed meeting, for the committee and the secretariat: their state (draft, "
        "circulated, approved), the record they are generated from, its SHA-256 and whether the record "
        "stored still has it, and the minute-taker's summary of each item."
    ),
    parameters=[MEETING_ID],
    responses={200: _minutes(_("The minutes.")), **ON_MINUTES},
)

FORMAT_REFUSALS = {
    406: docs._error(
        _("An unknown ?format= was asked for."),
        docs._error_example(
            "Unknown format", 406, "not_acceptable", "Unknown format 'xml'. This endpoint offers: json, file."
        ),
    ),
    400: docs._error(
        _("?format= given empty or more than once."),
        docs._error_example(
            "Empty format",
            400,
            "invalid",
            "Some values in the request are not valid. See details for each field.",
            {"format": ["This parameter may not be empty; leave it out instead."]},
        ),
    ),
}

get_minutes_pdf = extend_schema(
    operation_id="getMinutesPdf",
    tags=[MEETINGS],
    summary=_("Download a meeting's minutes as a PDF"),
    description=_(
        "The minutes as an A4 PDF in the caller's language (Accept-Language), as an attachment: the "
        "meeting, the attendance, each item's decision, tallies, named votes, recusals and summary, and "
        "the record's hash."
    ),
    parameters=[MEETING_ID],
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The PDF.")),
        **FORMAT_REFUSALS,
        **ON_MINUTES,
    },
)

set_minutes_summary = extend_schema(
    operation_id="setMinutesSummary",
    tags=[MEETINGS],
    summary=_("Write an item's summary in the minutes"),
    description=_(
        "The minute-taker, the chair or the secretariat, while the minutes are not approved: the "
        "summary of one agenda item (again to change it); the record and its hash are written again."
    ),
    parameters=[MEETING_ID, ITEM_ID],
    request=MinutesSummaryInputSerializer,
    examples=[
        OpenApiExample(
            "Summary",
            value={"text": "Admitted after a short discussion.", "expected_state": "closed"},
            request_only=True,
        )
    ],
    responses={200: _minutes(_("The minutes, with the summary.")), **MINUTES_ACTING},
)

circulate_minutes = extend_schema(
    operation_id="circulateMinutes",
    tags=[MEETINGS],
    summary=_("Circulate the draft minutes"),
    description=_(
        "The minute-taker, the chair or the secretariat send the draft minutes to every member of the "
        "committee (once per version of the record); they are then 'circulated' until approved."
    ),
    parameters=[MEETING_ID],
    request=MeetingActionSerializer,
    examples=[OpenApiExample("Circulate", value={"expected_state": "closed"}, request_only=True)],
    responses={200: _minutes(_("The minutes, circulated.")), **MINUTES_ACTING},
)
