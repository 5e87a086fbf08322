"""A person's own API tokens (the model); the pages and actions are in ``accounts.tokens``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class PersonalToken(AbstractAPIKey):
    """A person's own key for the workflow API: ``Authorization: Token <key>`` (or ``Bearer``).

    It acts as its user, with that user's roles, on the workflow endpoints only. The user
    creates it on /account/tokens/ (the key is shown once), sees when it was last used, and
    revokes it there. As for partner API keys, only ``prefix`` and ``hashed_key`` are stored.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="personal_tokens",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        db_table = "api_personaltoken"  # the table it was created with
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")
        indexes = [models.Index(fields=["user", "revoked"], name="personal_token_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class Preferences(models.Model):
    """What a person chose for themselves: the language of their pages and e-mails.

    ``language`` is one of ``settings.LANGUAGES``' codes, or empty: no choice yet, the browser's
    (``Accept-Language``) for pages and ``settings.LANGUAGE_CODE`` for e-mails.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="preferences",
    )
    # Checked against settings.LANGUAGES where it is set (accounts.language), so adding a language
    # needs no migration.
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '-'})"
