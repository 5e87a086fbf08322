"""Demo data: organizations, memberships, role groups and demo users (idempotent)."""

from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS, SECRETARIAT, ensure_role_groups

from . import feed
from .demo_data import DEMO_ORGANIZATIONS
from .models import (
    CountryRegion,
    EndReason,
    Membership,
    MembershipCategory,
    MembershipState,
    MembershipSuspension,
    Organization,
)
from .regions import load_default_regions
from .services import representative_add_first

DEMO_PASSWORD = "federation-demo"

# e-mail → (first name, last name, groups, is_staff)
DEMO_USERS: dict[str, tuple[str, str, tuple[str, ...], bool]] = {
    "secretariat@demo.example": ("Amina", "Okafor", (SECRETARIAT,), True),
    "reviewer1@demo.example": ("Lucía", "Fernández", (REVIEWERS,), False),
    "reviewer2@demo.example": ("Rahul", "Menon", (REVIEWERS,), False),
    "committee1@demo.example": ("Chen", "Wei", (EXECUTIVE_COMMITTEE,), False),
    "committee2@demo.example": ("Fatima", "Haddad", (EXECUTIVE_COMMITTEE,), False),
    "committee3@demo.example": ("Kwame", "Mensah", (EXECUTIVE_COMMITTEE,), False),
    "committee4@demo.example": ("Ingrid", "Larsen", (EXECUTIVE_COMMITTEE,), False),
    "committee5@demo.example": ("Diego", "Ramírez", (EXECUTIVE_COMMITTEE,), False),
    "applicant@demo.example": ("Nimmi", "Perera", (), False),
    "union.zimbabwe@demo.example": ("Tendai", "Moyo", (), False),
    "union.ghana@demo.example": ("Kofi", "Asante", (), False),
}

# Demo representatives (e-mail → the slug of the union they represent): one of a union in good
# standing, one of a suspended union, so that the member area shows both.
DEMO_REPRESENTATIVES = {
    "union.ghana@demo.example": "nugs-gh",
    "union.zimbabwe@demo.example": "zinasu-zw",
}

# Why a demo membership is suspended, in the words the secretariat would write.
DEMO_SUSPENSION_REASON = (
    "Suspended by the Executive Committee: no yearly return for two years and the dues not paid. "
    "The union can ask to be reinstated once both are in order."
)


@dataclass
class SeedResult:
    organizations_created: int = 0
    memberships_created: int = 0
    users_created: int = 0
    users: list[str] = field(default_factory=list)


def _membership_for(org: Organization, status: str, index: int) -> Membership:
    """An active membership in the category ``status``, or a former member's: "withdrawn" (ended a
    year after admission) or "suspended" (since a year after admission, with its dated row)."""
    admitted = date(2008 + index % 17, 1 + index % 12, 1 + index % 28)
    if status in MembershipCategory.values:
        return Membership(organization=org, category=status, admitted_on=admitted)
    a_year_later = date(admitted.year + 1, admitted.month, admitted.day)
    if status == EndReason.WITHDRAWN:
        return Membership(
            organization=org,
            state=MembershipState.ENDED,
            end_reason=EndReason.WITHDRAWN,
            admitted_on=admitted,
            ended_on=a_year_later,
        )
    return Membership(organization=org, state=MembershipState.SUSPENDED, admitted_on=admitted)


def _save_membership(membership: Membership) -> None:
    membership.save()
    if membership.state == MembershipState.SUSPENDED:
        admitted = membership.admitted_on
        MembershipSuspension.objects.create(
            membership=membership,
            starts_on=date(admitted.year + 1, admitted.month, admitted.day),
            reason=DEMO_SUSPENSION_REASON,
        )


@transaction.atomic
def seed_demo() -> SeedResult:
    """Load regions, groups, demo organizations with memberships and demo users.

    Creates only what is missing, so running it again changes nothing.
    """
    load_default_regions()
    ensure_role_groups()
    result = SeedResult()
    regions = dict(CountryRegion.objects.values_list("country", "region_id"))

    for index, (name, acronym, country, city, kind, founded, students, status) in enumerate(
        DEMO_ORGANIZATIONS
    ):
        org, created = Organization.objects.get_or_create(
            slug=slugify(f"{acronym} {country}"),
            defaults={
                "name": name,
                "acronym": acronym,
                "country": country,
                "region_id": regions[country],
                "city": city,
                "kind": kind,
                "founded_year": founded,
                "students_represented": students,
                "website": f"https://{slugify(acronym)}.example.org",
                "email": f"international@{slugify(acronym)}.example.org",
            },
        )
        result.organizations_created += created
        if status and created and not org.memberships.exists():
            _save_membership(_membership_for(org, status, index))
            result.memberships_created += 1

    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}
    for email, (first, last, role_names, is_staff) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=email,
            defaults={"email": email, "first_name": first, "last_name": last, "is_staff": is_staff},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(*(groups[name] for name in role_names))
            result.users_created += 1
        _verify_email(user)
        result.users.append(email)
    _add_representatives()
    feed.publish_all()
    return result


def _add_representatives() -> None:
    """The demo representatives of their unions (``representative_add_first`` keeps a row that
    exists: nothing changes the second time)."""
    User = get_user_model()
    for email, slug in DEMO_REPRESENTATIVES.items():
        organization = Organization.objects.filter(slug=slug).first()
        if organization is not None:
            representative_add_first(organization=organization, user=User.objects.get(username=email))


def _verify_email(user) -> None:
    """Mark the demo user's e-mail verified, so that the log-in by e-mail accepts it at once."""
    if not apps.is_installed("allauth.account"):
        return
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
    )
