"""The Executive Committee's meetings: prepare, convene, reschedule, cancel, keep the agenda, record
attendance, open and close the session. Pages, the API, the admin and tasks call only these.

Each action is one database transaction: lock the meeting's row, check ``rules.meeting_refusal``,
change, log the transition (django-fsm-log, with the actor), write the outbox rows (delivery on
commit). A refused action raises ``WorkflowError`` and changes nothing.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from accounts import roles
from accounts.people import display_name
from workflows import motions as workflow_motions
from workflows import room_votes
from workflows import services as workflow_services
from workflows.documents import clean_original_name, clean_upload
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, MembershipApplication, Motion, VoteMode, VoteRound

from . import rules
from .minutes import minutes_record
from .models import (
    PRESENT_STATUSES,
    AgendaItem,
    AgendaItemKind,
    AgendaPaper,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingState,
    Minutes,
    record_hash,
)
from .notifications import MeetingEvent, meeting_notify, minutes_notify
from .selectors import meeting_quorum

# The fields of a meeting the secretariat sets; a change of the calendar's ones after convening is
# sent to the committee as an update.
MEETING_FIELDS = ("title", "starts_at", "ends_at", "place", "online_link", "chair", "minute_taker")
CALENDAR_FIELDS = ("starts_at", "ends_at", "place", "online_link")

# --- helpers ------------------------------------------------------------------------------------------


def _raise(refused: rules.Refusal | None) -> None:
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))


def _lock(meeting: Meeting, *, expected_state: str | None = None) -> Meeting:
    """Lock the meeting's row; refuse (``conflict``) a caller who saw another state than it has now."""
    try:
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    except Meeting.DoesNotExist:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This meeting no longer exists.")) from None
    if expected_state is not None and locked.state != expected_state:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("Someone else changed this meeting meanwhile: it is now “%(state)s”.")
            % {"state": locked.get_state_display()},
            details={"state": locked.state},
        )
    return locked


def _check(action: str, meeting: Meeting, actor) -> None:
    _raise(rules.meeting_refusal(action, meeting, actor))


def _invalid(details: dict[str, list[str]]) -> WorkflowError:
    return WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=details)


def _transition(meeting: Meeting, name: str, *, actor, comment: str = "") -> StateLog:
    """Run the transition ``name`` on a locked meeting (checked by the caller), save, return its log."""
    getattr(meeting, name)(by=actor, description=comment or None)
    meeting.save()
    content_type = ContentType.objects.get_for_model(Meeting)
    return StateLog.objects.filter(content_type=content_type, object_id=meeting.pk).latest("pk")


def _field_errors(values: dict) -> dict[str, list[str]]:
    """What is wrong with a meeting's fields: a title, an end after the start, a place or a link,
    a chair and a minute-taker on the committee."""
    errors: dict[str, list[str]] = {}
    if not (values.get("title") or "").strip():
        errors["title"] = [_("Give the meeting a title.")]
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts_at, datetime.datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the date and time the meeting starts.")]
    if not isinstance(ends_at, datetime.datetime) or timezone.is_naive(ends_at):
        errors["ends_at"] = [_("Give the date and time the meeting ends.")]
    elif "starts_at" not in errors and ends_at <= starts_at:
        errors["ends_at"] = [_("The meeting ends after it starts.")]
    if not (values.get("place") or "").strip() and not (values.get("online_link") or "").strip():
        errors["place"] = [_("Give a place, an online link, or both.")]
    if values.get("online_link"):
        try:
            URLValidator(schemes=["https", "http"])(values["online_link"])
        except ValidationError:
            errors["online_link"] = [_("Give the full address of the online meeting (https://…).")]
    for field in ("title", "place", "online_link"):
        limit = Meeting._meta.get_field(field).max_length
        if field not in errors and len(values.get(field) or "") > limit:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    for field in ("chair", "minute_taker"):
        if not roles.is_committee_member(values.get(field)):
            errors[field] = [_("Choose a member of the Executive Committee.")]
    return errors


def _clean(values: dict) -> dict:
    if errors := _field_errors(values):
        raise _invalid(errors)
    return {
        **values,
        "title": values["title"].strip(),
        "place": (values.get("place") or "").strip(),
        "online_link": (values.get("online_link") or "").strip(),
    }


def _save(meeting: Meeting) -> None:
    """Save a meeting; a value the database refuses (a constraint the checks above missed) is ``invalid``."""
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:
        raise _invalid({"__all__": [_("These values do not make a meeting.")]}) from None


