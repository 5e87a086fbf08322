"""Who may do what to a meeting, in which state; and the quorum, in exact fractions.

One table (``MEETING_ACTIONS``) for the services, which raise its refusals, and for the pages,
which offer an action only when it finds none. The secretariat prepares a meeting (creates, edits,
reschedules, convenes, cancels, keeps the agenda); the chair, the minute-taker or the secretariat
open and close the session; the minute-taker (or the secretariat) records attendance.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflows.models import ApplicationState, MotionState, VoteMode
from workflows.rules import COMMENT_MAX_LENGTH, Refusal

from .models import AGENDA_STATES, CONVENED_STATES, OPEN_STATES, Meeting, MeetingState, Minutes

# Which applications and motions a meeting may take up.
AGENDA_APPLICATION_STATES = (ApplicationState.REVIEWED,)
AGENDA_MOTION_STATES = (MotionState.PROPOSED, MotionState.VOTING)
__all__ = ["COMMENT_MAX_LENGTH", "Refusal"]  # the services read them here


def _secretariat_only() -> Refusal:
    return Refusal("forbidden", _("Only the secretariat may take this action."))


def _state_refusal(meeting: Meeting, action: str) -> Refusal:
    return Refusal(
        "not_allowed",
        _("This action (%(action)s) is not possible while the meeting is “%(state)s”.")
        % {"action": action.replace("_", " "), "state": meeting.get_state_display()},
        {"state": meeting.state, "action": action},
    )


def _is_officer_of(meeting: Meeting, user) -> bool:
    """The meeting's chair or minute-taker (still on the committee), or the secretariat."""
    pk = getattr(user, "pk", None)
    return roles.is_secretariat(user) or (
        pk in (meeting.chair_id, meeting.minute_taker_id) and roles.is_committee_member(user)
    )


def may_read(user) -> bool:
    """Meetings are the committee's business: its members and the secretariat read them."""
    return roles.is_secretariat(user) or roles.is_committee_member(user)


def create_refusal(user) -> Refusal | None:
    """Why ``user`` may not create a meeting, or None."""
    return None if roles.is_secretariat(user) else _secretariat_only()


def _edit_refusal(meeting: Meeting, user, action: str) -> Refusal | None:
    """Edit or reschedule: the secretariat, until the session opens."""
    if not roles.is_secretariat(user):
        return _secretariat_only()
    if meeting.state not in AGENDA_STATES:
        return _state_refusal(meeting, action)
    return None


def _agenda_refusal(meeting: Meeting, user, action: str) -> Refusal | None:
    """Add, remove, reorder items or papers: the secretariat, in draft or convened."""
    if not roles.is_secretariat(user):
        return _secretariat_only()
    if meeting.state == MeetingState.IN_SESSION:
        return Refusal(
            "not_allowed", _("The agenda is fixed once the meeting is in session."), {"state": meeting.state}
        )
    if meeting.state not in AGENDA_STATES:
        return Refusal(
            "not_allowed",
            _("Nothing may be added to or changed on the agenda of a meeting that is “%(state)s”.")
            % {"state": meeting.get_state_display()},
            {"state": meeting.state},
        )
    return None


def _transition_refusal(meeting: Meeting, action: str) -> Refusal | None:
    from django_fsm import can_proceed

    if not can_proceed(getattr(meeting, action), check_conditions=False):
        return _state_refusal(meeting, action)
    return None


def _secretariat_transition_refusal(meeting: Meeting, user, action: str) -> Refusal | None:
    """Convene, cancel: the secretariat, from the states the transition leaves."""
    if not roles.is_secretariat(user):
        return _secretariat_only()
    return _transition_refusal(meeting, action)


def _session_refusal(meeting: Meeting, user, action: str) -> Refusal | None:
    """Open or close the session: the chair, the minute-taker or the secretariat."""
    if not _is_officer_of(meeting, user):
        return Refusal(
            "forbidden",
            _("Only the chair, the minute-taker or the secretariat may open or close the session."),
        )
    return _transition_refusal(meeting, action)


