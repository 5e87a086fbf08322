"""Delivery of the outbox: one row at a time, sent once, retried with back-off; and the sweeper.

The database row is the truth; a Celery message only says "look at row n now". So a
message may be lost (broker down, worker killed) or arrive twice without harm: the
task locks the row, returns quietly unless it is pending and due, marks it sending,
sends, marks it sent. The sweeper re-enqueues what was lost.

The one window left: a worker killed after the SMTP server accepted a message and
before the row was marked sent. The sweeper then resets the row and it is sent again
with the same Message-ID, so at most the messages in flight at the crash are doubled,
and a receiving system can recognise them.

The machinery is the same for every kind of row (``OutboxRow``): a ``Channel`` names the model,
how one row is sent, which errors are worth a retry, and the task that delivers it. E-mails
(``NOTIFICATIONS``, here) are one channel; partners' webhooks (``api.webhooks``) are another,
registered with ``register`` and swept by the same sweeper.
"""

import datetime
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification, NotificationState, OutboxRow

logger = logging.getLogger(__name__)

NO_ADDRESS = "The recipient has no e-mail address."

# --- attachments ------------------------------------------------------------------------------------

Attachment = tuple[str, bytes, str]  # file name, content, MIME type

# What a row's ``context["attachments"]`` may name: builder(context) -> Attachment.
ATTACHMENTS: dict[str, Callable[[dict], Attachment]] = {}


