from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself (settings, middleware, accounts): registers its system checks."""

    name = "config"
    label = "project"
    verbose_name = "Federation Registry"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
