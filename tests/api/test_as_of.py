"""The directory as of a date (``?as_of=``): what the live directory showed at the end of that day."""

import datetime
import random

import pytest
from django.db import transaction
from django.test import override_settings

from registry import feed, history
from registry.models import DirectoryEvent, Membership, MembershipState, Organization, Region
from registry.tasks import directory_feed_sweep
from tests.api.feed_history import decide

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 5)


class Clock:
    """``timezone.now`` of a simulated calendar: moved forward by the test, a few minutes a decision."""

    def __init__(self, day: datetime.date):
        self.moment = datetime.datetime.combine(day, datetime.time(0, 5), tzinfo=datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.moment

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> None:
        self.moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)

    def tick(self, rng: random.Random) -> None:
        self.moment += datetime.timedelta(minutes=rng.randrange(1, 20), microseconds=rng.randrange(10**6))


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(START)
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


def move_or_rename(rng: random.Random) -> str | None:
    """A change of region or of name (which moves the union in the name ordering), published."""
    ids = list(
        Membership.objects.filter(state=MembershipState.ACTIVE).values_list("organization_id", flat=True)
    )
    if not ids:
        return None
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=rng.choice(ids))
        if rng.random() < 0.5:
            organization.region = rng.choice(list(Region.objects.exclude(pk=organization.region_id)))
            kind = "region"
        else:
            organization.name = f"{rng.choice(['Alpha', 'Zeta', 'Mu'])} Union {rng.randrange(10**6)}"
            kind = "name"
        organization.save()
        feed.publish(organization)
    return kind


def all_pages(client, url: str, params: dict) -> list[dict]:
    """Every page of ``url`` (following ``next``), in order."""
    found, query = [], dict(params)
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        found.extend(body["results"])
        url, query = body["next"], None
    return found


def live_history(rng, clock, client, *, days: int, per_day: int) -> dict[datetime.date, dict]:
    """A random history over ``days`` days, the daily sweep just after each midnight; at the end of
    each day, what the live API answered: the list (every page), its region counts."""
    snapshots, kinds = {}, set()
    day = START
    for _ in range(days):
        clock.at(day, 0, 5)
        directory_feed_sweep()
        for _ in range(rng.randrange(0, per_day + 1)):
            clock.tick(rng)
            kinds.add(move_or_rename(rng) if rng.random() < 0.15 else decide(rng, on=day))
        clock.at(day, 23, 50)
        snapshots[day] = {
            "list": all_pages(client, "/api/v1/affiliates/", {"page_size": 500}),
            "by_admission": all_pages(
                client, "/api/v1/affiliates/", {"page_size": 500, "ordering": "-admitted_on"}
            ),
            "regions": client.get("/api/v1/regions/").json(),
        }
        day += datetime.timedelta(days=rng.choice([1, 1, 1, 2, 5]))
    assert {"admit", "suspend", "reinstate", "end", "category", "edit", "return", "region", "name"} <= kinds
    return snapshots


def assert_as_of_equals(client, day: datetime.date, snapshot: dict, rng: random.Random) -> None:
    as_of = day.isoformat()
    paged = all_pages(client, "/api/v1/affiliates/", {"as_of": as_of, "page_size": rng.choice([3, 7, 500])})
    assert paged == snapshot["list"], as_of
    by_admission = all_pages(
        client, "/api/v1/affiliates/", {"as_of": as_of, "page_size": 5, "ordering": "-admitted_on"}
    )
    assert by_admission == snapshot["by_admission"], as_of
    assert client.get("/api/v1/regions/", {"as_of": as_of}).json() == snapshot["regions"], as_of
    for item in rng.sample(snapshot["list"], min(3, len(snapshot["list"]))):
        response = client.get(f"/api/v1/affiliates/{item['slug']}/", {"as_of": as_of})
        assert response.status_code == 200, response.content
        assert response.json() == item


def test_the_directory_as_of_each_day_of_a_long_random_history_is_what_the_live_api_showed_that_day(
    regions, clock, partner_client
):
    rng = random.Random(20261201)
    snapshots = live_history(rng, clock, partner_client, days=45, per_day=8)
    clock.at(max(snapshots) + datetime.timedelta(days=3), 9)  # read later: nothing since
    began = history.first_day()  # the day of the first event
    for day, snapshot in snapshots.items():
        if day < began:  # nothing was listed yet; the records do not say so, they begin later
            assert snapshot["list"] == []
            assert_before_records(partner_client, day, began)
        else:
            assert_as_of_equals(partner_client, day, snapshot, rng)
    assert any(day < began for day in snapshots)
    # The days in between, without a decision, are the day before's directory.
    quiet = [d for d in (min(snapshots) + datetime.timedelta(n) for n in range(60)) if d not in snapshots]
    for day in quiet[:5]:
        before = max(d for d in snapshots if d < day)
        paged = all_pages(partner_client, "/api/v1/affiliates/", {"as_of": day.isoformat()})
        assert paged == snapshots[before]["list"]
    assert max(len(s["list"]) for s in snapshots.values()) > 15
    # A union that had left by one day is not found as of that day; it is as of a day it was listed.
    listed = {item["slug"] for snapshot in snapshots.values() for item in snapshot["list"]}
    last_day = max(snapshots)
    gone = sorted(listed - {item["slug"] for item in snapshots[last_day]["list"]})
    assert gone
    assert partner_client.get(f"/api/v1/affiliates/{gone[0]}/", {"as_of": last_day}).status_code == 404

    # Events past the retention are deleted: the days before the cutoff are refused, naming the first
    # day kept; every day after it is still exact.
    cutoff_day = START + datetime.timedelta(days=20)
    cutoff = datetime.datetime.combine(cutoff_day, datetime.time(), tzinfo=datetime.UTC)
    with override_settings(FEED_RETENTION_DAYS=30):
        assert feed.prune(now=cutoff + datetime.timedelta(days=30)) > 0
    first = history.first_day()  # the day of the last event deleted: the directory is whole from its end
    assert START < first < cutoff_day
    assert DirectoryEvent.objects.filter(occurred_at__lt=cutoff).count() < DirectoryEvent.objects.count()
    for day, snapshot in snapshots.items():
        if day >= first:
            assert_as_of_equals(partner_client, day, snapshot, rng)
        else:
            assert_before_records(partner_client, day, first)


def assert_before_records(client, day: datetime.date, first: datetime.date) -> None:
    message = f"The registry's records begin on {first.isoformat()}. Use that date or a later one."
    for url in ("/api/v1/affiliates/", "/api/v1/regions/", "/api/v1/affiliates/any-slug/"):
        response = client.get(url, {"as_of": day.isoformat()})
        assert response.status_code == 400, url
        error = response.json()["error"]
        assert (error["code"], error["details"]) == ("invalid", {"as_of": [message]})