# --- preparing --------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *, actor, title: str, starts_at, ends_at, chair, minute_taker, place: str = "", online_link: str = ""
) -> Meeting:
    """A new meeting in draft, by the secretariat: check, save. Nobody is told until it is convened."""
    _raise(rules.create_refusal(actor))
    values = _clean(
        {
            "title": title,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "online_link": online_link,
            "chair": chair,
            "minute_taker": minute_taker,
        }
    )
    meeting = Meeting(created_by=actor, **values)
    _save(meeting)
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, actor, expected_state: str | None = None, **changes) -> Meeting:
    """Change a draft or convened meeting's fields (``MEETING_FIELDS``).

    Lock, check, validate the whole, save. After convening, a change of time, place or link
    raises the calendar ``sequence`` and sends each committee member the update with the
    calendar file (same UID, the new SEQUENCE).
    """
    locked = _lock(meeting, expected_state=expected_state)
    _check("edit", locked, actor)
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise _invalid({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    current = {field: getattr(locked, field) for field in MEETING_FIELDS}
    values = _clean({**current, **changes})
    moved = any(values[field] != current[field] for field in CALENDAR_FIELDS)
    for field in MEETING_FIELDS:
        setattr(locked, field, values[field])
    if moved and locked.was_convened:
        locked.sequence += 1
    _save(locked)
    if moved and locked.was_convened:
        meeting_notify(MeetingEvent.UPDATED, locked)
    return locked


@transaction.atomic
def meeting_convene(*, meeting: Meeting, actor, expected_state: str | None = None) -> Meeting:
    """draft → convened: each committee member is invited, the agenda listed and the calendar file
    attached. Lock, check, transition, log, outbox."""
    locked = _lock(meeting, expected_state=expected_state)
    _check("convene", locked, actor)
    _transition(locked, "convene", actor=actor)
    meeting_notify(MeetingEvent.CONVENED, locked)
    return locked


@transaction.atomic
def meeting_cancel(
    *, meeting: Meeting, actor, reason: str = "", expected_state: str | None = None
) -> Meeting:
    """draft or convened → cancelled. A convened meeting's cancellation goes to each committee
    member with the calendar file (METHOD:CANCEL, STATUS:CANCELLED, the next SEQUENCE)."""
    locked = _lock(meeting, expected_state=expected_state)
    _check("cancel", locked, actor)
    reason = (reason or "").strip()
    if len(reason) > rules.COMMENT_MAX_LENGTH:
        raise _invalid({"reason": [_("At most %(limit)d characters.") % {"limit": rules.COMMENT_MAX_LENGTH}]})
    convened = locked.was_convened
    if convened:
        locked.sequence += 1
    _transition(locked, "cancel", actor=actor, comment=reason)
    if convened:
        meeting_notify(MeetingEvent.CANCELLED, locked, reason=reason)
    return locked


# --- the agenda ----------------------------------------------------------------------------------------------


def _subject_refusal(meeting: Meeting, kind: str, application, motion, minutes=None) -> rules.Refusal | None:
    """The item's subject fits its kind and may go on this agenda (locked: one open meeting each)."""
    if kind == AgendaItemKind.MINUTES:
        if minutes is None or application is not None or motion is not None:
            return rules.Refusal("invalid", _("Choose the minutes."), {"minutes": ["required"]})
        minutes = Minutes.objects.select_related("meeting").get(pk=minutes.pk)
        return rules.minutes_item_refusal(meeting, minutes)
    if minutes is not None:
        return rules.Refusal("invalid", _("Choose what the item is."), {"kind": ["invalid"]})
    if kind == AgendaItemKind.APPLICATION:
        if application is None or motion is not None:
            return rules.Refusal("invalid", _("Choose the application."), {"application": ["required"]})
        application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
        return rules.application_item_refusal(meeting, application)
    if kind == AgendaItemKind.MOTION:
        if motion is None or application is not None:
            return rules.Refusal("invalid", _("Choose the motion."), {"motion": ["required"]})
        motion = Motion.objects.select_for_update().get(pk=motion.pk)
        return rules.motion_item_refusal(meeting, motion)
    if kind not in AgendaItemKind.values or application is not None or motion is not None:
        return rules.Refusal("invalid", _("Choose what the item is."), {"kind": ["invalid"]})
    return None


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    actor,
    kind: str,
    application: MembershipApplication | None = None,
    motion: Motion | None = None,
    minutes: Minutes | None = None,
    title: str = "",
    text: str = "",
    expected_state: str | None = None,
) -> AgendaItem:
    """Add an item at the end of the agenda of a draft or convened meeting.

    Lock the meeting, check; lock the application or motion and check it may go on this agenda (a
    reviewed application, an open motion, on no other open meeting's agenda; minutes: a draft of an
    earlier, closed meeting); save.
    """
    locked = _lock(meeting, expected_state=expected_state)
    _check("manage_agenda", locked, actor)
    _raise(_subject_refusal(locked, kind, application, motion, minutes))
    title, text = (title or "").strip(), (text or "").strip()
    if kind in (AgendaItemKind.REPORT, AgendaItemKind.OTHER) and not title:
        raise _invalid({"title": [_("Give the item a title.")]})
    if len(title) > 200 or len(text) > rules.COMMENT_MAX_LENGTH:
        raise _invalid({"text": [_("At most %(limit)d characters.") % {"limit": rules.COMMENT_MAX_LENGTH}]})
    last = locked.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(
        meeting=locked,
        position=last + 1,
        kind=kind,
        application=application,
        motion=motion,
        minutes=minutes,
        title=title,
        text=text,
        added_by=actor,
    )
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is on the agenda already.")) from None
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor, expected_state: str | None = None) -> None:
    """Remove an item (and its papers, whose files go after commit); the items after it move up."""
    locked = _lock(item.meeting, expected_state=expected_state)
    _check("manage_agenda", locked, actor)
    item = AgendaItem.objects.filter(pk=item.pk, meeting=locked).first()
    if item is None:
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is no longer on the agenda."))
    files = [(paper.file.storage, paper.file.name) for paper in item.papers.all()]
    item.delete()
    _renumber(locked, list(locked.agenda_items.order_by("position").values_list("pk", flat=True)))
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def _renumber(meeting: Meeting, item_ids: list[int]) -> None:
    """Positions 1..n in the order of ``item_ids``: moved out of the way first, so that the unique
    (meeting, position) never sees two items at one place."""
    items = AgendaItem.objects.filter(meeting=meeting)
    offset = (items.aggregate(last=Max("position"))["last"] or 0) + len(item_ids) + 1
    items.update(position=F("position") + offset)
    for position, pk in enumerate(item_ids, start=1):
        AgendaItem.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def agenda_reorder(
    *, meeting: Meeting, actor, item_ids: list[int], expected_state: str | None = None
) -> list[AgendaItem]:
    """Put the agenda in the order of ``item_ids``, which must name every item once (else
    ``conflict``: the page showed another agenda than there is now)."""
    locked = _lock(meeting, expected_state=expected_state)
    _check("manage_agenda", locked, actor)
    current = set(locked.agenda_items.values_list("pk", flat=True))
    try:
        wanted = [int(pk) for pk in item_ids]
    except (TypeError, ValueError):
        raise _invalid({"item_ids": [_("Give the items in their new order.")]}) from None
    if len(wanted) != len(set(wanted)) or set(wanted) != current:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("The agenda changed meanwhile: reload it and order it again."),
            details={"item_ids": sorted(current)},
        )
    _renumber(locked, wanted)
    return list(locked.agenda_items.order_by("position"))


