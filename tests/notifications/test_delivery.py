"""The delivery task: once, with a stable Message-ID; retries with back-off; permanent failures."""

import datetime
import smtplib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from notifications import delivery as outbox
from notifications.models import Notification, NotificationState
from notifications.tasks import deliver_notification
from tests.cast import new_draft
from tests.notifications.backends import ScriptedBackend
from workflows import services
from workflows.notifications import Event

pytestmark = pytest.mark.django_db

S = NotificationState


@pytest.fixture
def scripted(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.ScriptedBackend"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    ScriptedBackend.errors = []
    ScriptedBackend.sends = 0
    yield ScriptedBackend
    ScriptedBackend.errors = []


@pytest.fixture
def later_calls(monkeypatch):
    """The retries the task asks the broker for: (notification id, countdown)."""
    calls = []
    monkeypatch.setattr(outbox, "_enqueue_later", lambda pk, delay: calls.append((pk, delay)))
    return calls


@pytest.fixture
def receipt(cast) -> Notification:
    application = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    return Notification.objects.get(event=Event.SUBMITTED, recipient=application.applicant)


def fresh(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def test_the_task_sends_the_row_once_with_text_html_and_a_stable_message_id(receipt, settings):
    settings.NOTIFICATION_MESSAGE_ID_DOMAIN = "federation.example"

    assert deliver_notification(notification_id=receipt.pk) == "sent"
    assert deliver_notification(notification_id=receipt.pk) == "skipped"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    row = fresh(receipt)
    assert (row.state, row.attempts) == (S.SENT, 1)
    assert row.sent_at is not None
    assert row.message_id.startswith(f"<notification-{row.pk}-")
    assert row.message_id.endswith("@federation.example>")
    assert row.message_id == row.build_message_id()
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.message()["Message-ID"] == row.message_id
    assert message.to == [receipt.recipient_email]
    assert message.subject == f"We received your application: {receipt.context['application_name']}"
    assert receipt.context["link"] in message.body
    assert "Hello Amina Okafor," in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{receipt.context["link"]}"' in html
    assert "<strong>" in html


def test_plain_text_is_not_html_escaped_and_html_is(cast):
    application = new_draft(cast, name="Students & Scholars <Union>")
    services.application_submit(application=application, actor=cast.applicant)
    row = Notification.objects.get(event=Event.SUBMITTED, recipient=cast.applicant)

    deliver_notification(notification_id=row.pk)

    message = mail.outbox[0]
    assert "Students & Scholars <Union>" in message.subject
    assert "Students & Scholars <Union>" in message.body
    assert "Students &amp; Scholars &lt;Union&gt;" in message.alternatives[0][0]


@pytest.mark.parametrize("state", [S.SENDING, S.SENT, S.FAILED, S.CANCELLED])
def test_the_task_skips_a_row_that_is_not_pending(receipt, state):
    Notification.objects.filter(pk=receipt.pk).update(state=state, sent_at=timezone.now())

    assert deliver_notification(notification_id=receipt.pk) == "skipped"
    assert mail.outbox == []
    assert fresh(receipt).state == state


def test_the_task_skips_a_missing_row_and_one_not_due_yet(receipt):
    assert deliver_notification(notification_id=receipt.pk + 1000) == "skipped"
    Notification.objects.filter(pk=receipt.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert deliver_notification(notification_id=receipt.pk) == "skipped"
    assert mail.outbox == []


def test_a_transient_error_retries_with_back_off_then_fails_after_the_last_attempt(
    receipt, scripted, later_calls
):
    scripted.errors = [smtplib.SMTPDataError(451, b"Try again later")] * 6
    now = timezone.now()
    delays = []
    for attempt in range(1, 7):
        result = outbox.deliver(notification_id=receipt.pk, now=now)
        row = fresh(receipt)
        assert row.attempts == attempt
        if attempt < 6:
            assert result == "retry"
            assert row.state == S.PENDING
            assert "451" in row.last_error
            delays.append((row.next_attempt_at - now).total_seconds())
            # not due before its time
            assert (
                outbox.deliver(
                    notification_id=receipt.pk, now=row.next_attempt_at - datetime.timedelta(seconds=1)
                )
                == "skipped"
            )
            now = row.next_attempt_at
        else:
            assert result == "failed"

    assert delays == [60, 120, 240, 480, 960]
    assert [delay for _pk, delay in later_calls] == delays
    row = fresh(receipt)
    assert (row.state, row.next_attempt_at) == (S.FAILED, None)
    assert row.last_error == "SMTPDataError: (451, b'Try again later')"
    assert mail.outbox == []


def test_the_back_off_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 300
    assert [Notification.retry_delay(n) for n in range(1, 7)] == [60, 120, 240, 300, 300, 300]


def test_a_transient_error_then_success_sends_once(receipt, scripted, later_calls):
    scripted.errors = [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionRefusedError(),
    ]
    now = timezone.now()
    assert outbox.deliver(notification_id=receipt.pk, now=now) == "retry"
    now = fresh(receipt).next_attempt_at
    assert outbox.deliver(notification_id=receipt.pk, now=now) == "retry"
    now = fresh(receipt).next_attempt_at
    assert outbox.deliver(notification_id=receipt.pk, now=now) == "sent"

    row = fresh(receipt)
    assert (row.state, row.attempts, row.last_error) == (S.SENT, 3, "")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (smtplib.SMTPDataError(550, b"Mailbox unavailable"), "550"),
        (smtplib.SMTPSenderRefused(553, b"Sender not allowed", "registry@federation.example"), "553"),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"No such user")}), "No such user"),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), "535"),
    ],
)
def test_a_permanent_error_fails_at_once_with_the_reason(receipt, scripted, later_calls, error, reason):
    scripted.errors = [error]

    assert deliver_notification(notification_id=receipt.pk) == "failed"

    row = fresh(receipt)
    assert (row.state, row.attempts) == (S.FAILED, 1)
    assert reason in row.last_error
    assert later_calls == []


