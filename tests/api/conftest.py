import datetime
import itertools

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from registry.models import Membership, MembershipCategory, Organization
from tests.factories import PartnerKeyFactory

_batches = itertools.count()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def partner_key(db):
    return PartnerKeyFactory()


@pytest.fixture
def partner_client(partner_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key.key}")
    return client


def bulk_affiliates(
    count: int,
    *,
    region,
    country: str = "KE",
    category: str = MembershipCategory.FULL,
    admitted_on: datetime.date | None = None,
    name=lambda i: f"Union {i:05d}",
) -> list[Organization]:
    """``count`` affiliates in two INSERTs. bulk_create skips save(), so search_text is filled here."""
    batch = next(_batches)
    organizations = [
        Organization(
            name=name(i),
            acronym=f"U{i}",
            slug=f"bulk-{batch}-{i}",
            country=country,
            region=region,
            city="Nairobi",
            email=f"office@bulk-{batch}-{i}.example.org",
        )
        for i in range(count)
    ]
    for organization in organizations:
        organization.search_text = organization.build_search_text()
    Organization.objects.bulk_create(organizations)
    Membership.objects.bulk_create(
        Membership(
            organization=organization,
            category=category,
            admitted_on=admitted_on or datetime.date(2000, 1, 1) + datetime.timedelta(days=i % 40),
        )
        for i, organization in enumerate(organizations)
    )
    return organizations


@pytest.fixture
def make_affiliates(db):
    return bulk_affiliates


# The workflow API's fixtures (tests/api/test_applications*.py).
from tests.api.workflow_fixtures import api_as, revoked_partner_key, workflow_settings  # noqa: E402, F401
