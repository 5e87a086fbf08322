"""``registry.feed.publish_all``: the events of every organization at once, as ``publish`` records them
one by one, in a number of queries that does not grow with the organizations."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry import feed
from registry.models import (
    DirectoryEvent,
    DirectoryEventType,
    EndReason,
    Membership,
    MembershipState,
    MembershipSuspension,
    Organization,
)
from tests.factories import MembershipFactory, RegionFactory

pytestmark = pytest.mark.django_db

# What an event says, less the moment it was recorded.
COMPARED = (
    "seq",
    "type",
    "organization_id",
    "slug",
    "previous_slug",
    "entry",
    "changed",
    "membership",
    "decision",
    "name",
    "country",
    "region_id",
    "category",
    "admitted_on",
    "in_good_standing",
    "search_text",
)


class RolledBack(Exception):
    pass


def registry_with_every_kind_of_change(n: int) -> list[int]:
    """``3n + 1`` affiliates published, then: ``n`` admitted, ``n`` renamed, ``n`` ended, ``n`` suspended,
    one unchanged. The organizations' ids, in order."""
    region = RegionFactory()
    published = [MembershipFactory(organization__region=region) for _ in range(3 * n + 1)]
    feed.publish_all()
    for _ in range(n):
        MembershipFactory(organization__region=region)
    for i, membership in enumerate(published[:n]):
        Organization.objects.filter(pk=membership.organization_id).update(
            name=f"Renamed Union {i}", slug=f"renamed-{membership.organization.slug}"
        )
    ended = [m.pk for m in published[n : 2 * n]]
    Membership.objects.filter(pk__in=ended).update(
        state=MembershipState.ENDED, ended_on=datetime.date(2024, 3, 1), end_reason=EndReason.WITHDRAWN
    )
    for membership in published[2 * n : 3 * n]:
        Membership.objects.filter(pk=membership.pk).update(state=MembershipState.SUSPENDED)
        MembershipSuspension.objects.create(membership=membership, starts_on=datetime.date(2024, 4, 1))
    return sorted(Organization.objects.values_list("pk", flat=True))


def said(events) -> list[tuple]:
    return [tuple(getattr(event, name) for name in COMPARED) for event in events]


def stored(after: int) -> list[tuple]:
    return said(DirectoryEvent.objects.filter(seq__gt=after).order_by("seq"))


def closed_entries() -> set[int]:
    return set(DirectoryEvent.objects.filter(valid_until__isnull=False).values_list("seq", flat=True))


def published_one_by_one(organizations: list[int], start: int) -> tuple[list[tuple], set[int]]:
    """What ``publish`` of each organization in turn records (events, entries closed), rolled back."""
    try:
        with transaction.atomic():
            for organization_id in organizations:
                feed.publish(organization_id)
            raise RolledBack(stored(start), closed_entries())
    except RolledBack as undone:
        return undone.args


def test_publish_all_records_the_events_publish_records_one_organization_at_a_time():
    organizations = registry_with_every_kind_of_change(4)
    start = feed.last_seq()
    one_by_one, closed_one_by_one = published_one_by_one(organizations, start)

    recorded = feed.publish_all()

    assert said(recorded) == one_by_one == stored(start)
    assert [event.seq for event in recorded] == list(range(start + 1, start + 4 * 4 + 1))
    kinds = [event.type for event in recorded]
    assert {kind: kinds.count(kind) for kind in kinds} == {
        DirectoryEventType.ADMITTED: 4,
        DirectoryEventType.UPDATED: 4,
        DirectoryEventType.ENDED: 4,
        DirectoryEventType.SUSPENDED: 4,
    }
    removed = {DirectoryEventType.ENDED, DirectoryEventType.SUSPENDED}
    assert {event.type: event.membership for event in recorded if event.type in removed} == {
        DirectoryEventType.ENDED: {"state": "ended", "since": "2024-03-01", "reason": "withdrawn"},
        DirectoryEventType.SUSPENDED: {"state": "suspended", "since": "2024-04-01", "reason": None},
    }
    assert closed_entries() == closed_one_by_one
    assert len(closed_one_by_one) == 3 * 4
    assert feed.last_seq() == recorded[-1].seq
    assert feed.publish_all() == []


def queries_of_publish_all(n: int) -> int:
    registry_with_every_kind_of_change(n)
    with CaptureQueriesContext(connection) as queries:
        recorded = feed.publish_all()
    assert len(recorded) == 4 * n
    return len(queries)


def test_publishing_many_organizations_takes_as_many_queries_as_publishing_few():
    few = queries_of_publish_all(2)
    DirectoryEvent.objects.all().delete()
    Membership.objects.all().delete()

    # 40 events: within one INSERT of bulk_create on SQLite (999 values); COPY on PostgreSQL, any number.
    many = queries_of_publish_all(10)

    assert many == few
