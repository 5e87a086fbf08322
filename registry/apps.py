from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def publish_directory(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After ``migrate``, the change feed catches up with the directory (the first time: every
    affiliate's ``member.admitted``), so a partner can start from the feed at once."""
    if using != DEFAULT_DB_ALIAS:
        return
    from . import feed

    feed.publish_all()


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        post_migrate.connect(publish_directory, sender=self, dispatch_uid="registry.publish_directory")