def _attendance_refusal(meeting: Meeting, user, action: str) -> Refusal | None:
    """Record attendance: the minute-taker or the secretariat, while convened or in session."""
    pk = getattr(user, "pk", None)
    if not roles.is_secretariat(user) and not (
        pk == meeting.minute_taker_id and roles.is_committee_member(user)
    ):
        return Refusal("forbidden", _("Only the minute-taker or the secretariat may record attendance."))
    if meeting.state not in CONVENED_STATES:
        return _state_refusal(meeting, action)
    return None


# Every action on a meeting → the check that refuses it (or None).
MEETING_ACTIONS: dict[str, Callable[[Meeting, object, str], Refusal | None]] = {
    "edit": _edit_refusal,
    "convene": _secretariat_transition_refusal,
    "cancel": _secretariat_transition_refusal,
    "manage_agenda": _agenda_refusal,
    "record_attendance": _attendance_refusal,
    "open_session": _session_refusal,
    "close": _session_refusal,
}


def meeting_refusal(action: str, meeting: Meeting, user) -> Refusal | None:
    """Why ``user`` may not take ``action`` on ``meeting`` now, or None when they may."""
    return MEETING_ACTIONS[action](meeting, user, action)


def meeting_allowed_actions(meeting: Meeting, user) -> set[str]:
    """The actions ``user`` may take on ``meeting`` now."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {action for action in MEETING_ACTIONS if meeting_refusal(action, meeting, user) is None}


# --- what the agenda may hold ----------------------------------------------------------------------------


def _held_elsewhere(meeting: Meeting, **subject) -> Meeting | None:
    """Another open meeting whose agenda holds ``subject`` (application= or motion=)."""
    return (
        Meeting.objects.filter(state__in=OPEN_STATES, **{f"agenda_items__{k}": v for k, v in subject.items()})
        .exclude(pk=meeting.pk)
        .first()
    )


def application_item_refusal(meeting: Meeting, application) -> Refusal | None:
    """An application goes on the agenda once its review is complete, on one open meeting at a time."""
    if application.state not in AGENDA_APPLICATION_STATES:
        return Refusal(
            "not_allowed",
            _(
                "Only an application whose review is complete may be put on the agenda; this one is “%(state)s”."
            )
            % {"state": application.get_state_display()},
            {"state": application.state},
        )
    return _elsewhere_refusal(meeting, application=application)


def motion_item_refusal(meeting: Meeting, motion) -> Refusal | None:
    """A motion goes on the agenda while it is open (proposed or under vote), on one open meeting."""
    if motion.state not in AGENDA_MOTION_STATES:
        return Refusal(
            "not_allowed",
            _("Only an open motion may be put on the agenda; this one is “%(state)s”.")
            % {"state": motion.get_state_display()},
            {"state": motion.state},
        )
    return _elsewhere_refusal(meeting, motion=motion)


def _elsewhere_refusal(meeting: Meeting, **subject) -> Refusal | None:
    if meeting.agenda_items.filter(**subject).exists():
        return Refusal("conflict", _("This item is on the agenda already."))
    other = _held_elsewhere(meeting, **subject)
    if other is not None:
        return Refusal(
            "conflict",
            _("This item is on the agenda of another meeting: “%(meeting)s”.") % {"meeting": other.title},
            {"meeting": other.pk},
        )
    return None


# --- votes on the agenda's items ----------------------------------------------------------------------

ROOM_MODES = (VoteMode.NAMED, VoteMode.COUNTED)


def item_vote_refusal(
    meeting: Meeting, mode: str, quorum: "Quorum", *, record: bool = False
) -> Refusal | None:
    """A vote on an agenda item of ``meeting`` in ``mode``: online from the draft to the end of the
    session; in the room (named, counted) only while the meeting is in session and quorate — for
    opening the round and for every vote recorded in it (``record``)."""
    if mode in ROOM_MODES:
        if meeting.state != MeetingState.IN_SESSION:
            return Refusal(
                "not_allowed",
                _("A vote in the room is held only while the meeting is in session."),
                {"state": meeting.state},
            )
        if not quorum.met:
            return Refusal(
                "incomplete",
                _(
                    "The meeting is without quorum (%(present)d present, %(needed)d needed): "
                    "no vote may be taken in the room."
                )
                % {"present": quorum.present, "needed": quorum.needed},
                {"present": quorum.present, "needed": quorum.needed},
            )
        return None
    if not record and meeting.state not in OPEN_STATES:
        return _state_refusal(meeting, "vote")
    return None


# --- minutes ----------------------------------------------------------------------------------------------


def _frozen(minutes: Minutes) -> Refusal:
    return Refusal("not_allowed", _("These minutes are approved: they are frozen and never change."))


def minutes_edit_refusal(meeting: Meeting, minutes: Minutes | None, user) -> Refusal | None:
    """Generate the record (again), write a summary, circulate the draft: the minute-taker, the chair
    or the secretariat, while the meeting is closed and its minutes (if any yet) not approved."""
    if not _is_officer_of(meeting, user):
        return Refusal(
            "forbidden", _("Only the minute-taker, the chair or the secretariat may prepare the minutes.")
        )
    if minutes is not None and minutes.is_frozen:
        return _frozen(minutes)
    if meeting.state != MeetingState.CLOSED:
        return _state_refusal(meeting, "edit minutes")
    return None


def minutes_item_refusal(meeting: Meeting, minutes: Minutes) -> Refusal | None:
    """Minutes go on the agenda of a later meeting: a closed meeting's draft, on one open agenda."""
    if minutes.is_frozen:
        return _frozen(minutes)
    earlier = minutes.meeting
    if earlier.pk == meeting.pk or earlier.starts_at >= meeting.starts_at:
        return Refusal("not_allowed", _("A meeting approves the minutes of an earlier meeting."))
    if earlier.state != MeetingState.CLOSED:
        return _state_refusal(earlier, "approve minutes")
    return _elsewhere_refusal(meeting, minutes=minutes)