@transaction.atomic
def agenda_paper_add(*, item: AgendaItem, actor, upload, expected_state: str | None = None) -> AgendaPaper:
    """Attach a paper to a report on the agenda: checked as an application's documents are (type by
    content, size, no active content: ``workflows.documents.clean_upload``); stored under ``meetings/``."""
    locked = _lock(item.meeting, expected_state=expected_state)
    _check("manage_agenda", locked, actor)
    item = AgendaItem.objects.filter(pk=item.pk, meeting=locked).first()
    if item is None:
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is no longer on the agenda."))
    if item.kind != AgendaItemKind.REPORT:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("Papers are attached to reports only."))
    clean = clean_upload(upload)
    paper = AgendaPaper(item=item, uploaded_by=actor, content_type=clean.content_type, size=clean.size)
    paper.name = clean_original_name(getattr(upload, "name", "") or "", clean.content_type)
    paper.file.save(paper.name, clean.file, save=False)
    paper.save()
    return paper


# --- the session --------------------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, member, status: str, actor, expected_state: str | None = None
) -> Attendance:
    """Record (or correct) whether a committee member attends: by the minute-taker or the
    secretariat, while the meeting is convened or in session."""
    locked = _lock(meeting, expected_state=expected_state)
    _check("record_attendance", locked, actor)
    if status not in AttendanceStatus.values:
        raise _invalid({"status": [_("Choose present in person, present online, excused or absent.")]})
    if not roles.is_committee_member(member):
        raise _invalid({"member": [_("Choose a member of the Executive Committee.")]})
    row, _created = Attendance.objects.update_or_create(
        meeting=locked,
        member=member,
        defaults={"status": status, "recorded_by": actor, "recorded_at": timezone.now()},
    )
    return row


