from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = _("Dues")

    def ready(self) -> None:
        # Good standing (registry.selectors.good_standing_q) also requires no invoice in arrears.
        # The registry sits below this app and cannot import it: it offers the hook, we fill it.
        from registry.selectors import add_standing_condition

        from .selectors import no_arrears_q

        add_standing_condition(no_arrears_q)
