"""The federation's roles, as Django groups, and the checks every app uses."""

from django.contrib.auth.models import Group, Permission

SECRETARIAT = "Secretariat"
REVIEWERS = "Reviewers"
EXECUTIVE_COMMITTEE = "Executive Committee"
ROLE_GROUPS = (SECRETARIAT, REVIEWERS, EXECUTIVE_COMMITTEE)

# The secretariat keeps the registry through the admin.
SECRETARIAT_PERMISSIONS = {
    "registry": ("region", "countryregion", "organization", "membership"),
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


def ensure_role_groups(**kwargs) -> None:
    """Create the role groups and give the secretariat its admin permissions (idempotent)."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
    for app_label, models in SECRETARIAT_PERMISSIONS.items():
        perms = Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
        groups[SECRETARIAT].permissions.add(*perms)
