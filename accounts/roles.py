"""The federation's roles, as Django groups, and the checks every app uses."""

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

SECRETARIAT = "Secretariat"
REVIEWERS = "Reviewers"
EXECUTIVE_COMMITTEE = "Executive Committee"
ROLE_GROUPS = (SECRETARIAT, REVIEWERS, EXECUTIVE_COMMITTEE)

# The secretariat keeps the registry through the admin. App label → model names (every
# permission), or → {model name: actions}. The workflow's records change only through its
# services, so the admin shows them; "change" on an application lets it run the transitions.
# (Only app labels here: accounts import none of the apps above them.)
ALL = ("add", "change", "delete", "view")
SECRETARIAT_PERMISSIONS: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    "registry": {
        **dict.fromkeys(("region", "countryregion", "organization", "membership", "archiveddecision"), ALL),
        # Written by the system (state changes) or by the unions' representatives: the admin shows them.
        "membershipsuspension": ("view",),
        "yearlyreturn": ("view",),
        "representative": ("view",),
        "representativeinvitation": ("view",),
        "changerequest": ("view",),
        "certificate": ("view",),  # the membership certificates issued
        "certificatekey": ("view",),  # their signing keys (public halves; rotate with a command)
    },
    "workflows": {
        "membershipapplication": ("view", "change"),
        "motion": ("view",),  # decisions on members: taken on the committee's pages, read in the admin
        "contactperson": ("view",),
        "applicationdocument": ("view",),
        "reviewerassignment": ("view",),
        "review": ("view",),
        "voteround": ("view",),
        "voter": ("view",),
        "ballot": ("view",),
    },
    # Meetings of the Executive Committee: prepared and held on the committee's pages, read here.
    "meetings": {
        "meeting": ("view",),
        "agendaitem": ("view",),
        "attendance": ("view",),
        "minutes": ("view",),  # their hash and dates, with the meeting
        "archivedmeeting": ("view",),  # restored from a backup (import_registry), read-only
    },
    # The dues ledger: entries are made on the secretariat's dues pages (their services), read here.
    "dues": dict.fromkeys(
        ("duesrate", "invoicecounter", "invoice", "creditnote", "waiver", "payment", "allocation"), ("view",)
    ),
    "notifications": {"notification": ("view", "change")},  # the outbox: "retry now" and "cancel"
    "api": {
        "partnerkey": ALL,  # partner API keys: create (shown once), revoke, set an expiry
        "webhookendpoint": ALL,  # partners' webhook endpoints: register (secret shown once), enable
        "webhookdelivery": ("view", "change"),  # their delivery log: "redeliver"
    },
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
    """Members of Reviewers and of the Executive Committee may be assigned to review."""
    return has_role(user, REVIEWERS) or has_role(user, EXECUTIVE_COMMITTEE)


def is_officer(user) -> bool:
    """Secretariat and Executive Committee: the people who must use two-factor."""
    return is_secretariat(user) or is_committee_member(user)


def has_committee_role(user) -> bool:
    """Whether ``user`` works on applications: the secretariat, reviewers and the committee."""
    return is_secretariat(user) or is_reviewer(user)


def members_of(*group_names: str) -> QuerySet:
    """Active users in any of ``group_names``, in a stable order (by id)."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=group_names).order_by("pk")
    # A person is in a group once and a group's name is unique: only several groups list them twice.
    return users.distinct() if len(set(group_names)) > 1 else users


def committee_members() -> QuerySet:
    """The Executive Committee as it stands now: the electorate a vote round snapshots."""
    return members_of(EXECUTIVE_COMMITTEE)


def possible_reviewers() -> QuerySet:
    """Everyone who may be assigned to review: Reviewers and the Executive Committee."""
    return members_of(REVIEWERS, EXECUTIVE_COMMITTEE)


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
