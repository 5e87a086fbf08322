"""Many member unions at once (bulk_create): for the tests that pin query counts at 10 and 1,000 members."""

import datetime
import itertools

from django.utils import timezone

from registry.models import Membership, MembershipCategory, MembershipState, Organization, YearlyReturn

COUNTRIES = ("KE", "NG", "IE", "FR", "BR", "IN", "JP", "TR")
CATEGORIES = (MembershipCategory.FULL, MembershipCategory.ASSOCIATE, MembershipCategory.OBSERVER)


def bulk_members(n: int, regions: dict, *, start: int = 0, filed_year: int | None = None) -> list[Membership]:
    """``n`` active member unions spread over regions, countries and categories; every other one
    has filed the return for ``filed_year`` (when given)."""
    leaves = sorted((r for r in regions.values() if r.parent_id is not None), key=lambda r: r.code)
    region_cycle, country_cycle = itertools.cycle(leaves), itertools.cycle(COUNTRIES)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Bulk Union {i}",
            slug=f"bulk-union-{i}",
            country=next(country_cycle),
            region=next(region_cycle),
            search_text=f"bulk union {i}",
        )
        for i in range(start, start + n)
    )
    memberships = Membership.objects.bulk_create(
        Membership(
            organization=organization,
            category=CATEGORIES[i % len(CATEGORIES)],
            state=MembershipState.ACTIVE,
            admitted_on=datetime.date(2015 + i % 10, 1 + i % 12, 1),
        )
        for i, organization in enumerate(organizations)
    )
    if filed_year is not None:
        YearlyReturn.objects.bulk_create(
            YearlyReturn(membership=m, year=filed_year, filed_at=timezone.now()) for m in memberships[::2]
        )
    return memberships
