from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # The invoice's PDF, attached to the dues e-mails at delivery (notifications.delivery.attachment).
        from portal import invoices  # noqa: F401