def _other_in_session(meeting: Meeting) -> WorkflowError | None:
    other = Meeting.objects.filter(state=MeetingState.IN_SESSION).exclude(pk=meeting.pk).first()
    if other is None:
        return None
    return WorkflowError(
        ErrorCode.CONFLICT,
        _("Another meeting is in session: “%(meeting)s”. Close it first.") % {"meeting": other.title},
        details={"meeting": other.pk},
    )


@transaction.atomic
def meeting_open_session(*, meeting: Meeting, actor, expected_state: str | None = None) -> Meeting:
    """convened → in_session, by the chair, the minute-taker or the secretariat; one meeting in
    session at a time (checked, and the database's partial unique constraint behind the check)."""
    locked = _lock(meeting, expected_state=expected_state)
    _check("open_session", locked, actor)
    if refused := _other_in_session(locked):
        raise refused
    try:
        with transaction.atomic():
            _transition(locked, "open_session", actor=actor)
    except IntegrityError:
        raise _other_in_session(locked) or WorkflowError(
            ErrorCode.CONFLICT, _("Another meeting is in session. Close it first.")
        ) from None
    return locked


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor, expected_state: str | None = None) -> Meeting:
    """in_session → closed, by the chair, the minute-taker or the secretariat; the draft minutes are
    generated from the record (``minutes.minutes_record``)."""
    locked = _lock(meeting, expected_state=expected_state)
    _check("close", locked, actor)
    _transition(locked, "close", actor=actor)
    _minutes_write(locked, actor)
    return locked


# --- votes on the agenda's items -------------------------------------------------------------------------


def _locked_item(item: AgendaItem, expected_state: str | None = None) -> tuple[Meeting, AgendaItem]:
    """Lock the item's meeting (``conflict`` if it is no longer in ``expected_state``); the item as it
    is now (``conflict`` if it left the agenda)."""
    locked = _lock(item.meeting, expected_state=expected_state)
    fresh = (
        AgendaItem.objects.filter(pk=item.pk, meeting=locked)
        .select_related("application", "motion", "minutes__meeting")
        .first()
    )
    if fresh is None:
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is no longer on the agenda."))
    return locked, fresh


def present_members(meeting: Meeting) -> list:
    """The committee's members recorded present at ``meeting``, in person or online."""
    present = meeting.attendance.filter(status__in=PRESENT_STATUSES, member__in=roles.committee_members())
    return [row.member for row in present.select_related("member").order_by("member_id")]


def _open_item_round(item: AgendaItem) -> VoteRound | None:
    return item.vote_rounds.filter(closed_at__isnull=True).order_by("number").first()


@transaction.atomic
def item_vote_open(
    *,
    item: AgendaItem,
    mode: str,
    actor,
    deadline: datetime.datetime | None = None,
    category: str | None = None,
    comment: str = "",
    expected_state: str | None = None,
) -> VoteRound:
    """Open the vote on an agenda item's application (reviewed) or motion, in ``mode``, through the
    decision's own service (``workflows.services.vote_open``, ``workflows.motions.motion_vote_open``).

    Online: from the draft to the end of the session. In the room (named, counted): only in session
    and with quorum (``rules.item_vote_refusal``). While the meeting is in session the electorate is
    the committee's members recorded present; before it, the whole committee. One open round per
    item; the round is linked to the item (``AgendaItem.vote_rounds``) for the minutes.
    """
    meeting, item = _locked_item(item, expected_state)
    if item.kind not in (AgendaItemKind.APPLICATION, AgendaItemKind.MOTION):
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("Only an application or a motion is put to the vote."))
    _raise(rules.item_vote_refusal(meeting, mode, meeting_quorum(meeting)))
    if _open_item_round(item) is not None:
        raise WorkflowError(ErrorCode.CONFLICT, _("The vote on this item is open already."))
    electorate = present_members(meeting) if meeting.state == MeetingState.IN_SESSION else None
    options = {
        "actor": actor,
        "deadline": deadline,
        "comment": comment,
        "mode": mode,
        "electorate": electorate,
    }
    if item.kind == AgendaItemKind.APPLICATION:
        if item.application.state != ApplicationState.REVIEWED:
            raise WorkflowError(
                ErrorCode.NOT_ALLOWED,
                _("Only an application whose review is complete is put to the vote; this one is “%(state)s”.")
                % {"state": item.application.get_state_display()},
                details={"state": item.application.state},
            )
        if category is not None:
            options["category"] = category
        vote_round = workflow_services.vote_open(application=item.application, **options)
    else:
        vote_round = workflow_motions.motion_vote_open(motion=item.motion, **options)
    item.vote_rounds.add(vote_round)
    return vote_round


