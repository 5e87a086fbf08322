from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Executive Committee meetings")

    def ready(self) -> None:
        # The calendar file that invitations, updates and cancellations carry is built at delivery
        # by a builder the outbox looks up by name ("meeting_ics").
        from . import calendar  # noqa: F401