def minutes_approve_refusal(
    item_meeting: Meeting, minutes: Minutes, user, quorum: "Quorum"
) -> Refusal | None:
    """The chair of the later meeting or the secretariat approves the minutes on its agenda, in session
    and with quorum."""
    pk = getattr(user, "pk", None)
    if not roles.is_secretariat(user) and not (
        pk == item_meeting.chair_id and roles.is_committee_member(user)
    ):
        return Refusal("forbidden", _("Only the chair or the secretariat may approve the minutes."))
    if minutes.is_frozen:
        return _frozen(minutes)
    if item_meeting.state != MeetingState.IN_SESSION:
        return Refusal(
            "not_allowed",
            _("Minutes are approved while the meeting whose agenda holds them is in session."),
            {"state": item_meeting.state},
        )
    if not quorum.met:
        return Refusal(
            "incomplete",
            _("The meeting is without quorum (%(present)d present, %(needed)d needed).")
            % {"present": quorum.present, "needed": quorum.needed},
            {"present": quorum.present, "needed": quorum.needed},
        )
    if minutes.meeting.state != MeetingState.CLOSED:
        return _state_refusal(minutes.meeting, "approve minutes")
    return None


# --- quorum ------------------------------------------------------------------------------------------------


def quorum_fraction() -> Fraction:
    """``MEETING_QUORUM``: a meeting is quorate with more than this share of the committee present."""
    return Fraction(settings.MEETING_QUORUM)


@dataclass(frozen=True)
class Quorum:
    present: int  # members present, in person or online
    committee: int  # the committee's size
    needed: int  # the fewest present members that make the quorum
    met: bool


def quorum(present: int, committee: int, fraction: Fraction) -> Quorum:
    """Present > ``fraction`` times the committee, in exact fractions (4 of 8 is not more than half; 5 is).

    ``needed`` is counted in integers, as the vote's explanation does, and agrees with ``met``."""
    needed = math.floor(fraction * committee) + 1
    met = committee > 0 and Fraction(present, committee) > fraction
    return Quorum(present=present, committee=committee, needed=needed, met=met)