def _room_round(
    item: AgendaItem, mode: str, expected_state: str | None
) -> tuple[Meeting, AgendaItem, VoteRound]:
    """Lock the item's meeting; check a vote may be recorded in the room now; the item's open round."""
    meeting, item = _locked_item(item, expected_state)
    _raise(rules.item_vote_refusal(meeting, mode, meeting_quorum(meeting), record=True))
    vote_round = _open_item_round(item)
    if vote_round is None:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("There is no open vote on this item."))
    return meeting, item, vote_round


@transaction.atomic
def item_vote_record_named(
    *, item: AgendaItem, choices: dict, actor, expected_state: str | None = None
) -> list:
    """Record the choices announced by name in the room (member → yes, no or abstain) in the item's
    open round (``workflows.room_votes.named_votes_record``): in session, with quorum, and only for
    members recorded present now — all or nothing."""
    meeting, item, vote_round = _room_round(item, VoteMode.NAMED, expected_state)
    present = {member.pk for member in present_members(meeting)}
    absent = [member for member in choices if getattr(member, "pk", None) not in present]
    if absent:
        messages = [
            _("%(name)s is not present: not in this round's electorate.") % {"name": display_name(member)}
            for member in absent
        ]
        raise WorkflowError(ErrorCode.INVALID, messages[0], details={"choices": messages})
    return room_votes.named_votes_record(
        vote_round=vote_round, choices=choices, actor=actor, minute_taker_id=meeting.minute_taker_id
    )


@transaction.atomic
def item_vote_record_counted(
    *, item: AgendaItem, yes: int, no: int, abstain: int, actor, expected_state: str | None = None
) -> VoteRound:
    """Enter the totals counted in the room in the item's open round
    (``workflows.room_votes.counted_totals_record``): in session, with quorum."""
    meeting, _item, vote_round = _room_round(item, VoteMode.COUNTED, expected_state)
    return room_votes.counted_totals_record(
        vote_round=vote_round,
        yes=yes,
        no=no,
        abstain=abstain,
        actor=actor,
        minute_taker_id=meeting.minute_taker_id,
    )


@transaction.atomic
def item_vote_close(
    *, item: AgendaItem, actor, comment: str = "", expected_state: str | None = None
) -> VoteRound:
    """Close the item's open round with the decision's own service (``vote_close``,
    ``motion_vote_close``): the outcome admits or rejects, carries or defeats, as anywhere else.
    Closed after the session, the draft minutes are generated again with the outcome."""
    meeting, item = _locked_item(item, expected_state)
    vote_round = _open_item_round(item)
    if vote_round is None:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("There is no open vote on this item."))
    if item.kind == AgendaItemKind.APPLICATION:
        closed = workflow_services.vote_close(application=item.application, actor=actor, comment=comment)
    else:
        closed = workflow_motions.motion_vote_close(motion=item.motion, actor=actor, comment=comment)
    minutes = Minutes.objects.filter(meeting=meeting, approved_at__isnull=True).first()
    if meeting.state == MeetingState.CLOSED and minutes is not None:
        _minutes_write(meeting, minutes.generated_by, minutes=minutes)
    return closed


# --- minutes ------------------------------------------------------------------------------------------------


def _minutes_write(meeting: Meeting, actor, *, minutes: Minutes | None = None) -> Minutes:
    """Generate (or generate again) the draft minutes of ``meeting`` from its record, keeping the
    summaries written so far; store the record and its hash."""
    minutes = minutes or Minutes.objects.filter(meeting=meeting).first()
    summaries = minutes.summaries if minutes else {}
    record = minutes_record(meeting, summaries)
    if minutes is None:
        minutes = Minutes(meeting=meeting, summaries={})
    minutes.record, minutes.sha256 = record, record_hash(record)
    minutes.generated_at, minutes.generated_by = timezone.now(), actor
    minutes.save()
    return minutes


