"""The list's page query computes good standing only for the rows of the page (PostgreSQL's plans).

PostgreSQL may run an ``EXISTS`` of the select list as one hashed scan of every membership when it
expects to compute it for every row of the table (its estimate ignores the ``LIMIT``): the first page
at 100,000 organizations then costs a hundred times the one at 1,000. The subquery must run once per
row fetched: ``page_size + 1`` times.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import bulk_affiliates

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

URL = "/api/v1/affiliates/"
PAGE_SIZE = 10


def page_plan(api_client, params: dict) -> dict:
    """The plan, as PostgreSQL ran it, of the request's page query (its last query)."""
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(URL, params).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + captured.captured_queries[-1]["sql"])
        (plan,) = cursor.fetchone()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def subplans(node: dict):
    for child in node.get("Plans", []):
        if child.get("Parent Relationship") == "SubPlan":
            yield child
        else:
            yield from subplans(child)


@pytest.fixture
def affiliates(regions):
    bulk_affiliates(700, region=regions["africa-east"])
    bulk_affiliates(300, region=regions["europe-north"], country="SE")


@pytest.mark.parametrize(
    "params",
    [{}, {"ordering": "-name"}, {"region": "europe"}, {"ordering": "admitted_on"}],
    ids=["first-page", "descending", "region", "admitted-on"],
)
def test_good_standing_is_computed_for_the_rows_of_the_page_only(api_client, affiliates, params):
    params = {**params, "page_size": PAGE_SIZE}
    plan = page_plan(api_client, params)
    # A cursor page deep in the list, too.
    following = api_client.get(URL, params).json()["next"]
    (cursor,) = parse_qs(urlsplit(following).query)["cursor"]
    deep_plan = page_plan(api_client, {**params, "cursor": cursor})

    for found in (plan, deep_plan):
        assert found["Actual Rows"] == PAGE_SIZE + 1
        standing = list(subplans(found))
        assert standing, "the page query has no subquery: where is good standing?"
        assert all(node["Actual Loops"] == PAGE_SIZE + 1 for node in standing)
