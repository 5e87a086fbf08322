"""The public directory a page at a time (``registry.directory_pages``): the order the page shows
(top-level region, name ignoring case, id), walked forwards and backwards with a signed cursor that
keeps the filters; counts of the whole list; a forged cursor answers 400; queries that do not grow
with the affiliates."""

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.pagination import Cursor
from api.pagination import encode_cursor as api_cursor
from registry import feed
from registry.directory_pages import _SALT, DirectoryCursor, encode_cursor
from registry.models import DirectoryEvent, Membership, MembershipState, Organization
from tests.factories import MembershipFactory
from tests.registry.bulk import bulk_members

pytestmark = pytest.mark.django_db

# Queries of one page, whatever the number of affiliates (measured, then pinned), when the aggregates
# are not cached yet (after an event of the feed): the regions, the registry's version (the feed's
# last event number), the aggregates (per country: the map and the form's countries; per region: the
# chart), the form's region choices, the page's rows, their good standing; filtered, the region asked
# for and the counts of the rows that match (its sub-regions, one grouped query); as of a date, the
# first day of the records and the counts per region and per country then (the chart's do not count
# a region deleted since). The aggregates cached, two fewer (``test_the_aggregates_...``).
PAGE_QUERIES = {
    "today": 8,
    "today, filtered": 11,
    "today, a later page": 8,
    "as of today": 12,
    "as of today, filtered": 15,
}
CACHED_AGGREGATES_SAVE = 2


def _member(name: str, region, *, country: str = "KE", **kwargs):
    return MembershipFactory(
        organization__name=name, organization__region=region, organization__country=country, **kwargs
    ).organization


@pytest.fixture
def unions(regions):
    """Seven affiliates over two top-level regions (names in mixed case) and one that is not one."""
    for name, region, country in [
        ("beta Union", "africa-east", "KE"),
        ("Alpha Union", "africa-west", "GH"),
        ("Delta Union", "africa-east", "KE"),
        ("charlie Union", "africa-west", "NG"),
        ("Echo Union", "europe-north", "SE"),
        ("foxtrot Union", "europe-north", "IE"),
        ("Golf Union", "europe-north", "SE"),
    ]:
        _member(name, regions[region], country=country)
    _member("Suspended Union", regions["africa-east"], state=MembershipState.SUSPENDED)


def _names(response) -> list[str]:
    return [row["name"] for group in response.context["groups"] for row in group.rows]


def _follow(client, link: str):
    """The page a "Next" or "Previous" link leads to (a query string on the directory's path)."""
    assert link.startswith("?")
    return client.get("/directory/", {key: value for key, (value,) in parse_qs(urlsplit(link).query).items()})


EVERY_ONE = [
    "Alpha Union",
    "beta Union",
    "charlie Union",
    "Delta Union",  # Africa, by name ignoring case
    "Echo Union",
    "foxtrot Union",
    "Golf Union",  # then Europe
]


def test_next_walks_every_affiliate_once_in_the_page_s_order_and_previous_walks_back(
    client, unions, settings
):
    settings.DIRECTORY_PAGE_SIZE = 3
    pages = [client.get("/directory/")]
    while pages[-1].context["next_page"]:
        pages.append(_follow(client, pages[-1].context["next_page"]))

    assert [_names(page) for page in pages] == [EVERY_ONE[0:3], EVERY_ONE[3:6], EVERY_ONE[6:]]
    assert pages[0].context["previous_page"] is None
    assert all(page.context["total"] == 7 for page in pages)

    back = [pages[-1]]
    while back[-1].context["previous_page"]:
        back.append(_follow(client, back[-1].context["previous_page"]))
    assert [_names(page) for page in reversed(back)] == [_names(page) for page in pages]


def test_a_page_that_goes_on_with_a_region_heads_it_continued_with_the_region_s_count(
    client, unions, settings
):
    settings.DIRECTORY_PAGE_SIZE = 3
    first = client.get("/directory/")
    second = _follow(client, first.context["next_page"])

    assert [(g.region.code, g.count, g.continued) for g in first.context["groups"]] == [("africa", 4, False)]
    assert [(g.region.code, len(g.rows), g.count, g.continued) for g in second.context["groups"]] == [
        ("africa", 1, 4, True),
        ("europe", 2, 3, False),
    ]
    html = second.content.decode()
    assert "Africa (continued)" in html
    assert "7 member unions" in html
    # Back from the third page: the first row of the second page is still Africa's, continued.
    back = _follow(client, _follow(client, second.context["next_page"]).context["previous_page"])
    assert _names(back) == _names(second)
    assert back.context["groups"][0].continued


