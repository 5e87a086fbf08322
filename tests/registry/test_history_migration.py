"""Migration registry 0009: the events recorded before it get what the directory as of a date reads."""

import datetime

import pytest

from registry.feed import columns_of
from tests.migrations import migrate

BEFORE = [("registry", "0008_certificates")]
AFTER = [("registry", "0009_directory_as_of_a_date")]


def _entry(slug: str, name: str, category: str) -> dict:
    return {
        "slug": slug,
        "name": name,
        "acronym": "NUS",
        "country": "KE",
        "region__code": "m-test",
        "region__name": "Migration test",
        "city": "Nairobi",
        "website": "",
        "email": "",
        "category": category,
        "admitted_on": "2020-01-01",
        "in_good_standing": True,
        "updated_at": "2026-01-02T10:00:00+00:00",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_each_event_gets_its_columns_and_the_moment_the_next_one_replaced_it():
    old = migrate(BEFORE)
    at = [datetime.datetime(2026, 1, day, 10, tzinfo=datetime.UTC) for day in (2, 3, 4, 5)]
    try:
        Region = old.get_model("registry", "Region")
        Organization = old.get_model("registry", "Organization")
        DirectoryEvent = old.get_model("registry", "DirectoryEvent")
        region = Region.objects.create(code="m-test", name="Migration test")
        a = Organization.objects.create(name="Ä Union", slug="a", country="KE", region=region)
        b = Organization.objects.create(name="B Union", slug="b", country="KE", region=region)
        rows = [
            (1, a, "member.admitted", _entry("a", "Ä Union", "full"), at[0]),
            (2, b, "member.admitted", _entry("b", "B Union", "observer"), at[1]),
            (3, a, "member.category_changed", _entry("a", "Ä Union", "associate"), at[2]),
            (4, b, "member.ended", None, at[3]),
        ]
        for seq, organization, kind, entry, moment in rows:
            DirectoryEvent.objects.create(
                seq=seq,
                type=kind,
                organization=organization,
                slug=organization.slug,
                entry=entry,
                occurred_at=moment,
            )
    finally:
        new = migrate(AFTER)

    DirectoryEvent = new.get_model("registry", "DirectoryEvent")
    events = {event.seq: event for event in DirectoryEvent.objects.all()}
    assert [events[seq].valid_until for seq in (1, 2, 3, 4)] == [at[2], at[3], None, None]
    region_id = new.get_model("registry", "Region").objects.get(code="m-test").pk
    for seq in (1, 2, 3, 4):  # as registry.feed.publish records them now
        expected = columns_of(events[seq].entry, region_id if events[seq].entry else None)
        assert {column: getattr(events[seq], column) for column in expected} == expected
    assert (events[1].category, events[3].category, events[1].search_text) == (
        "full",
        "associate",
        "a union nus nairobi",
    )
