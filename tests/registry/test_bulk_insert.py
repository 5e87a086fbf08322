"""``registry.bulk``: many rows at once, as bulk_create writes them (COPY on PostgreSQL), with their history."""

import datetime
import gc

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from registry import bulk
from registry.models import ArchivedDecision, DecisionOutcome, Membership, MembershipCategory, Organization
from tests.factories import OrganizationFactory, RegionFactory

pytestmark = pytest.mark.django_db


def new_organizations(n: int, region) -> list[Organization]:
    return [
        Organization(
            name=f"Bulk Union {i}",
            slug=f"bulk-union-{i}",
            country="KE",
            region=region,
            social_links=[f"https://social.example/{i}"],
        )
        for i in range(n)
    ]


def test_insert_writes_the_rows_with_their_keys_and_related_keys():
    region = RegionFactory()
    organizations = new_organizations(30, region)

    bulk.insert(organizations)
    memberships = [
        Membership(organization=org, category=MembershipCategory.FULL, admitted_on=datetime.date(2020, 1, 2))
        for org in organizations
    ]
    bulk.insert(memberships)

    assert all(org.pk for org in organizations)
    stored = {org.slug: org for org in Organization.objects.all()}
    assert {slug: org.pk for slug, org in stored.items()} == {org.slug: org.pk for org in organizations}
    assert stored["bulk-union-7"].social_links == ["https://social.example/7"]
    assert stored["bulk-union-7"].created_at is not None  # auto_now_add, as bulk_create sets it
    assert sorted(Membership.objects.values_list("organization_id", flat=True)) == sorted(
        org.pk for org in organizations
    )
    OrganizationFactory(region=region)  # the sequence moved past the keys taken


def test_insert_history_records_each_rows_creation_with_the_reason():
    organizations = new_organizations(5, RegionFactory())
    bulk.insert(organizations)

    bulk.insert_history(Organization, organizations, "Imported")

    records = Organization.history.order_by("id")
    assert [(r.id, r.slug, r.history_type, r.history_change_reason) for r in records] == [
        (org.pk, org.slug, "+", "Imported") for org in organizations
    ]


@pytest.mark.postgres
def test_on_postgresql_a_refused_row_is_an_integrity_error_and_writes_nothing():
    region = RegionFactory()
    OrganizationFactory(slug="bulk-union-3", region=region)
    organizations = new_organizations(6, region)

    with CaptureQueriesContext(connection) as queries, pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(organizations)

    assert Organization.objects.count() == 1
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "COPY"]  # the keys in one query, then the rows by COPY


def test_insert_writes_a_value_of_another_type_as_its_field_prepares_it():
    """Text, whole numbers and booleans of their field's own type go to COPY as they are; a value of
    another type goes through the field, as bulk_create would write it."""
    [organization] = new_organizations(1, RegionFactory())
    organization.founded_year, organization.students_represented = "1990", True
    organization.city = 42  # neither text nor None: the field makes it text

    bulk.insert([organization])

    written = Organization.objects.values("founded_year", "students_represented", "city").get()
    assert written == {"founded_year": 1990, "students_represented": 1, "city": "42"}


@pytest.mark.postgres
def test_on_postgresql_a_single_row_is_one_insert():
    region = RegionFactory()
    [organization] = new_organizations(1, region)

    with CaptureQueriesContext(connection) as queries:
        bulk.insert([organization])

    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]
    assert Organization.objects.get(pk=organization.pk).slug == organization.slug


def test_insert_writes_dates_and_times_as_their_fields_prepare_them():
    """Dates and aware datetimes go to COPY as they are; text goes through the field; a time the field
    sets itself (``auto_now_add``) is set. Two rows each, so that PostgreSQL writes them by COPY."""
    created = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    decisions = [
        ArchivedDecision(name="Union A", state=DecisionOutcome.ADMITTED, created_at=created),
        ArchivedDecision(
            name="Union B", state=DecisionOutcome.ADMITTED, created_at="2021-06-07T08:09:10+02:00"
        ),
    ]
    organizations = new_organizations(2, RegionFactory())
    bulk.insert(organizations)
    memberships = [
        Membership(organization=organizations[0], category=MembershipCategory.FULL, admitted_on="2022-03-04"),
        Membership(
            organization=organizations[1],
            category=MembershipCategory.FULL,
            admitted_on=datetime.date(2023, 5, 6),
        ),
    ]

    bulk.insert(decisions)
    bulk.insert(memberships)

    written = dict(ArchivedDecision.objects.values_list("name", "created_at"))
    assert written == {
        "Union A": created,
        "Union B": datetime.datetime(2021, 6, 7, 6, 9, 10, tzinfo=datetime.UTC),
    }
    assert ArchivedDecision.objects.filter(imported_at__isnull=True).count() == 0
    assert sorted(Membership.objects.values_list("admitted_on", flat=True)) == [
        datetime.date(2022, 3, 4),
        datetime.date(2023, 5, 6),
    ]


def test_the_cyclic_collector_is_paused_inside_and_as_it_was_after():
    states = []

    @bulk.cyclic_gc_paused()
    def import_that_fails():
        states.append(gc.isenabled())
        with bulk.cyclic_gc_paused():
            states.append(gc.isenabled())
        states.append(gc.isenabled())  # the inner pause leaves it off for the outer one
        raise RuntimeError("refused row")

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="refused row"):
        import_that_fails()
    assert states == [False, False, False]
    assert gc.isenabled()

    gc.disable()
    try:
        with bulk.cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