def test_the_links_keep_the_filters(client, unions, settings):
    settings.DIRECTORY_PAGE_SIZE = 1
    response = client.get("/directory/", {"q": "union", "region": "africa", "country": "KE", "standing": ""})

    assert _names(response) == ["beta Union"]
    assert response.context["total"] == 2
    link = parse_qs(urlsplit(response.context["next_page"]).query)
    assert {key: value for key, value in link.items() if key != "cursor"} == {
        "q": ["union"],
        "region": ["africa"],
        "country": ["KE"],
    }
    following = _follow(client, response.context["next_page"])
    assert _names(following) == ["Delta Union"]
    assert following.context["next_page"] is None
    assert _names(_follow(client, following.context["previous_page"])) == ["beta Union"]
    assert 'rel="next"' in response.content.decode()


def test_the_search_form_starts_again_from_the_first_page(client, unions, settings):
    settings.DIRECTORY_PAGE_SIZE = 3
    second = _follow(client, client.get("/directory/").context["next_page"])
    html = second.content.decode()
    assert 'name="cursor"' not in html  # the form does not carry the cursor to a new search


def test_the_directory_as_of_a_date_is_paged_the_same_way(client, unions, settings):
    feed.publish_all()
    settings.DIRECTORY_PAGE_SIZE = 4
    today = client.get("/directory/").context["groups"][0].rows[0]["slug"]
    first = client.get("/directory/", {"as_of": _today()})
    second = _follow(client, first.context["next_page"])

    assert _names(first) + _names(second) == EVERY_ONE
    assert first.context["groups"][0].rows[0]["slug"] == today
    assert "as_of" in parse_qs(urlsplit(first.context["next_page"]).query)
    assert second.context["next_page"] is None
    assert [(g.region.code, g.count) for g in second.context["groups"]] == [("europe", 3)]
    assert second.context["total"] == 7
    assert _names(_follow(client, second.context["previous_page"])) == EVERY_ONE[:4]


def _today() -> str:
    from registry.selectors import today

    return today().isoformat()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",  # no cursor at all: the first page
        signing.dumps(["Africa", "alpha union", 1, 0], salt="another.salt"),
        signing.dumps(["Africa", "alpha union", -1, 0], salt=_SALT),
        signing.dumps(["Africa", "alpha union", "1", 0], salt=_SALT),
        signing.dumps(["Africa", 5, 1, 0], salt=_SALT),
        signing.dumps(["Africa", "alpha union", 1], salt=_SALT),
        signing.dumps({"region": "Africa"}, salt=_SALT),
        api_cursor(Cursor(ordering="name", value="Alpha Union", pk=1)),
        encode_cursor(DirectoryCursor("Africa", "alpha union", 1))[:-3] + "xyz",
        "x" * 5000,
    ],
)
def test_a_malformed_or_forged_cursor_is_a_form_error_400(client, unions, cursor):
    response = client.get("/directory/", {"cursor": cursor, "q": "union"})
    if cursor == "":
        assert response.status_code == 200
        return
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error" id="cursor-error"' in html
    assert response.context["groups"] == []


def _queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/directory/", params)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


