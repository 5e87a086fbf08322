from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in

        from .language import on_logged_in, on_signed_up
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        user_logged_in.connect(on_logged_in, dispatch_uid="accounts.language.on_logged_in")
        user_signed_up.connect(on_signed_up, dispatch_uid="accounts.language.on_signed_up")