def _locked_minutes(minutes: Minutes, expected_state: str | None = None) -> Minutes:
    """Lock the minutes' meeting (``conflict`` if it is no longer in ``expected_state``), then the
    minutes."""
    _lock(minutes.meeting, expected_state=expected_state)
    return Minutes.objects.select_for_update().select_related("meeting").get(pk=minutes.pk)


@transaction.atomic
def minutes_generate(*, meeting: Meeting, actor) -> Minutes:
    """Generate the draft minutes of a closed meeting again, on demand (the minute-taker, the chair or
    the secretariat); approved minutes are frozen: refused."""
    locked = _lock(meeting)
    minutes = Minutes.objects.select_for_update().filter(meeting=locked).first()
    _raise(rules.minutes_edit_refusal(locked, minutes, actor))
    return _minutes_write(locked, actor, minutes=minutes)


@transaction.atomic
def minutes_item_summary_set(
    *, item: AgendaItem, text: str, actor, expected_state: str | None = None
) -> Minutes:
    """The minute-taker's summary of one agenda item in the draft minutes of its (closed) meeting;
    the record and its hash are generated again with it. Refused once the minutes are approved."""
    minutes = Minutes.objects.filter(meeting_id=item.meeting_id).first()
    if minutes is None:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This meeting has no minutes yet: close it first."))
    minutes = _locked_minutes(minutes, expected_state)
    _raise(rules.minutes_edit_refusal(minutes.meeting, minutes, actor))
    if not AgendaItem.objects.filter(pk=item.pk, meeting_id=minutes.meeting_id).exists():
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is no longer on the agenda."))
    text = (text or "").strip()
    if len(text) > rules.COMMENT_MAX_LENGTH:
        raise _invalid({"text": [_("At most %(limit)d characters.") % {"limit": rules.COMMENT_MAX_LENGTH}]})
    minutes.summaries = {**minutes.summaries, str(item.pk): text}
    return _minutes_write(minutes.meeting, actor, minutes=minutes)


@transaction.atomic
def minutes_circulate(*, minutes: Minutes, actor, expected_state: str | None = None) -> Minutes:
    """Send the draft minutes to every member of the committee (the outbox: one e-mail each, once
    per version of the record)."""
    minutes = _locked_minutes(minutes, expected_state)
    _raise(rules.minutes_edit_refusal(minutes.meeting, minutes, actor))
    minutes_notify(minutes)
    minutes.circulated_at = timezone.now()
    minutes.save(update_fields=["circulated_at"])
    return minutes


@transaction.atomic
def minutes_approve(*, item: AgendaItem, actor, expected_state: str | None = None) -> Minutes:
    """Approve the minutes on a later meeting's agenda (an item of kind ``minutes``), in session,
    with quorum, by its chair or the secretariat: the earlier meeting moves closed →
    minutes_approved, the minutes are generated a last time and frozen (``Minutes.save`` refuses
    any change from then on). Refused while a vote of the earlier meeting is still open."""
    meeting, item = _locked_item(item, expected_state)
    if item.kind != AgendaItemKind.MINUTES:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This item is not the approval of minutes."))
    earlier = _lock(item.minutes.meeting)
    minutes = Minutes.objects.select_for_update().get(pk=item.minutes_id)
    _raise(rules.minutes_approve_refusal(meeting, minutes, actor, meeting_quorum(meeting)))
    if VoteRound.objects.filter(agenda_items__meeting=earlier, closed_at__isnull=True).exists():
        raise WorkflowError(
            ErrorCode.INCOMPLETE,
            _("A vote of that meeting is still open: close it before approving the minutes."),
        )
    _transition(earlier, "approve_minutes", actor=actor)
    minutes = _minutes_write(earlier, minutes.generated_by, minutes=minutes)
    minutes.approved_at, minutes.approved_by = timezone.now(), actor
    minutes.save(update_fields=["approved_at", "approved_by"])
    return minutes


def minutes_verify(minutes: Minutes) -> bool:
    """Whether the stored record still has the stored hash (the record as the database holds it now)."""
    stored = Minutes.objects.filter(pk=minutes.pk).values("record", "sha256").first()
    return stored is not None and record_hash(stored["record"]) == stored["sha256"]
