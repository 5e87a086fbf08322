"""What a meeting announces by e-mail: the invitation when it is convened, an update when its time
or place changes, its cancellation. Each to every member of the Executive Committee, with the
meeting's calendar file (``meetings.calendar``), through the outbox: rows written in the caller's
transaction, delivery enqueued on commit.

The idempotency key is the meeting, the event, the calendar sequence and the recipient: the same
revision is never announced twice to one person, and every new revision is.
"""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from notifications.models import Notification
from notifications.services import InLanguage, outbox_write
from workflows.notifications import Recipient

from .calendar import CANCEL, REQUEST
from .models import Meeting, Minutes

COMMITTEE = "committee"


class MeetingEvent(models.TextChoices):
    CONVENED = "meeting_convened", _("Meeting convened")
    UPDATED = "meeting_updated", _("Meeting rescheduled")
    CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    MINUTES_CIRCULATED = "minutes_circulated", _("Draft minutes circulated")


METHODS = {MeetingEvent.CONVENED: REQUEST, MeetingEvent.UPDATED: REQUEST, MeetingEvent.CANCELLED: CANCEL}
MINUTES_AUDIENCE = "committee"


def meeting_link(meeting_id: int) -> str:
    """A meeting as the committee reads it."""
    return f"{settings.SITE_URL}/committee/meetings/{meeting_id}/"


def _when(moment: datetime.datetime) -> str:
    """'12 December 2026, 18:00 UTC', in the reader's language."""
    moment = timezone.localtime(moment, datetime.UTC)
    return f"{formats.date_format(moment, 'j F Y, H:i')} UTC"


def _labels(items: list) -> list[str]:
    return [item.label for item in items]


def _agenda(meeting: Meeting) -> InLanguage:
    """The agenda's items in order, each labelled in the reader's language (a motion's kind)."""
    items = meeting.agenda_items.select_related("application", "motion__membership__organization")
    return InLanguage(_labels, list(items.order_by("position")))


def meeting_context(meeting: Meeting) -> dict[str, Any]:
    """Ids and plain strings: what every e-mail of a meeting shows."""
    return {
        "meeting_id": meeting.pk,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "starts_display": InLanguage(_when, meeting.starts_at),
        "ends_display": InLanguage(_when, meeting.ends_at),
        "place": meeting.place,
        "online_link": meeting.online_link,
        "sequence": meeting.sequence,
        "agenda": _agenda(meeting),
        "link": meeting_link(meeting.pk),
    }


def _key(event: MeetingEvent, meeting: Meeting, recipient: Recipient) -> str:
    return f"{event.value}:meeting{meeting.pk}:seq{meeting.sequence}:{recipient.key}"


def meeting_notify(event: MeetingEvent, meeting: Meeting, **extra) -> list[Notification]:
    """One row per member of the committee, with the calendar file; return the new rows."""
    event = MeetingEvent(event)
    context = {
        **meeting_context(meeting),
        **extra,
        "attachments": ["meeting_ics"],
        "ics_method": METHODS[event],
    }
    subject_type = ContentType.objects.get_for_model(Meeting)
    rows: dict[str, Notification] = {}
    for recipient in (Recipient.of(user, COMMITTEE) for user in roles.committee_members()):
        key = _key(event, meeting, recipient)
        rows.setdefault(
            key,
            Notification(
                recipient=recipient.user,
                recipient_email=recipient.email,
                event=event.value,
                template=event.value,
                context={
                    **context,
                    "recipient_name": recipient.name,
                    "recipient_email": recipient.email,
                    "audience": recipient.audience,
                },
                subject_type=subject_type,
                subject_id=meeting.pk,
                idempotency_key=key,
            ),
        )
    return outbox_write(rows.values())


def _minutes_text(minutes_id: int) -> str:
    from .minutes import minutes_text

    return minutes_text(Minutes.objects.select_related("meeting").get(pk=minutes_id))


def minutes_notify(minutes: Minutes) -> list[Notification]:
    """The draft minutes, as text in each reader's language, to every member of the committee; once
    per version of the record (its hash is in the idempotency key)."""
    event = MeetingEvent.MINUTES_CIRCULATED
    meeting = minutes.meeting
    context = {
        "meeting_id": meeting.pk,
        "title": meeting.title,
        "starts_display": InLanguage(_when, meeting.starts_at),
        "minutes_text": InLanguage(_minutes_text, minutes.pk),
        "sha256": minutes.sha256,
        "link": meeting_link(meeting.pk),
    }
    subject_type = ContentType.objects.get_for_model(Meeting)
    rows: dict[str, Notification] = {}
    for recipient in (Recipient.of(user, MINUTES_AUDIENCE) for user in roles.committee_members()):
        key = f"{event.value}:meeting{meeting.pk}:{minutes.sha256[:16]}:{recipient.key}"
        rows.setdefault(
            key,
            Notification(
                recipient=recipient.user,
                recipient_email=recipient.email,
                event=event.value,
                template=event.value,
                context={**context, "recipient_name": recipient.name, "audience": recipient.audience},
                subject_type=subject_type,
                subject_id=meeting.pk,
                idempotency_key=key,
            ),
        )
    return outbox_write(rows.values())