def attachment(name: str) -> Callable:
    """Register the builder of the attachment ``name`` (in a module its app imports in ``ready``).

    A row names its attachments in ``context["attachments"]``; the context holds ids and strings only,
    so the file is built at delivery, from the record as it is then, in the recipient's language
    (a meeting's calendar file, an invoice's PDF). An unknown name or a failing builder is a
    permanent failure of the row, as a broken template is.
    """

    def register_builder(builder: Callable[[dict], Attachment]) -> Callable[[dict], Attachment]:
        ATTACHMENTS[name] = builder
        return builder

    return register_builder


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
        attachments = [ATTACHMENTS[kind](context) for kind in notification.context.get("attachments", ())]
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[notification.recipient_email],
        headers={"Message-ID": notification.message_id, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    for file_name, content, mimetype in attachments:
        message.attach(file_name, content, mimetype)
    return message


# --- channels ----------------------------------------------------------------------------------------


class Permanent(Exception):
    """A failure no retry will mend (no address, a broken template): the row is marked failed."""

    def __init__(self, reason: BaseException | str):
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Channel:
    """One kind of outbox row and how it is delivered.

    ``send(row)`` delivers a claimed row or raises (``Permanent`` for a failure no retry mends);
    ``is_transient(exc)`` says whether another error is worth a retry; ``enqueue(pk)`` and
    ``enqueue_later(pk, delay)`` publish the task's message; ``deliverable`` narrows the rows that
    may be claimed and swept (a disabled webhook endpoint's wait); ``prepare(row)`` runs on the
    claimed row before it is saved; ``after_attempt(row, error)`` after each attempt (None: sent).
    """

    name: str
    model: type[OutboxRow]
    send: Callable[[OutboxRow], None]
    is_transient: Callable[[BaseException], bool]
    enqueue: Callable[[int], None]
    enqueue_later: Callable[[int, float], None]
    deliverable: Q = field(default_factory=Q)
    prepare: Callable[[OutboxRow], list[str]] = lambda row: []
    after_attempt: Callable[[OutboxRow, BaseException | None], None] = lambda row, error: None


CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    """Add a channel to the sweeper's round (an app's ``ready``)."""
    CHANNELS[channel.name] = channel
    return channel


# --- delivery -------------------------------------------------------------------------------------------


def claim(channel: Channel, row_id: int, now: datetime.datetime) -> OutboxRow | None:
    """Lock the row; if it is pending, due and deliverable, mark it sending (one more attempt) and commit."""
    model = channel.model
    with transaction.atomic():
        row = (
            model.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(channel.deliverable, pk=row_id)
            .first()
        )
        if row is None:  # gone, not deliverable now, or another worker holds it right now
            return None
        if row.state != NotificationState.PENDING:
            return None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None  # a retry that is not due yet; its own message (or the sweeper) comes later
        if row.exhausted(now):
            # Reset by the sweeper after its worker was lost on the last attempt.
            row.state = NotificationState.FAILED
            row.next_attempt_at = None
            row.last_error = (f"Gave up after {row.attempts} attempts. {row.last_error}").strip()[:2000]
            row.save(update_fields=["state", "next_attempt_at", "last_error"])
            return None
        row.state = NotificationState.SENDING
        row.attempts += 1
        row.claimed_at = now
        prepared = channel.prepare(row)
        row.save(update_fields=["state", "attempts", "claimed_at", *prepared])
    return row


def deliver_row(channel: Channel, row_id: int, now: datetime.datetime | None = None) -> str:
    """Deliver one outbox row once. Return what happened (for the task's log).

    Claim (lock, check pending, due and deliverable, mark sending, commit); send; mark sent. A
    transient error puts the row back to pending with back-off (and enqueues it for then), failed
    once no attempt is left; a permanent error marks it failed at once. The channel hears of each
    attempt's outcome. The event it announces is never touched.
    """
    now = now or timezone.now()
    row = claim(channel, row_id, now)
    if row is None:
        return "skipped"
    label = f"{channel.name} {row.pk}"
    try:
        channel.send(row)
    except Exception as exc:
        channel.after_attempt(row, exc)
        if isinstance(exc, Permanent):
            row.mark_failed(exc.reason)
            return "failed"
        if not channel.is_transient(exc):
            logger.warning("%s failed for good: %r", label, exc)
            row.mark_failed(exc)
            return "failed"
        delay = row.schedule_retry(exc, now=now)
        if delay is None:
            logger.warning("%s failed after %s attempts: %r", label, row.attempts, exc)
            return "failed"
        logger.info("%s: %r; next attempt in %s s", label, exc, delay)
        channel.enqueue_later(row.pk, delay)
        return "retry"
    if not row.mark_sent():
        logger.warning("%s was sent but had been reset meanwhile", label)
    channel.after_attempt(row, None)
    return "sent"


def later_or_sweeper(task, kwargs: dict, delay: float) -> None:
    """Ask for a retry at its time. In-process (no broker) there is no later; the row waits for the
    sweeper (or the next in-process run)."""
    if task.app.conf.task_always_eager:
        return
    try:
        task.apply_async(kwargs=kwargs, countdown=delay)
    except Exception:  # broker down: the sweeper finds the row when it is due
        logger.warning("Could not enqueue the retry of %s; the sweeper will", kwargs)


# --- e-mails: the notifications' channel ---------------------------------------------------------------


def _claim(notification_id: int, now: datetime.datetime) -> Notification | None:
    return claim(NOTIFICATIONS, notification_id, now)


def _prepare_email(notification: Notification) -> list[str]:
    notification.message_id = notification.message_id or notification.build_message_id()
    return ["message_id"]


def _send_email(notification: Notification) -> None:
    """Refuse a row without an address; render; send with the row's Message-ID."""
    if not notification.recipient_email:
        raise Permanent(NO_ADDRESS)
    try:
        message = message_build(notification)
    except Exception as exc:  # a missing or broken template: no retry will mend it
        logger.exception("Notification %s: cannot render %s", notification.pk, notification.template)
        raise Permanent(exc) from exc
    message.send(fail_silently=False)


def deliver(*, notification_id: int, now: datetime.datetime | None = None) -> str:
    """Send one outbox e-mail once (``deliver_row`` on the notifications' channel)."""
    return deliver_row(NOTIFICATIONS, notification_id, now)


def _enqueue(notification_id: int) -> None:
    from .tasks import deliver_notification

    deliver_notification.delay_on_commit(notification_id=notification_id)


def _enqueue_later(notification_id: int, delay: float) -> None:
    """Ask for the retry at its time. In-process (no broker) there is no later; the row waits."""
    from .tasks import deliver_notification

    later_or_sweeper(deliver_notification, {"notification_id": notification_id}, delay)


NOTIFICATIONS = register(
    Channel(
        name="notification",
        model=Notification,
        send=_send_email,
        is_transient=is_transient,
        enqueue=_enqueue,
        # Looked up at call time: tests replace it.
        enqueue_later=lambda pk, delay: _enqueue_later(pk, delay),
        prepare=_prepare_email,
    )
)


# --- the sweeper ------------------------------------------------------------------------------------------


def sweep(*, now: datetime.datetime | None = None, channel: Channel | None = None) -> dict[str, list[int]]:
    """Re-enqueue what was lost on one channel (the e-mails' unless named). Safe on several hosts at once.

    1. Rows ``sending`` for longer than NOTIFICATION_SENDING_TIMEOUT (their worker was lost):
       lock them (skipping locked ones), reset them to pending with a conditional UPDATE.
    2. Deliverable rows pending for NOTIFICATION_SWEEP_GRACE_SECONDS past their time (their message
       was lost): lock them (skipping locked ones), move their time to now so that no other
       sweeper takes them within the grace period, and enqueue them on commit.
    """
    channel = channel or NOTIFICATIONS
    model = channel.model
    now = now or timezone.now()
    batch = settings.NOTIFICATION_SWEEP_BATCH
    stuck_before = now - datetime.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT)
    due_before = now - datetime.timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        stuck = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.SENDING, claimed_at__lt=stuck_before)
            .order_by("claimed_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if stuck:
            model.objects.filter(
                pk__in=stuck, state=NotificationState.SENDING, claimed_at__lt=stuck_before
            ).update(
                state=NotificationState.PENDING,
                next_attempt_at=now,
                claimed_at=None,
                last_error="The worker sending it was lost; sending again.",
            )
        due = list(
            model.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(channel.deliverable, state=NotificationState.PENDING, next_attempt_at__lte=due_before)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if due:
            model.objects.filter(pk__in=due, state=NotificationState.PENDING).update(next_attempt_at=now)
        for pk in [*stuck, *due]:
            channel.enqueue(pk)
    if stuck or due:
        logger.info(
            "Sweeper (%s): %s stuck rows reset, %s rows enqueued",
            channel.name,
            len(stuck),
            len(stuck) + len(due),
        )
    return {"reset": stuck, "enqueued": [*stuck, *due]}


def sweep_all(*, now: datetime.datetime | None = None) -> dict[str, dict[str, list[int]]]:
    """``sweep`` every registered channel, each in its own transaction."""
    return {name: sweep(now=now, channel=channel) for name, channel in CHANNELS.items()}
