"""The calendar file (iCalendar, RFC 5545 with the methods of RFC 5546) that a meeting's e-mails carry.

Built at delivery by the outbox (``notifications.delivery.attachment``) from the meeting as it is
then and the row's context: the recipient (ATTENDEE) and the method. A meeting cancelled by then is
sent as a cancellation whatever the row was written for, so a late invitation never puts a
cancelled meeting in a calendar. The same UID throughout; SEQUENCE is the meeting's revision.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from notifications.delivery import Attachment, attachment

from .models import Meeting, MeetingState

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Federation Registry//Executive Committee meetings//EN"


def meeting_uid(meeting: Meeting) -> str:
    """The meeting's UID in every calendar: its uuid, at the site's domain."""
    domain = getattr(settings, "NOTIFICATION_MESSAGE_ID_DOMAIN", "") or "federation-registry.invalid"
    return f"meeting-{meeting.uid}@{domain}"


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment, datetime.UTC)


def _address(email: str, name: str = "", **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _location(meeting: Meeting) -> str:
    return meeting.place or meeting.online_link


def meeting_calendar(meeting: Meeting, *, method: str, attendee_email: str, attendee_name: str = "") -> bytes:
    """The calendar file of ``meeting`` for one attendee: METHOD ``method`` (REQUEST or CANCEL)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", meeting.title)
    event.add("location", _location(meeting))
    if meeting.online_link:
        event.add("url", meeting.online_link)
        event.add("description", meeting.online_link)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("organizer", _address(settings.FEDERATION_CONTACT_EMAIL, settings.FEDERATION_NAME))
    event.add(
        "attendee",
        _address(attendee_email, attendee_name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION"),
    )
    calendar.add_component(event)
    return calendar.to_ical()


@attachment("meeting_ics")
def meeting_ics(context: dict) -> Attachment:
    """The outbox's builder: ``context`` holds ``meeting_id``, ``ics_method``, ``recipient_email``."""
    meeting = Meeting.objects.get(pk=context["meeting_id"])
    method = CANCEL if meeting.state == MeetingState.CANCELLED else context.get("ics_method", REQUEST)
    content = meeting_calendar(
        meeting,
        method=method,
        attendee_email=context["recipient_email"],
        attendee_name=context.get("recipient_name", ""),
    )
    return ("meeting.ics", content, "text/calendar")
