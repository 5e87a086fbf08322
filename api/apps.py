from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Partner API")

    def ready(self) -> None:
        from notifications import delivery
        from registry import feed

        from . import (
            schema,  # noqa: F401  (registers the Api-Key security scheme with drf-spectacular)
            webhooks,
        )

        # Webhook deliveries are outbox rows: the same claim, retry and sweep (api/webhooks.py).
        delivery.register(webhooks.WEBHOOKS)
        feed.events_recorded.connect(webhooks.request_fan_out, dispatch_uid="api.webhooks.fan_out")
