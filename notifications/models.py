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


class Notification(models.Model):
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
    state = models.CharField(
        _("state"), max_length=10, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

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

    # --- delivery bookkeeping: conditional updates from ``sending`` ------------------------------

    def build_message_id(self) -> str:
        """A Message-ID derived from the row only, so a resent copy carries the same one."""
        domain = getattr(settings, "NOTIFICATION_MESSAGE_ID_DOMAIN", "") or "federation-registry.invalid"
        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:16]
        return f"<notification-{self.pk}-{digest}@{domain}>"

    @staticmethod
    def retry_delay(attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones: base · 2^(n-1), capped."""
        base = settings.NOTIFICATION_RETRY_BASE_SECONDS
        return float(min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS))

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
        if self.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            self.mark_failed(exc)
            return None
        delay = self.retry_delay(self.attempts)
        scheduled = self._update_from_sending(
            state=NotificationState.PENDING,
            next_attempt_at=(now or timezone.now()) + datetime.timedelta(seconds=delay),
            last_error=describe_error(exc),
        )
        return delay if scheduled else None
