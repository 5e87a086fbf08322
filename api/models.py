"""Partner API keys (stored hashed, shown once at creation, revocable, optionally expiring) and the
partners' webhook endpoints and deliveries."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from notifications.models import NotificationState, OutboxRow


class PartnerKey(AbstractAPIKey):
    """A key the secretariat gives a partner; it unlocks partner-only fields and a higher rate limit.

    The key itself is never stored: ``prefix`` identifies it, ``hashed_key`` verifies it.
    Create keys in the admin (the key is shown once) or with
    ``PartnerKey.objects.create_key(name=..., organization_name=...)``.
    """

    organization_name = models.CharField(
        _("partner organization"), max_length=200, help_text=_("Who uses this key.")
    )
    contact_email = models.EmailField(
        _("contact e-mail"), blank=True, help_text=_("Whom to tell before the key is revoked or expires.")
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")

    def __str__(self) -> str:
        return f"{self.organization_name} — {self.name} ({self.prefix})"


class WebhookEndpoint(models.Model):
    """A partner's address for signed webhooks: the feed's events, as they happen (``api.webhooks``).

    Registered on a partner key, by the secretariat in the admin or by the key's holder in the API.
    The secret is stored encrypted (``api.webhooks.encrypt_secret``) and shown once; after a
    rotation the previous one still signs until ``previous_secret_expires_at``. ``last_event_seq`` is
    the endpoint's cursor in the change feed: every event after it is still to be fanned out.
    """

    partner_key = models.ForeignKey(
        PartnerKey,
        verbose_name=_("partner API key"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Event types (registry.models.DirectoryEventType values); empty: every event.
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret_encrypted = models.TextField(_("secret (encrypted)"), editable=False)
    previous_secret_encrypted = models.TextField(_("previous secret (encrypted)"), blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    last_event_seq = models.BigIntegerField(_("last event fanned out"), default=0)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failed attempts"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(OutboxRow):
    """One feed event for one endpoint: an outbox row (``notifications.delivery``), sent by
    ``api.webhooks``. ``payload`` is the exact body sent (the event as the feed renders it), so each
    attempt and each redelivery carries the same body and the same ``webhook-id``."""

    RETRY_BASE_SETTING = "WEBHOOK_RETRY_BASE_SECONDS"
    RETRY_MAX_SETTING = "WEBHOOK_RETRY_MAX_SECONDS"

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_seq = models.BigIntegerField(_("event id"))
    event_type = models.CharField(_("event type"), max_length=40)
    payload = models.TextField(_("payload"))
    # Retries stop after this time (WEBHOOK_RETRY_HOURS from the first attempt or a redelivery).
    retry_until = models.DateTimeField(_("retried until"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response (start)"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_sweep"),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_seq"], name="webhook_delivery_once_per_event"),
            models.CheckConstraint(
                condition=Q(state__in=NotificationState.values), name="webhook_delivery_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} → {self.endpoint_id} ({self.get_state_display()})"

    @property
    def webhook_id(self) -> str:
        """The ``webhook-id`` header: the same for every attempt, so a receiver can drop a repeat."""
        return f"msg_{self.endpoint_id}_{self.event_seq}"

    def exhausted(self, now) -> bool:
        # Retries stop by time (``retry_at``): a claimed row always gets its attempt, even the one
        # the sweeper gives back after a lost worker.
        return False

    def retry_at(self, now):
        """Back-off until ``retry_until``; the last attempt is at that time."""
        if now >= self.retry_until:
            return None
        return min(now + datetime.timedelta(seconds=self.retry_delay(self.attempts)), self.retry_until)
