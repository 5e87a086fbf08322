"""The directory as of a date (``?as_of=``): what the live directory showed at the end of that day."""

import datetime
import random

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from registry import feed, history
from registry.models import DirectoryEvent, EndReason, Membership, MembershipState, Organization, Region
from registry.services import membership_category_change, membership_end
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


# --- a short history, told day by day ---------------------------------------------------------------------

DAY1, DAY2, DAY3 = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3), datetime.date(2026, 3, 4)
URL = "/api/v1/affiliates/"


def admit(name: str, *, country: str, region: Region, category: str) -> Membership:
    organization = Organization.objects.create(
        name=name,
        slug=name.lower(),
        country=country,
        region=region,
        city="Nairobi",
        email=f"{name}@example.org",
    )
    membership = Membership.objects.create(organization=organization, category=category, admitted_on=DAY1)
    feed.publish(organization)
    return membership


@pytest.fixture
def story(regions, clock):
    """Day 1: Alpha (KE, full), Beta (SE, associate), Gamma (KE, observer) admitted. Day 2: Alpha
    becomes an associate, Gamma is renamed Aardvark and moves to Northern Europe, Beta leaves.
    Read on day 3."""
    clock.at(DAY1, 10)
    alpha = admit("Alpha", country="KE", region=regions["africa-east"], category="full")
    beta = admit("Beta", country="SE", region=regions["europe-north"], category="associate")
    gamma = admit("Gamma", country="KE", region=regions["africa-east"], category="observer")
    clock.at(DAY2, 9)
    with transaction.atomic():
        membership_category_change(membership=alpha, category="associate")
        feed.publish(alpha.organization)
    with transaction.atomic():
        membership_end(membership=beta, on=DAY2, reason=EndReason.WITHDRAWN)
        feed.publish(beta.organization)
    organization = gamma.organization
    organization.name, organization.region = "Aardvark", regions["europe-north"]
    organization.save()
    feed.publish(organization)
    clock.at(DAY3, 12)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "day1", "day2"),
    [
        ({}, ["alpha", "beta", "gamma"], ["gamma", "alpha"]),  # by name: Gamma is Aardvark on day 2
        ({"category": "full"}, ["alpha"], []),
        ({"category": "associate"}, ["beta"], ["alpha"]),
        ({"region": "africa"}, ["alpha", "gamma"], ["alpha"]),
        ({"region": "europe"}, ["beta"], ["gamma"]),
        ({"country": "SE"}, ["beta"], []),
        ({"q": "gamma"}, ["gamma"], []),
        ({"q": "aardvark"}, [], ["gamma"]),
        ({"ordering": "-name"}, ["gamma", "beta", "alpha"], ["alpha", "gamma"]),
        ({"updated_since": DAY2.isoformat()}, [], ["gamma", "alpha"]),  # the category: a membership change
    ],
)
def test_filters_answer_with_the_values_of_that_day(api_client, story, params, day1, day2):
    assert slugs(api_client.get(URL, {**params, "as_of": DAY1.isoformat()})) == day1
    assert slugs(api_client.get(URL, {**params, "as_of": DAY2.isoformat()})) == day2
    assert slugs(api_client.get(URL, {**params, "as_of": DAY3.isoformat()})) == day2  # nothing since
    assert slugs(api_client.get(URL, params)) == day2  # as the live list


def test_the_entry_is_as_it_was_that_day(api_client, story):
    then = api_client.get(f"{URL}gamma/", {"as_of": DAY1.isoformat()}).json()
    now = api_client.get(f"{URL}gamma/").json()
    assert (then["name"], then["region"]["code"], then["category"]) == ("Gamma", "africa-east", "observer")
    assert (now["name"], now["region"]["code"]) == ("Aardvark", "europe-north")
    assert api_client.get(f"{URL}alpha/", {"as_of": DAY1.isoformat()}).json()["category"] == "full"
    assert api_client.get(f"{URL}beta/", {"as_of": DAY1.isoformat()}).status_code == 200
    assert api_client.get(f"{URL}beta/", {"as_of": DAY2.isoformat()}).status_code == 404
    regions = {
        r["code"]: r["affiliate_count"] for r in api_client.get("/api/v1/regions/", {"as_of": DAY1}).json()
    }
    assert (regions["africa"], regions["europe"]) == (2, 1)


def test_cursor_pages_keep_the_date_and_walk_it_both_ways(api_client, story):
    first = api_client.get(URL, {"as_of": DAY1.isoformat(), "page_size": 1}).json()
    assert "as_of=2026-03-02" in first["next"]
    second = api_client.get(first["next"]).json()
    third = api_client.get(second["next"]).json()
    assert [p["results"][0]["slug"] for p in (first, second, third)] == ["alpha", "beta", "gamma"]
    assert third["next"] is None
    back = api_client.get(third["previous"]).json()
    assert [item["slug"] for item in back["results"]] == ["beta"]


