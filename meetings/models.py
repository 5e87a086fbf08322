"""Meetings of the Executive Committee: the meeting, its agenda, the papers of a report, attendance.

States (``MeetingState``): draft → convened → in_session → closed → minutes_approved; a draft or a
convened meeting may be cancelled. Transition methods change only database state; the services in
``meetings.services`` lock, check (``meetings.rules``), call, save and write the outbox rows in one
transaction.
"""

import hashlib
import json
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from workflows.errors import ErrorCode, WorkflowError
from workflows.models import MembershipApplication, Motion, VoteRound


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONVENED = "convened", _("Convened")
    IN_SESSION = "in_session", _("In session")
    CLOSED = "closed", _("Closed")
    MINUTES_APPROVED = "minutes_approved", _("Minutes approved")
    CANCELLED = "cancelled", _("Cancelled")


S = MeetingState
# A meeting that has not ended: what an application or a motion on its agenda waits for.
OPEN_STATES = (S.DRAFT, S.CONVENED, S.IN_SESSION)
# The agenda may change until the session opens.
AGENDA_STATES = (S.DRAFT, S.CONVENED)
# The committee members were invited: a change of time or place, or a cancellation, is sent to them.
CONVENED_STATES = (S.CONVENED, S.IN_SESSION)


class Meeting(ConcurrentTransitionMixin, models.Model):
    """A meeting of the Executive Committee, in a place, online, or both. Kept forever.

    ``uid`` and ``sequence`` are the meeting's identity and revision in the committee's calendars:
    the invitation's calendar file and every later update or cancellation carry the same ``uid``,
    and ``sequence`` grows with each change of time or place after the meeting was convened.
    """

    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chair"), on_delete=models.PROTECT, related_name="+"
    )
    minute_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("minute-taker"), on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(
        _("state"), max_length=20, choices=S.choices, default=S.DRAFT, protected=True, db_index=True
    )
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_link=""), name="meeting_has_place_or_link"
            ),
            models.CheckConstraint(condition=Q(state__in=S.values), name="meeting_state_valid"),
            # One committee: one meeting in session at a time.
            models.UniqueConstraint(
                fields=["state"],
                condition=Q(state=S.IN_SESSION),
                name="meeting_one_in_session",
                violation_error_message=_("Another meeting is in session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def was_convened(self) -> bool:
        return self.state in CONVENED_STATES

    # --- transitions: database state only; ``meetings.services`` does the rest ---------------

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=S.DRAFT, target=S.CONVENED)
    def convene(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=S.CONVENED, target=S.IN_SESSION)
    def open_session(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=S.IN_SESSION, target=S.CLOSED)
    def close(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=S.CLOSED, target=S.MINUTES_APPROVED)
    def approve_minutes(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[S.DRAFT, S.CONVENED], target=S.CANCELLED)
    def cancel(self, by=None, description=None):
        pass


class AgendaItemKind(models.TextChoices):
    APPLICATION = "application", _("Application for membership")
    MOTION = "motion", _("Motion on a member")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other business")
    MINUTES = "minutes", _("Approval of minutes")


K = AgendaItemKind


class AgendaItem(models.Model):
    """One item of a meeting's agenda, in ``position`` order: an application ready for the vote, a
    motion on a member, a report (with its papers) or other business."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=K.choices)
    application = models.ForeignKey(
        MembershipApplication,
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    motion = models.ForeignKey(
        Motion,
        verbose_name=_("motion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    minutes = models.ForeignKey(
        "Minutes",
        verbose_name=_("minutes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_items",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True, max_length=10_000)
    # The rounds opened on the item's application or motion from this agenda (``services.item_vote_open``).
    vote_rounds = models.ManyToManyField(
        VoteRound, verbose_name=_("vote rounds"), blank=True, related_name="agenda_items"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_item_position_unique"),
            models.UniqueConstraint(
                fields=["meeting", "application"],
                condition=Q(application__isnull=False),
                name="agenda_item_application_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "motion"],
                condition=Q(motion__isnull=False),
                name="agenda_item_motion_once",
            ),
            models.CheckConstraint(condition=Q(kind__in=K.values), name="agenda_item_kind_valid"),
            models.UniqueConstraint(
                fields=["meeting", "minutes"],
                condition=Q(minutes__isnull=False),
                name="agenda_item_minutes_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=K.APPLICATION)
                    & Q(application__isnull=False)
                    & Q(motion__isnull=True)
                    & Q(minutes__isnull=True)
                )
                | (
                    Q(kind=K.MOTION)
                    & Q(motion__isnull=False)
                    & Q(application__isnull=True)
                    & Q(minutes__isnull=True)
                )
                | (
                    Q(kind=K.MINUTES)
                    & Q(minutes__isnull=False)
                    & Q(application__isnull=True)
                    & Q(motion__isnull=True)
                )
                | (
                    Q(kind__in=(K.REPORT, K.OTHER))
                    & Q(application__isnull=True)
                    & Q(motion__isnull=True)
                    & Q(minutes__isnull=True)
                    & ~Q(title="")
                ),
                name="agenda_item_kind_matches_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"

    @property
    def label(self) -> str:
        """The item as the agenda lists it: the application's or the motion's name, or its title."""
        if self.kind == K.APPLICATION:
            return str(self.application)
        if self.kind == K.MOTION:
            return str(self.motion)
        if self.kind == K.MINUTES:
            return _("Minutes of “%(meeting)s”") % {"meeting": self.minutes.meeting}
        return self.title


def paper_upload_to(instance: "AgendaPaper", filename: str) -> str:
    """A generated name under ``meetings/``: nothing of the uploaded name reaches the file system."""
    suffix = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[instance.content_type]
    return str(PurePosixPath("meetings") / str(instance.item.meeting_id) / f"{uuid.uuid4().hex}{suffix}")


class AgendaPaper(models.Model):
    """A paper of a report on the agenda, checked as an application's documents are."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="papers"
    )
    file = models.FileField(_("file"), upload_to=paper_upload_to, max_length=255)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=50)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["item", "uploaded_at", "pk"]
        verbose_name = _("agenda paper")
        verbose_name_plural = _("agenda papers")

    def __str__(self) -> str:
        return self.name


