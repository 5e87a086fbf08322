"""Helpers of the dues tests: a schedule, a member, amounts in euros."""

import datetime
from decimal import Decimal

from dues.models import DuesRate
from registry.models import MembershipCategory
from tests.factories import MembershipFactory, OrganizationFactory

YEAR = 2026
JAN_1 = datetime.date(YEAR, 1, 1)


def schedule(year: int = YEAR, category: str = MembershipCategory.FULL, **bands: str) -> list[DuesRate]:
    """Rates for ``year``: ``bands`` maps ``from_<students>`` to an amount in EUR (``from_0`` the base)."""
    return [
        DuesRate.objects.create(
            year=year,
            category=category,
            students_from=int(key.removeprefix("from_")),
            amount_minor=int(Decimal(amount) * 100),
            currency="EUR",
        )
        for key, amount in (bands or {"from_0": "1000.00"}).items()
    ]


def member(*, admitted_on: datetime.date = datetime.date(2020, 5, 1), students: int | None = 1000, **kwargs):
    return MembershipFactory(
        admitted_on=admitted_on, organization=OrganizationFactory(students_represented=students), **kwargs
    )


def day(offset: int) -> datetime.date:
    return JAN_1 + datetime.timedelta(days=offset)