def test_csv_as_of_a_date_has_that_days_rows(partner_client, story):
    response = partner_client.get(URL, {"as_of": DAY1.isoformat(), "format": "csv"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].endswith(",email")
    assert [line.split(",")[0] for line in lines[1:]] == ["alpha", "beta", "gamma"]
    assert lines[1].endswith(",full,2026-03-02,true,2026-03-02T10:00:00Z,,Alpha@example.org")  # no Latin name


def test_the_etag_differs_between_dates_and_a_repeat_is_304(api_client, story):
    day1 = api_client.get(URL, {"as_of": DAY1.isoformat()})
    day2 = api_client.get(URL, {"as_of": DAY2.isoformat()})
    assert day1["ETag"] != day2["ETag"]
    again = api_client.get(URL, {"as_of": DAY1.isoformat()}, HTTP_IF_NONE_MATCH=day1["ETag"])
    assert again.status_code == 304
    detail = api_client.get(f"{URL}gamma/", {"as_of": DAY1.isoformat()})
    assert (
        api_client.get(f"{URL}gamma/", {"as_of": DAY1}, HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304
    )


# --- dates it cannot answer for -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, f"{URL}alpha/", "/api/v1/regions/"])
@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2026-03-05", "This date is in the future. Use today's date (UTC) or an earlier one."),
        ("2026-03-01", "The registry's records begin on 2026-03-02. Use that date or a later one."),
        ("2026-3-1", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("2026-02-30", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("2026-03-02T00:00:00Z", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("yesterday", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("٢٠٢٦-٠٣-٠٢", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("0000-00-00", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("99999-01-01", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("9999-12-31", "This date is in the future. Use today's date (UTC) or an earlier one."),
        ("0001-01-01", "The registry's records begin on 2026-03-02. Use that date or a later one."),
        ("2026-03-02' OR '1'='1", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("2026-03-02\x00", "Use a date written YYYY-MM-DD, such as 2025-01-31."),
        ("", "This parameter may not be empty; leave it out instead."),
    ],
)
def test_a_date_it_cannot_answer_for_is_a_400_that_says_why(api_client, story, url, as_of, message):
    response = api_client.get(url, {"as_of": as_of})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("invalid", {"as_of": [message]})


def test_a_repeated_as_of_is_a_400(api_client, story):
    response = api_client.get(f"{URL}?as_of=2026-03-02&as_of=2026-03-03")
    assert response.json()["error"]["details"] == {"as_of": ["Give this parameter once."]}


def test_before_any_event_every_date_is_a_400_saying_there_are_no_records(api_client, regions):
    response = api_client.get(URL, {"as_of": "2020-01-01"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "as_of": ["The registry has no records of the directory yet."]
    }


def test_after_a_restore_the_records_begin_again_with_the_restored_directory(api_client, story, clock):
    clock.at(DAY3, 13)
    feed.forget()
    feed.publish_all()
    assert history.first_day() == DAY3
    assert slugs(api_client.get(URL, {"as_of": DAY3.isoformat()})) == ["gamma", "alpha"]
    response = api_client.get(URL, {"as_of": DAY2.isoformat()})
    assert response.json()["error"]["details"]["as_of"] == [
        "The registry's records begin on 2026-03-04. Use that date or a later one."
    ]


# --- the public page ------------------------------------------------------------------------------------------


def names(response) -> list[str]:
    return [org["name"] for group in response.context["groups"] for org in group.rows]


def test_the_directory_page_shows_the_unions_as_they_were_that_day(client, story):
    response = client.get("/directory/", {"as_of": DAY1.isoformat()})
    assert response.status_code == 200
    assert names(response) == ["Alpha", "Gamma", "Beta"]  # Africa, then Europe
    assert "The directory as it was at the end of 2026-03-02 (UTC)." in response.content.decode()
    assert names(client.get("/directory/", {"as_of": DAY1.isoformat(), "country": "KE"})) == [
        "Alpha",
        "Gamma",
    ]
    assert names(client.get("/directory/", {"as_of": DAY2.isoformat()})) == ["Alpha", "Aardvark"]
    good = {"as_of": DAY1.isoformat(), "standing": "good"}
    assert names(client.get("/directory/", good)) == ["Alpha", "Gamma", "Beta"]  # the return is not due yet
    assert names(client.get("/directory/", {**good, "standing": "not"})) == []
    chart = {bar["region"].code: bar["count"] for bar in response.context["chart"]["bars"]}
    assert (chart["africa"], chart["europe"]) == (2, 1)


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2026-03-05", "This date is in the future."),
        ("2026-03-01", "The registry&#x27;s records begin on 2026-03-02."),
        ("someday", "Use a date written YYYY-MM-DD"),
    ],
)
def test_the_directory_page_refuses_a_date_it_cannot_answer_for_with_a_form_error(
    client, story, as_of, message
):
    response = client.get("/directory/", {"as_of": as_of})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors["as_of"]


def test_a_day_ends_at_midnight_utc(api_client, regions, clock):
    clock.moment = datetime.datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=datetime.UTC)
    membership = admit("Alpha", country="KE", region=regions["africa-east"], category="full")
    clock.moment = datetime.datetime(2026, 3, 3, 0, 0, tzinfo=datetime.UTC)
    with transaction.atomic():
        membership_category_change(membership=membership, category="observer")
        feed.publish(membership.organization)
    clock.at(DAY3, 1)
    categories = [
        api_client.get(f"{URL}alpha/", {"as_of": day.isoformat()}).json()["category"] for day in (DAY1, DAY2)
    ]
    assert categories == ["full", "observer"]
    # 2026-03-03 00:30 in Nairobi (UTC+3) is still 2 March in UTC: the registry's day.
    assert settings.TIME_ZONE == "UTC"