CASES = {
    "today": {},
    "today, filtered": {"q": "bulk", "region": "africa", "country": "KE", "standing": "good"},
    "today, a later page": {"cursor": encode_cursor(DirectoryCursor("Africa", "bulk union 1", 1))},
    "as of today": {"as_of": "TODAY"},
    "as of today, filtered": {"as_of": "TODAY", "q": "bulk", "region": "africa", "country": "KE"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_page_costs_the_same_queries_for_10_and_250_affiliates(client, regions, case):
    params = {key: _today() if value == "TODAY" else value for key, value in CASES[case].items()}
    bulk_members(10, regions)
    feed.publish_all()
    at_10 = _queries(client, params)
    bulk_members(240, regions, start=10)
    feed.publish_all()
    at_250 = _queries(client, params)
    response = client.get("/directory/", params)

    assert at_10 == at_250 == PAGE_QUERIES[case]
    if case == "today":
        assert len(_names(response)) == 100
        assert response.context["total"] == 250
        assert "250 member unions" in response.content.decode()


def test_as_of_a_date_a_region_deleted_since_is_headed_by_the_name_its_entries_recorded(client, unions):
    feed.publish_all()
    echo = DirectoryEvent.objects.get(entry__isnull=False, name="Echo Union")
    DirectoryEvent.objects.filter(pk=echo.pk).update(region_id=10**6)  # no such region any more

    response = client.get("/directory/", {"as_of": _today()})

    assert [
        (g.region.code, [row["name"] for row in g.rows], g.count) for g in response.context["groups"]
    ] == [
        ("africa", EVERY_ONE[:4], 4),
        ("europe", ["foxtrot Union", "Golf Union"], 2),
        (echo.entry["region__code"], ["Echo Union"], 1),
    ]
    assert echo.entry["region__name"] in response.content.decode()
    assert response.context["total"] == 7


def test_a_page_whose_rows_have_gone_still_leads_on_with_the_row_of_its_link(client, unions, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    second = _follow(client, client.get("/directory/").context["next_page"])
    third = _follow(client, second.context["next_page"])
    assert (_names(second), _names(third)) == (EVERY_ONE[2:4], EVERY_ONE[4:6])

    def end(*names):
        Membership.objects.filter(organization__name__in=names).update(state=MembershipState.SUSPENDED)

    end("Alpha Union", "beta Union")
    gone_before = _follow(client, second.context["previous_page"])
    assert _names(gone_before) == []
    assert gone_before.context["previous_page"] is None
    assert _names(_follow(client, gone_before.context["next_page"])) == EVERY_ONE[2:4]

    end("Echo Union", "foxtrot Union", "Golf Union")
    gone_after = _follow(client, second.context["next_page"])
    assert _names(gone_after) == []
    assert gone_after.context["next_page"] is None
    assert _names(_follow(client, gone_after.context["previous_page"])) == EVERY_ONE[2:4]


def _chart(response) -> dict[str, int]:
    return {bar["region"].code: bar["count"] for bar in response.context["chart"]["bars"]}


def _countries(response) -> list[str]:
    return [code for code, _name in response.context["form"].fields["country"].choices if code]


def test_the_aggregates_are_read_from_the_cache_until_the_directory_changes(client, unions, regions):
    feed.publish_all()
    first = _queries(client, {})
    again = client.get("/directory/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/directory/")

    assert len(cached.captured_queries) == first - CACHED_AGGREGATES_SAVE
    assert _chart(again)["europe"] == 3
    assert _countries(again) == ["GH", "IE", "KE", "NG", "SE"]  # by name: Ghana, Ireland, Kenya…
    assert {(c.code, c.count) for c in again.context["world_map"]["linked"]} >= {("KE", 2), ("SE", 2)}

    # An admission, as every writer does it: the change and its event in one transaction.
    with transaction.atomic():
        finland = _member("Hotel Union", regions["europe-north"], country="FI")
        feed.publish(finland)
    with CaptureQueriesContext(connection) as after:
        admitted = client.get("/directory/")

    assert len(after.captured_queries) == first  # a new version: counted again
    assert _chart(admitted)["europe"] == 4
    assert "FI" in _countries(admitted)
    assert admitted.context["total"] == 8
    assert "Hotel Union" in _names(admitted)
    assert _chart(client.get("/directory/", {"country": "FI"}))["europe"] == 4


def test_a_union_moved_to_another_country_is_counted_there_at_once(client, unions):
    feed.publish_all()
    client.get("/directory/")
    echo = Organization.objects.get(name="Echo Union")
    echo.country = "NO"
    echo.name = "Echo Union of Norway"
    with transaction.atomic():
        echo.save()
        feed.publish(echo)

    response = client.get("/directory/")
    assert "NO" in _countries(response)
    assert "Echo Union of Norway" in _names(response)
    assert {(c.code, c.count) for c in response.context["world_map"]["linked"]} >= {("NO", 1), ("SE", 1)}


def test_the_cached_counts_per_region_are_the_selector_s(unions, regions):
    from registry.directory_pages import counts_by_region, directory_aggregates
    from registry.selectors import affiliate_counts_by_region, region_tree

    assert counts_by_region(directory_aggregates(), region_tree()) == affiliate_counts_by_region()


@pytest.mark.parametrize("filters", [{}, {"region": "africa"}])
def test_each_region_walked_by_its_index_gives_the_sorted_pages(unions, regions, filters):
    """On PostgreSQL a page of today's directory is one part per region merged (SQLite: sorted)."""
    from registry.directory_pages import (
        directory_page,
        directory_rows,
        directory_rows_by_region,
    )
    from registry.selectors import region_tree

    _member("alpha union", regions["africa-central"], country="CM")  # the same name, ignoring case
    chosen = {"region": regions[filters["region"]] if filters else None, "country": None}
    chosen.update(search=None, good_standing=None)
    rows, parts = directory_rows(chosen), directory_rows_by_region(chosen, region_tree())
    assert (parts is not None) == (connection.vendor == "postgresql")
    assert directory_rows_by_region({**chosen, "country": "KE"}, region_tree()) is None

    forwards = [
        DirectoryCursor("Africa", "alpha union", 0),
        DirectoryCursor("Africa", "delta union", 0),
        DirectoryCursor("Europe", "echo union", 10**6),
    ]
    cursors = [None, *forwards, *(replace(cursor, backwards=True) for cursor in forwards)]
    for cursor in cursors:
        walked = directory_page(rows, cursor=cursor, size=2, parts=parts)
        assert walked == directory_page(rows, cursor=cursor, size=2), cursor