class AttendanceStatus(models.TextChoices):
    PRESENT_IN_PERSON = "present_in_person", _("Present in person")
    PRESENT_ONLINE = "present_online", _("Present online")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


PRESENT_STATUSES = (AttendanceStatus.PRESENT_IN_PERSON, AttendanceStatus.PRESENT_ONLINE)


class Attendance(models.Model):
    """Whether a committee member attends a meeting, as the minute-taker records it."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["meeting", "member"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_member"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_status_display()}"


# --- minutes ---------------------------------------------------------------------------------------------


def canonical_json(record) -> bytes:
    """The one byte form of a minutes record that its hash is taken over: keys sorted, no spaces,
    UTF-8 (the same whatever order the database gives the keys back in)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_hash(record) -> str:
    return hashlib.sha256(canonical_json(record)).hexdigest()


def _frozen_refusal() -> WorkflowError:
    return WorkflowError(
        ErrorCode.NOT_ALLOWED, _("These minutes are approved: they are frozen and never change.")
    )


class MinutesQuerySet(models.QuerySet):
    """Bulk writes never reach approved minutes: ``update`` and ``delete`` of a set that holds one are
    refused, as ``Minutes.save`` refuses a change of one."""

    def update(self, **kwargs):
        if self.filter(approved_at__isnull=False).exists():
            raise _frozen_refusal()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(approved_at__isnull=False).exists():
            raise _frozen_refusal()
        return super().delete()


class Minutes(models.Model):
    """The minutes of a meeting, one per meeting: generated from the record when it closes (who
    attended, each agenda item's decision, tally, named votes and recusals, the minute-taker's
    summary of each item), kept as JSON with the SHA-256 of its canonical form (``record_hash``).

    Draft until approved at a later meeting (an agenda item of kind ``minutes``); from then on they
    are frozen: ``save``, ``delete`` and the queryset's bulk writes refuse any change of them."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    record = models.JSONField(_("record"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The minute-taker's summary of each item: agenda item id (as a string) → text.
    summaries = models.JSONField(_("summaries"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("generated by"), on_delete=models.PROTECT, related_name="+"
    )
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MinutesQuerySet.as_manager()

    class Meta:
        ordering = ["-meeting__starts_at", "-pk"]
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(approved_by__isnull=False),
                name="minutes_approved_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return _("Minutes of “%(meeting)s”") % {"meeting": self.meeting}

    def save(self, *args, **kwargs):
        """Refuse to write over approved minutes (the row as stored, not this copy, decides)."""
        if self.pk is not None and Minutes.objects.filter(pk=self.pk, approved_at__isnull=False).exists():
            raise _frozen_refusal()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and Minutes.objects.filter(pk=self.pk, approved_at__isnull=False).exists():
            raise _frozen_refusal()
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.approved_at is not None


class ArchivedMeeting(models.Model):
    """A meeting restored from a backup by ``import_registry``, kept as the backup described it.

    A backup carries each meeting (its times, place, officers, agenda with the rounds voted on it,
    attendance and minutes) but not the accounts, applications and motions it refers to: the people
    are named as the minutes name them, the subjects by organization. So a restored meeting is this
    read-only record (``data``: the backup's entry), exported again as it came; its minutes keep their
    record and hash, which ``minutes_verify`` checks as it checks a live meeting's."""

    uid = models.UUIDField(_("calendar UID"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    state = models.CharField(_("state"), max_length=20, choices=S.choices)
    data = models.JSONField(_("meeting as backed up"))
    imported_at = models.DateTimeField(_("restored at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("archived meeting")
        verbose_name_plural = _("archived meetings")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=S.values), name="archived_meeting_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    def minutes_verify(self) -> bool:
        """Whether the minutes as stored still have their stored hash (False when there are none)."""
        minutes = self.data.get("minutes") if isinstance(self.data, dict) else None
        return bool(minutes) and record_hash(minutes.get("record")) == minutes.get("sha256")