def test_recipients_refused_with_a_4xx_only_is_transient(receipt, scripted, later_calls):
    scripted.errors = [smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"Greylisted")})]
    assert deliver_notification(notification_id=receipt.pk) == "retry"
    assert fresh(receipt).state == S.PENDING


@pytest.mark.parametrize(
    "error",
    [TimeoutError("timed out"), OSError("Network is unreachable"), smtplib.SMTPConnectError(421, b"Busy")],
)
def test_network_errors_are_transient(receipt, scripted, later_calls, error):
    scripted.errors = [error]
    assert deliver_notification(notification_id=receipt.pk) == "retry"
    assert len(later_calls) == 1


def test_a_recipient_without_an_address_fails_and_nothing_else_is_touched(cast, scripted):
    cast.secretariat.email = ""
    cast.secretariat.save()
    application = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    rows = Notification.objects.filter(event=Event.SUBMITTED)

    results = {n.recipient_id: deliver_notification(notification_id=n.pk) for n in rows}

    assert results[cast.secretariat.pk] == "failed"
    assert fresh(rows.get(recipient=cast.secretariat)).last_error == outbox.NO_ADDRESS
    assert scripted.sends == 2  # the others were sent
    assert {fresh(n).state for n in rows.exclude(recipient=cast.secretariat)} == {S.SENT}
    assert application.state == "submitted"


def test_a_template_error_fails_the_row(receipt, scripted):
    Notification.objects.filter(pk=receipt.pk).update(template="no_such_template")

    assert deliver_notification(notification_id=receipt.pk) == "failed"

    row = fresh(receipt)
    assert row.state == S.FAILED
    assert "TemplateDoesNotExist" in row.last_error
    assert scripted.sends == 0


