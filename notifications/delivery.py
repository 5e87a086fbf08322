"""Delivery of the outbox: one row at a time, sent once, retried with back-off; and the sweeper.

The database row is the truth; a Celery message only says "look at row n now". So a
message may be lost (broker down, worker killed) or arrive twice without harm: the
task locks the row, returns quietly unless it is pending and due, marks it sending,
sends, marks it sent. The sweeper re-enqueues what was lost.

The one window left: a worker killed after the SMTP server accepted a message and
before the row was marked sent. The sweeper then resets the row and it is sent again
with the same Message-ID, so at most the messages in flight at the crash are doubled,
and a receiving system can recognise them.
"""

import datetime
import logging
import smtplib

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification, NotificationState

logger = logging.getLogger(__name__)

NO_ADDRESS = "The recipient has no e-mail address."


# --- errors -----------------------------------------------------------------------------------------


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed: 4xx replies, lost connections, timeouts."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | SoftTimeLimitExceeded):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, ConnectionError | TimeoutError | OSError)


# --- rendering ------------------------------------------------------------------------------------------


def message_build(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of a row, from its template and stored context (text and HTML), in the
    recipient's language."""
    context = {
        **notification.context,
        "federation_name": settings.FEDERATION_NAME,
        "contact_email": settings.FEDERATION_CONTACT_EMAIL,
        "site_url": settings.SITE_URL,
    }
    name = f"notifications/{notification.template}"
    # The recipient's language, chosen when the row was written (notifications.services.localize_rows).
    with translation.override(notification.context.get("language") or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[notification.recipient_email],
        headers={"Message-ID": notification.message_id, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


# --- delivery -------------------------------------------------------------------------------------------


def _claim(notification_id: int, now: datetime.datetime) -> Notification | None:
    """Lock the row; if it is pending and due, mark it sending (one more attempt) and commit."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        )
        if notification is None:  # gone, or another worker holds it right now
            return None
        if notification.state != NotificationState.PENDING:
            return None
        if notification.next_attempt_at is not None and notification.next_attempt_at > now:
            return None  # a retry that is not due yet; its own message (or the sweeper) comes later
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            # Reset by the sweeper after its worker was lost on the last attempt.
            notification.state = NotificationState.FAILED
            notification.next_attempt_at = None
            notification.last_error = (
                f"Gave up after {notification.attempts} attempts. {notification.last_error}"
            ).strip()[:2000]
            notification.save(update_fields=["state", "next_attempt_at", "last_error"])
            return None
        notification.state = NotificationState.SENDING
        notification.attempts += 1
        notification.claimed_at = now
        notification.message_id = notification.message_id or notification.build_message_id()
        notification.save(update_fields=["state", "attempts", "claimed_at", "message_id"])
    return notification


def deliver(*, notification_id: int, now: datetime.datetime | None = None) -> str:
    """Send one outbox row once. Return what happened (for the task's log).

    Claim (lock, check pending and due, mark sending, commit); refuse a row without an
    address; render; send with the row's Message-ID; mark sent. A transient error puts the
    row back to pending with back-off (and enqueues it for then), failed after the last
    attempt; a permanent error marks it failed at once. The transition it announces is
    never touched.
    """
    now = now or timezone.now()
    notification = _claim(notification_id, now)
    if notification is None:
        return "skipped"
    if not notification.recipient_email:
        notification.mark_failed(NO_ADDRESS)
        return "failed"
    try:
        message = message_build(notification)
    except Exception as exc:  # a missing or broken template: no retry will mend it
        logger.exception("Notification %s: cannot render %s", notification.pk, notification.template)
        notification.mark_failed(exc)
        return "failed"
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        if not is_transient(exc):
            logger.warning("Notification %s failed for good: %r", notification.pk, exc)
            notification.mark_failed(exc)
            return "failed"
        delay = notification.schedule_retry(exc, now=now)
        if delay is None:
            logger.warning(
                "Notification %s failed after %s attempts: %r", notification.pk, notification.attempts, exc
            )
            return "failed"
        logger.info("Notification %s: %r; next attempt in %s s", notification.pk, exc, delay)
        _enqueue_later(notification.pk, delay)
        return "retry"
    if not notification.mark_sent():
        logger.warning("Notification %s was sent but had been reset meanwhile", notification.pk)
    return "sent"


def _enqueue_later(notification_id: int, delay: float) -> None:
    """Ask for the retry at its time. In-process (no broker) there is no later; the row waits."""
    from .tasks import deliver_notification

    if deliver_notification.app.conf.task_always_eager:
        return
    try:
        deliver_notification.apply_async(kwargs={"notification_id": notification_id}, countdown=delay)
    except Exception:  # broker down: the sweeper finds the row when it is due
        logger.warning("Could not enqueue the retry of notification %s; the sweeper will", notification_id)


# --- the sweeper ------------------------------------------------------------------------------------------


def sweep(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Re-enqueue what was lost. Safe on several hosts at once.

    1. Rows ``sending`` for longer than NOTIFICATION_SENDING_TIMEOUT (their worker was lost):
       lock them (skipping locked ones), reset them to pending with a conditional UPDATE.
    2. Rows pending for NOTIFICATION_SWEEP_GRACE_SECONDS past their time (their message was
       lost): lock them (skipping locked ones), move their time to now so that no other
       sweeper takes them within the grace period, and enqueue them on commit.
    """
    from .services import enqueue_on_commit

    now = now or timezone.now()
    batch = settings.NOTIFICATION_SWEEP_BATCH
    stuck_before = now - datetime.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT)
    due_before = now - datetime.timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        stuck = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.SENDING, claimed_at__lt=stuck_before)
            .order_by("claimed_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if stuck:
            Notification.objects.filter(
                pk__in=stuck, state=NotificationState.SENDING, claimed_at__lt=stuck_before
            ).update(
                state=NotificationState.PENDING,
                next_attempt_at=now,
                claimed_at=None,
                last_error="The worker sending it was lost; sending again.",
            )
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.PENDING, next_attempt_at__lte=due_before)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if due:
            Notification.objects.filter(pk__in=due, state=NotificationState.PENDING).update(
                next_attempt_at=now
            )
        enqueue_on_commit([*stuck, *due])
    if stuck or due:
        logger.info("Sweeper: %s stuck rows reset, %s due rows enqueued", len(stuck), len(stuck) + len(due))
    return {"reset": stuck, "enqueued": [*stuck, *due]}
