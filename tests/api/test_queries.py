"""The list is the hot path: a fixed number of queries whatever the page size and table size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import bulk_affiliates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _query_path(settings):
    """These count the query path: the response cache is off (tests/api/test_response_cache.py counts
    a cached answer, and the one query more of a miss)."""
    settings.DIRECTORY_RESPONSE_CACHE = False


URL = "/api/v1/affiliates/"
EVERY_FILTER = {
    "region": "africa",
    "country": "KE",
    "category": "full",
    "q": "union nairobi",
    "updated_since": "2000-01-01",
    "ordering": "-admitted_on",
}


@pytest.fixture(params=[5, 700], ids=["5-affiliates", "700-affiliates"])
def table(request, regions):
    bulk_affiliates(request.param, region=regions["africa-east"])
    bulk_affiliates(20, region=regions["europe-north"], country="SE")
    return request.param


@pytest.mark.parametrize("page_size", [1, 500])
def test_anonymous_list_costs_three_queries_with_every_filter(
    api_client, table, page_size, django_assert_num_queries
):
    params = {**EVERY_FILTER, "page_size": page_size}

    # region code → region; region tree → ids with sub-regions; the page itself.
    with django_assert_num_queries(3) as first:
        body = api_client.get(URL, params).json()
    assert len(body["results"]) == min(page_size, table)
    if body["next"]:  # a page after a cursor costs the same
        with django_assert_num_queries(3):
            assert api_client.get(body["next"]).status_code == 200
    assert not any("COUNT(" in query["sql"].upper() for query in first.captured_queries)


@pytest.mark.parametrize("page_size", [1, 500])
def test_anonymous_list_without_region_costs_one_query(
    api_client, table, page_size, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = api_client.get(URL, {"page_size": page_size, "ordering": "updated_at"})

    assert response.status_code == 200


@pytest.mark.parametrize("page_size", [1, 500])
def test_partner_list_costs_one_more_query_for_the_key(
    partner_client, table, page_size, django_assert_num_queries
):
    with django_assert_num_queries(4):
        response = partner_client.get(URL, {**EVERY_FILTER, "page_size": page_size})

    assert "email" in response.json()["results"][0]


def test_detail_and_regions_query_counts(api_client, table, django_assert_num_queries):
    slug = api_client.get(URL, {"page_size": 1}).json()["results"][0]["slug"]

    with django_assert_num_queries(1):
        assert api_client.get(f"{URL}{slug}/").status_code == 200
    with django_assert_num_queries(3):  # the region tree, then affiliate counts (two queries)
        assert api_client.get("/api/v1/regions/").status_code == 200


def test_csv_reads_rows_in_one_query(api_client, table):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(URL, {**EVERY_FILTER, "format": "csv"})
        lines = b"".join(response.streaming_content).splitlines()

    assert len(lines) == table + 1
    if connection.vendor == "sqlite":
        assert len(captured.captured_queries) == 3


# --- the directory as of a date (registry.history): one query more, for when the records begin ---------


@pytest.fixture
def published(table):
    from registry import feed
    from registry.selectors import today

    feed.publish_all()
    return today().isoformat()


@pytest.mark.parametrize("page_size", [1, 500])
def test_as_of_list_costs_two_queries_and_four_with_every_filter(
    api_client, table, published, page_size, django_assert_num_queries
):
    # When the records begin; the page.
    with django_assert_num_queries(2):
        body = api_client.get(URL, {"as_of": published, "page_size": page_size}).json()
    assert len(body["results"]) == min(page_size, table + 20)
    if body["next"]:  # a page after a cursor costs the same
        with django_assert_num_queries(2):
            assert api_client.get(body["next"]).status_code == 200
    # Region code → region; when the records begin; region tree; the page.
    with django_assert_num_queries(4) as first:
        body = api_client.get(URL, {**EVERY_FILTER, "as_of": published, "page_size": page_size}).json()
    assert body["results"] == api_client.get(URL, {**EVERY_FILTER, "page_size": page_size}).json()["results"]
    assert not any("COUNT(" in query["sql"].upper() for query in first.captured_queries)


def test_as_of_detail_regions_and_csv_query_counts(api_client, table, published, django_assert_num_queries):
    slug = api_client.get(URL, {"page_size": 1}).json()["results"][0]["slug"]
    with django_assert_num_queries(2):  # when the records begin; the entry
        assert api_client.get(f"{URL}{slug}/", {"as_of": published}).status_code == 200
    with django_assert_num_queries(4):  # when the records begin; the region tree; counts; the parents
        assert api_client.get("/api/v1/regions/", {"as_of": published}).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(URL, {**EVERY_FILTER, "as_of": published, "format": "csv"})
        lines = b"".join(response.streaming_content).splitlines()
    assert len(lines) == table + 1
    if connection.vendor == "sqlite":
        assert len(captured) == 4  # region, when the records begin, region tree, the rows
