"""Partner API keys: stored hashed, shown once at creation, revocable, optionally expiring."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


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


class PersonalToken(AbstractAPIKey):
    """A person's own key for the workflow API: ``Authorization: Token <key>`` (or ``Bearer``).

    It acts as its user, with that user's roles, on the workflow endpoints only. The user
    creates it on /account/tokens/ (the key is shown once), sees when it was last used, and
    revokes it there. As for partner keys, only ``prefix`` and ``hashed_key`` are stored.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="personal_tokens",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")
        indexes = [models.Index(fields=["user", "revoked"], name="personal_token_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
