"""Partner API keys: stored hashed, shown once at creation, revocable, optionally expiring."""

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
