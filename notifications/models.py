"""The outbox: one e-mail per row, written in the transaction of the event it announces.

Generic: any app writes rows through ``notifications.services.outbox_write`` and chooses
the event name, template, context and idempotency key; this app delivers them.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


def describe_error(exc: BaseException | str) -> str:
    """A short, plain description of a delivery error for ``last_error``."""
    if isinstance(exc, str):
        return exc[:2000]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:2000] if text else type(exc).__name__


class OutboxRow(models.Model):
    """What every row of the outbox shares: its state, attempts and times, and the conditional
    updates of delivery (``notifications.delivery``). An e-mail (``Notification``) is one; a
    partner's webhook delivery (``api.models.WebhookDelivery``) is another. A subclass names the
    settings of its back-off (``RETRY_BASE_SETTING``, ``RETRY_MAX_SETTING``) and may override
    ``retry_at`` and ``exhausted`` (a number of attempts, or a time window)."""

    RETRY_BASE_SETTING = "NOTIFICATION_RETRY_BASE_SECONDS"
    RETRY_MAX_SETTING = "NOTIFICATION_RETRY_MAX_SECONDS"
    MAX_ATTEMPTS_SETTING = "NOTIFICATION_MAX_ATTEMPTS"

    state = models.CharField(
        _("state"), max_length=10, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True

    # --- delivery bookkeeping: conditional updates from ``sending`` ------------------------------

    @classmethod
    def retry_delay(cls, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones: base · 2^(n-1), capped."""
        base = getattr(settings, cls.RETRY_BASE_SETTING)
        return float(min(base * 2 ** max(attempts - 1, 0), getattr(settings, cls.RETRY_MAX_SETTING)))

    def exhausted(self, now: datetime.datetime) -> bool:
        """Whether no attempt is left (checked when a row is claimed)."""
        return self.attempts >= getattr(settings, self.MAX_ATTEMPTS_SETTING)

    def retry_at(self, now: datetime.datetime) -> datetime.datetime | None:
        """When to try again after a failed attempt; None when it was the last."""
        if self.attempts >= getattr(settings, self.MAX_ATTEMPTS_SETTING):
            return None
        return now + datetime.timedelta(seconds=self.retry_delay(self.attempts))

    def _update_from_sending(self, **values) -> bool:
        mine = type(self).objects.filter(pk=self.pk, state=NotificationState.SENDING, attempts=self.attempts)
        updated = mine.update(**values)
        if updated:
            for field, value in values.items():
                setattr(self, field, value)
        return bool(updated)

    def mark_sent(self, *, now=None) -> bool:
        return self._update_from_sending(
            state=NotificationState.SENT, sent_at=now or timezone.now(), next_attempt_at=None, last_error=""
        )

    def mark_failed(self, exc: BaseException | str) -> bool:
        return self._update_from_sending(
            state=NotificationState.FAILED, next_attempt_at=None, last_error=describe_error(exc)
        )

    def schedule_retry(self, exc: BaseException | str, *, now=None) -> float | None:
        """Back to pending after a transient error; failed once the attempts are used up.

        Return the delay in seconds, or None when the row was marked failed (or was not ours).
        """
        now = now or timezone.now()
        when = self.retry_at(now)
        if when is None:
            self.mark_failed(exc)
            return None
        scheduled = self._update_from_sending(
            state=NotificationState.PENDING, next_attempt_at=when, last_error=describe_error(exc)
        )
        return max((when - now).total_seconds(), 0.0) if scheduled else None


class Notification(OutboxRow):
    """One e-mail in the outbox, written in the transaction of the event it announces.

    ``idempotency_key`` (chosen by the sender: event, subject, discriminator such as the
    transition's log row, recipient) is unique, so the same event never writes two rows. A
    Celery task delivers it (``notifications.delivery.deliver``); the ``mark_*`` methods are conditional
    updates from ``sending``, so a row reset by the sweeper is never marked by a late worker.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    recipient_email = models.EmailField(_("recipient e-mail"), blank=True)
    # What happened, as the sender names it ("submitted", "vote_opened"…): the outbox does not
    # interpret it; the sender's table of events decides recipients and templates.
    event = models.CharField(_("event"), max_length=50)
    template = models.CharField(_("template"), max_length=100)
    # Ids and plain strings only, never objects: the e-mail is rendered from it at delivery.
    context = models.JSONField(_("context"), default=dict, blank=True)
    # What the e-mail is about (an application, a membership, a meeting…), for the admin's lists.
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), null=True, blank=True, on_delete=models.SET_NULL
    )
    subject_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    class Meta:
        db_table = "workflows_notification"  # the table it was created with
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications (outbox)")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_sweep"),
            models.Index(fields=["event", "created_at"], name="notification_event"),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=NotificationState.values), name="notification_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=NotificationState.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_email or '?'} ({self.get_state_display()})"

    def build_message_id(self) -> str:
        """A Message-ID derived from the row only, so a resent copy carries the same one."""
        domain = getattr(settings, "NOTIFICATION_MESSAGE_ID_DOMAIN", "") or "federation-registry.invalid"
        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:16]
        return f"<notification-{self.pk}-{digest}@{domain}>"
