"""The federation's roles, as Django groups, and the checks every app uses."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

SECRETARIAT = "Secretariat"
REVIEWERS = "Reviewers"
EXECUTIVE_COMMITTEE = "Executive Committee"
ROLE_GROUPS = (SECRETARIAT, REVIEWERS, EXECUTIVE_COMMITTEE)

# The secretariat keeps the registry through the admin. App label → model names (every
# permission), or → {model name: actions}. The workflow's records change only through its
# services, so the admin shows them; "change" on an application lets it run the transitions.
# (Only app labels here: the registry does not import the workflow.)
SECRETARIAT_PERMISSIONS: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    "registry": ("region", "countryregion", "organization", "membership", "archiveddecision"),
    "workflows": {
        "membershipapplication": ("view", "change"),
        "contactperson": ("view",),
        "applicationdocument": ("view",),
        "reviewerassignment": ("view",),
        "review": ("view",),
        "voteround": ("view",),
        "voter": ("view",),
        "ballot": ("view",),
        "notification": ("view", "change"),  # the outbox: "retry now" and "cancel"
    },
    "api": ("partnerkey",),  # partner API keys: create (shown once), revoke, set an expiry
}


def has_role(user, group_name: str) -> bool:
    """Whether an active, signed-in ``user`` belongs to ``group_name`` (cached per user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cache = getattr(user, "_role_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_names = cache
    return group_name in cache


def is_secretariat(user) -> bool:
    return has_role(user, SECRETARIAT)


def is_committee_member(user) -> bool:
    return has_role(user, EXECUTIVE_COMMITTEE)


def is_reviewer(user) -> bool:
    return has_role(user, REVIEWERS) or has_role(user, EXECUTIVE_COMMITTEE)


def _secretariat_permissions(app_label: str, models: tuple[str, ...] | dict[str, tuple[str, ...]]):
    if isinstance(models, dict):
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    return Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)


def ensure_role_groups(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Create the role groups and give the secretariat its admin permissions (idempotent)."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
    for app_label, models in SECRETARIAT_PERMISSIONS.items():
        # post_migrate runs app by app, and this runs on the registry's: on a fresh database
        # the permissions of apps after it (workflows) do not exist yet, so create them first.
        if app_label in global_apps.app_configs:
            create_permissions(global_apps.get_app_config(app_label), verbosity=0, using=using)
        groups[SECRETARIAT].permissions.add(*_secretariat_permissions(app_label, models))
