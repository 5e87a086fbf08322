"""What the committee receives: the invitation with the agenda and a valid calendar file, the update
after a change of time (the next SEQUENCE), the cancellation (METHOD:CANCEL); one each, through
the outbox."""

import datetime

import pytest
from icalendar import Calendar

from accounts.models import Preferences
from meetings import services
from meetings.calendar import meeting_uid
from meetings.models import AgendaItemKind
from meetings.notifications import MeetingEvent, meeting_notify
from notifications.delivery import deliver, message_build
from notifications.models import Notification
from registry.models import MembershipCategory
from tests.cast import application_in
from tests.factories import MembershipFactory
from workflows import motions
from workflows.models import ApplicationState, MotionKind

from .helpers import convened_meeting, new_meeting, reload

pytestmark = pytest.mark.django_db


def calendar_of(notification) -> tuple:
    """The e-mail of ``notification`` and its one calendar event, parsed."""
    message = message_build(notification)
    ((file_name, content, mimetype),) = message.attachments
    assert (file_name, mimetype) == ("meeting.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return message, calendar, event


def rows(event: str) -> list[Notification]:
    return list(Notification.objects.filter(event=event).order_by("recipient_id"))


def test_each_committee_member_is_invited_with_the_agenda_and_a_calendar_file(
    cast, next_week, settings, django_capture_on_commit_callbacks
):
    meeting = new_meeting(cast, next_week, online_link="https://meet.example.org/ec")
    application = application_in(ApplicationState.REVIEWED, cast, name="Union of Students in Ghana")
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind=AgendaItemKind.APPLICATION, application=application
    )
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind=AgendaItemKind.REPORT, title="Treasurer's report"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        services.meeting_convene(meeting=meeting, actor=cast.secretariat)

    invitations = rows("meeting_convened")
    assert [n.recipient for n in invitations] == sorted(cast.committee, key=lambda u: u.pk)
    (publish,) = callbacks  # every delivery enqueued on commit, in one publish
    assert sorted(kwargs["notification_id"] for kwargs in publish.args[0]) == sorted(
        n.pk for n in invitations
    )
    message, calendar, event = calendar_of(invitations[0])
    member = invitations[0].recipient
    assert message.to == [member.email]
    assert "Union of Students in Ghana" in message.body
    assert "Treasurer's report" in message.body
    assert "Headquarters, Istanbul" in message.body
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting_uid(meeting)
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == next_week
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") == next_week + datetime.timedelta(hours=2)
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["LOCATION"]) == "Headquarters, Istanbul"
    assert str(event["URL"]) == "https://meet.example.org/ec"
    assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
    assert str(event["ORGANIZER"]) == f"mailto:{settings.FEDERATION_CONTACT_EMAIL}"


def test_an_invitation_is_written_once_per_member_and_revision(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    assert meeting_notify(MeetingEvent.CONVENED, reload(meeting)) == []
    assert Notification.objects.filter(event="meeting_convened").count() == len(cast.committee)


def test_a_change_of_time_after_convening_sends_an_update_with_the_next_sequence(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    later = next_week + datetime.timedelta(hours=3)

    services.meeting_update(
        meeting=meeting, actor=cast.secretariat, starts_at=later, ends_at=later + datetime.timedelta(hours=2)
    )

    assert reload(meeting).sequence == 1
    updates = rows("meeting_updated")
    assert len(updates) == len(cast.committee)
    _message, calendar, event = calendar_of(updates[0])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == meeting_uid(meeting)
    assert event.decoded("DTSTART") == later


def test_a_change_of_title_only_sends_nothing_and_keeps_the_sequence(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    services.meeting_update(meeting=meeting, actor=cast.secretariat, title="December session (budget)")

    assert reload(meeting).sequence == 0
    assert not Notification.objects.filter(event="meeting_updated").exists()


def test_a_convened_meeting_cancelled_sends_a_cancellation(cast, next_week):
    meeting = convened_meeting(cast, next_week)

    services.meeting_cancel(meeting=meeting, actor=cast.secretariat, reason="The hall is closed.")

    cancellations = rows("meeting_cancelled")
    assert len(cancellations) == len(cast.committee)
    message, calendar, event = calendar_of(cancellations[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == meeting_uid(meeting)
    assert "The hall is closed." in message.body


def test_an_invitation_delivered_after_the_cancellation_cancels_too(cast, next_week):
    meeting = convened_meeting(cast, next_week)
    services.meeting_cancel(meeting=meeting, actor=cast.secretariat)

    _message, calendar, _event = calendar_of(rows("meeting_convened")[0])

    assert str(calendar["METHOD"]) == "CANCEL"


def test_a_draft_cancelled_tells_nobody(cast, next_week):
    meeting = new_meeting(cast, next_week)

    services.meeting_cancel(meeting=meeting, actor=cast.secretariat)

    assert not Notification.objects.exists()


def test_the_invitation_is_in_the_members_language(cast, next_week):
    member = cast.committee[0]
    Preferences.objects.update_or_create(user=member, defaults={"language": "fr"})

    convened_meeting(cast, next_week)

    message = message_build(Notification.objects.get(event="meeting_convened", recipient=member))
    assert message.subject.startswith("Réunion du Comité exécutif")
    assert "Ordre du jour" in message.body


def test_the_agenda_is_listed_in_each_members_language(cast, next_week):
    member = cast.committee[0]
    Preferences.objects.update_or_create(user=member, defaults={"language": "tr"})
    membership = MembershipFactory(admitted_on=datetime.date(2019, 3, 1), category=MembershipCategory.FULL)
    motion = motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind=MotionKind.SUSPEND, reason="Dues unpaid."
    )
    meeting = new_meeting(cast, next_week)
    services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind=AgendaItemKind.MOTION, motion=motion
    )

    services.meeting_convene(meeting=meeting, actor=cast.secretariat)

    turkish = Notification.objects.get(event="meeting_convened", recipient=member)
    english = Notification.objects.get(event="meeting_convened", recipient=cast.committee[1])
    assert turkish.context["agenda"] == [f"Askıya alma: {membership.organization}"]
    assert english.context["agenda"] == [f"Suspension: {membership.organization}"]


def test_the_delivered_e_mail_carries_the_calendar_file(cast, next_week, mailoutbox):
    convened_meeting(cast, next_week)
    notification = Notification.objects.filter(event="meeting_convened").order_by("pk").first()

    deliver(notification_id=notification.pk)

    (sent,) = mailoutbox
    ((file_name, content, mimetype),) = sent.attachments
    assert (file_name, mimetype) == ("meeting.ics", "text/calendar")
    assert b"METHOD:REQUEST" in (content.encode() if isinstance(content, str) else content)
    assert reload(notification).state == "sent"
