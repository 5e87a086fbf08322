"""Keyset pagination of the affiliate list: complete, in order, stable while rows change."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from api.pagination import Cursor, encode_cursor
from registry.models import Organization
from tests.api.conftest import bulk_affiliates

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


def walk(client, url, params=None, *, on_page=None, direction="next"):
    """Every page from ``url`` following ``direction`` links; returns the slugs in order."""
    seen, pages = [], 0
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(item["slug"] for item in body["results"])
        pages += 1
        if on_page:
            on_page(pages)
        if not body[direction]:
            return seen, pages, body
        response = client.get(body[direction])


def db_order(ordering: str) -> list[str]:
    field = ordering.lstrip("-")
    if field == "admitted_on":
        field = "memberships__admitted_on"
    keys = [field, "id"] if not ordering.startswith("-") else [f"-{field}", "-id"]
    return list(Organization.objects.order_by(*keys).values_list("slug", flat=True))


def test_cursor_walk_returns_each_of_1234_affiliates_once_in_order(api_client, regions):
    bulk_affiliates(
        1234, region=regions["africa-east"], name=lambda i: f"Union {i % 617:04d}"
    )  # pairs share a name

    seen, pages, _last = walk(api_client, URL, {"page_size": 100})

    assert pages == 13
    assert len(seen) == 1234
    assert seen == db_order("name")


def test_cursor_walk_is_stable_while_affiliates_are_added(api_client, regions):
    originals = {
        o.slug for o in bulk_affiliates(1234, region=regions["africa-east"], name=lambda i: f"M {i:05d}")
    }
    added_early, added_late = [], []

    def add_some(page):
        if page == 4:  # names sorting before the cursor (never shown) and after it (shown once)
            added_early.extend(
                o.slug for o in bulk_affiliates(20, region=regions["africa-east"], name=lambda i: f"A {i}")
            )
            added_late.extend(
                o.slug for o in bulk_affiliates(20, region=regions["africa-east"], name=lambda i: f"Z {i}")
            )

    seen, _pages, _last = walk(api_client, URL, {"page_size": 100}, on_page=add_some)

    assert len(seen) == len(set(seen))
    assert originals <= set(seen)
    assert set(added_late) <= set(seen)
    assert not set(added_early) & set(seen)
    order = {slug: position for position, slug in enumerate(db_order("name"))}
    assert [order[slug] for slug in seen] == sorted(order[slug] for slug in seen)


def test_rows_removed_during_the_walk_skip_nothing_else(api_client, regions):
    organizations = bulk_affiliates(30, region=regions["africa-east"])
    first = api_client.get(URL, {"page_size": 10}).json()
    Organization.objects.get(slug=first["results"][-1]["slug"]).memberships.update(state="suspended")

    rest, _pages, _last = walk(api_client, first["next"])

    assert first["results"][0]["slug"] == organizations[0].slug
    assert [item["slug"] for item in first["results"]] + rest == [o.slug for o in organizations]


@pytest.mark.parametrize("ordering", ["name", "-name", "admitted_on", "-admitted_on", "updated_at"])
def test_every_ordering_walks_forward_and_back_with_ties(api_client, regions, ordering):
    # 61 rows, 5 names, 3 admission dates, 4 update times: ties everywhere; ids decide.
    organizations = bulk_affiliates(
        61, region=regions["africa-east"], name=lambda i: f"Union {i % 5}", admitted_on=None
    )
    for i, organization in enumerate(organizations):
        organization.memberships.update(admitted_on=datetime.date(2020, 1, 1 + i % 3))
        Organization.objects.filter(pk=organization.pk).update(
            updated_at=datetime.datetime(2025, 1, 1, i % 4, 30, 0, 123456, tzinfo=datetime.UTC)
        )

    forward, pages, last = walk(api_client, URL, {"ordering": ordering, "page_size": 7})
    assert pages == 9
    assert forward == db_order(ordering)

    # From the last page, follow `previous` back to the start: the same rows, same pages.
    backward_pages = []
    body = last
    while body["previous"]:
        body = api_client.get(body["previous"]).json()
        backward_pages.append([item["slug"] for item in body["results"]])
    assert [slug for page in reversed(backward_pages) for slug in page] + [
        item["slug"] for item in last["results"]
    ] == forward
    assert all(len(page) == 7 for page in backward_pages)


def test_next_link_keeps_the_filters_and_page_size(api_client, regions):
    bulk_affiliates(5, region=regions["africa-east"])

    body = api_client.get(URL, {"region": "africa", "page_size": 2, "ordering": "-name"}).json()

    query = parse_qs(urlsplit(body["next"]).query)
    assert body["next"].startswith("http://testserver/api/v1/affiliates/?")
    assert query["region"] == ["africa"]
    assert query["page_size"] == ["2"]
    assert query["ordering"] == ["-name"]
    assert query["cursor"]


def test_a_cursor_only_works_with_its_own_ordering(api_client, regions):
    bulk_affiliates(5, region=regions["africa-east"])
    next_url = api_client.get(URL, {"page_size": 2}).json()["next"]

    response = api_client.get(next_url + "&ordering=-admitted_on")

    assert response.status_code == 404
    assert "made for ordering 'name'" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "cursor",
    [
        "",  # empty: first page
        "abc",
        "W10:1tXyZ:abcdefg",
        encode_cursor(Cursor("name", "x", 1))[:-2] + "zz",  # signature altered
    ],
)
def test_forged_or_broken_cursors_point_to_no_page_404(api_client, regions, cursor):
    response = api_client.get(URL, {"cursor": cursor})

    if cursor == "":
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert "cursor is not valid" in response.json()["error"]["message"]


def test_a_signed_cursor_with_a_wrong_value_type_is_404(api_client, regions):
    from django.core import signing

    bad = signing.dumps(["updated_at", "not a date", 1, 0], salt="api.pagination.cursor")

    response = api_client.get(URL, {"cursor": bad, "ordering": "updated_at"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_last_page_has_no_next_and_the_first_no_previous(api_client, regions):
    bulk_affiliates(4, region=regions["africa-east"])

    first = api_client.get(URL, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()

    assert first["previous"] is None
    assert second["next"] is None
    assert second["previous"]
    assert api_client.get(URL, {"page_size": 4}).json()["next"] is None


def test_default_page_size_is_50_and_maximum_500(api_client, regions):
    bulk_affiliates(501, region=regions["africa-east"])

    assert len(api_client.get(URL).json()["results"]) == 50
    assert len(api_client.get(URL, {"page_size": 500}).json()["results"]) == 500
    assert len(api_client.get(URL, {"page_size": 1}).json()["results"]) == 1