def test_a_row_reset_meanwhile_is_not_marked_by_the_late_worker(receipt):
    outbox._claim(receipt.pk, timezone.now())
    claimed = fresh(receipt)
    Notification.objects.filter(pk=receipt.pk).update(state=S.PENDING)  # the sweeper reset it

    assert claimed.mark_sent() is False
    assert fresh(receipt).state == S.PENDING


def test_a_row_whose_worker_was_lost_on_every_attempt_is_given_up(receipt, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    Notification.objects.filter(pk=receipt.pk).update(attempts=3, last_error="The worker was lost.")

    assert deliver_notification(notification_id=receipt.pk) == "skipped"

    row = fresh(receipt)
    assert row.state == S.FAILED
    assert row.last_error.startswith("Gave up after 3 attempts.")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "template",
    sorted(
        path.stem
        for path in (Path(django_settings.BASE_DIR) / "templates" / "notifications").glob("*.html")
        if not path.name.startswith(("_", "base"))
    ),
)
def test_every_template_renders_a_subject_a_text_and_an_html_body(template):
    context = {
        "recipient_name": "Kim",
        "application_id": 1,
        "application_name": "Union of Students",
        "country_name": "Kenya",
        "country_code": "KE",
        "link": "https://registry.example.org/applications/1/",
        "message": "Please add your statutes.",
        "comment": "Thanks.",
        "reason": "Not a student union.",
        "by_vote": True,
        "review_count": 2,
        "round_number": 1,
        "deadline_display": "4 March 2031, 18:00 UTC",
        "category_label": "Full member",
        "yes_count": 2,
        "no_count": 1,
        "abstain_count": 0,
        "cast_count": 3,
        "eligible_count": 3,
        "days": 14,
        "total": 2,
        "items": [
            {
                "id": 1,
                "name": "A",
                "country_code": "KE",
                "state_label": "Submitted",
                "days": 20,
                "link": "l1",
            },
            {"id": 2, "name": "B", "country_code": "GH", "state_label": "Reviewed", "days": 15, "link": "l2"},
        ],
    }
    message = outbox.message_build(
        Notification(template=template, context=context, recipient_email="kim@example.org")
    )

    assert message.subject
    assert "\n" not in message.subject
    assert "Hello Kim," in message.body
    assert "{%" not in message.body
    assert "{{" not in message.body
    html = message.alternatives[0][0]
    assert html.startswith("<!DOCTYPE html>")
    assert "Hello <bdi>Kim</bdi>," in html
    assert "style=" not in html


@pytest.fixture
def greeting_card(monkeypatch):
    """An attachment builder, registered for the test: the file says whom and in which language."""
    from django.utils import translation

    def build(context: dict) -> outbox.Attachment:
        text = f"{context['application_name']} / {translation.get_language()}"
        return "card.txt", text.encode(), "text/plain"

    monkeypatch.setitem(outbox.ATTACHMENTS, "greeting_card", build)


def test_a_row_s_attachments_are_built_at_delivery_in_the_recipient_s_language(receipt, greeting_card):
    Notification.objects.filter(pk=receipt.pk).update(
        context={**receipt.context, "attachments": ["greeting_card"], "language": "fr"}
    )

    assert deliver_notification(notification_id=receipt.pk) == "sent"

    assert mail.outbox[0].attachments == [
        ("card.txt", f"{receipt.context['application_name']} / fr", "text/plain")
    ]


def test_an_attachment_nobody_builds_fails_the_row_for_good(receipt, later_calls):
    Notification.objects.filter(pk=receipt.pk).update(
        context={**receipt.context, "attachments": ["minutes_of_no_meeting"]}
    )

    assert deliver_notification(notification_id=receipt.pk) == "failed"

    row = fresh(receipt)
    assert (row.state, row.attempts) == (S.FAILED, 1)
    assert "minutes_of_no_meeting" in row.last_error
    assert (mail.outbox, later_calls) == ([], [])
