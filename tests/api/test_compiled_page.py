"""Today's affiliate list keeps its page's SQL and its valid query strings' values between requests,
and shapes a page's rows at once: the answers stay those of a fresh request and of
``affiliate_item``, whatever the rows, the day or the language."""

import datetime
import zoneinfo
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.utils import translation

from api import filters, pagination
from api.renderers import ORJSONRenderer
from api.serializers import affiliate_item, affiliate_page_items
from registry import selectors
from registry.models import Membership, Organization, Region
from tests.api.conftest import bulk_affiliates

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


@pytest.fixture(autouse=True)
def _query_path(settings):
    """The response cache off, and every request starting with nothing kept in this process."""
    settings.DIRECTORY_RESPONSE_CACHE = False
    pagination._affiliate_page_statement.cache_clear()
    filters._known_queries.clear()


def fresh(client, *args, **kwargs):
    """The answer of a process that has kept nothing yet."""
    pagination._affiliate_page_statement.cache_clear()
    filters._known_queries.clear()
    return client.get(*args, **kwargs)


def test_a_repeated_page_is_not_compiled_again_and_reads_the_rows_of_now(
    api_client, regions, django_assert_num_queries
):
    first, *_ = bulk_affiliates(3, region=regions["africa-east"])
    assert len(api_client.get(URL, {"page_size": 2}).json()["results"]) == 2
    Organization.objects.filter(pk=first.pk).update(name="Aardvark Union")
    bulk_affiliates(1, region=regions["europe-north"], country="SE", name=lambda i: "Aaa Union")

    never = AssertionError("compiled again")
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=never), django_assert_num_queries(1):
        body = api_client.get(URL, {"page_size": 2}).json()

    assert [item["name"] for item in body["results"]] == ["Aaa Union", "Aardvark Union"]


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_kept_pages_answer_the_bytes_of_a_fresh_request(api_client, partner_client, regions, language):
    bulk_affiliates(5, region=regions["africa-east"])
    bulk_affiliates(2, region=regions["europe-north"], country="SE")
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    pages = 0
    with mock.patch("django.core.signing.time.time", return_value=1_800_000_000.0):  # the cursors' stamp
        for client in (api_client, partner_client):
            for params in ({"page_size": 3}, {"ordering": "-admitted_on", "country": "KE", "q": "union"}):
                url = f"{URL}?{urlencode(params)}"
                while url:  # every page: compiled, kept, then as a fresh process answers it
                    compiled, kept = client.get(url, **headers), client.get(url, **headers)
                    expected = fresh(client, url, **headers)
                    assert compiled.content == kept.content == expected.content
                    assert kept["ETag"] == expected["ETag"]
                    url, pages = expected.json()["next"], pages + 1
    assert pages == 2 * (3 + 1)


def test_the_page_follows_the_day(api_client, regions, monkeypatch):
    """Good standing is the day's: a page kept on one day is compiled again on the next."""
    (organization,) = bulk_affiliates(1, region=regions["africa-east"])
    day = selectors.today()
    Membership.objects.filter(organization=organization).update(admitted_on=day + datetime.timedelta(days=1))
    monkeypatch.setattr(selectors, "today", lambda: day)
    before = api_client.get(URL).content
    monkeypatch.setattr(selectors, "today", lambda: day + datetime.timedelta(days=1))

    after = api_client.get(URL)

    assert after.content != before
    assert after.content == fresh(api_client, URL).content


def test_a_region_is_looked_up_on_every_request(api_client, regions):
    bulk_affiliates(2, region=regions["africa-east"])
    assert api_client.get(URL, {"region": "africa"}).status_code == 200
    Region.objects.filter(code="africa").update(code="afrique")

    response = api_client.get(URL, {"region": "africa"})

    assert response.status_code == 400
    assert "region" in response.json()["error"]["details"]


def test_a_bad_query_string_is_refused_each_time_in_the_language_of_the_request(api_client, regions):
    english = api_client.get(URL, {"page_size": "0"})
    french = api_client.get(URL, {"page_size": "0"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert english.status_code == french.status_code == 400
    assert english.json() != french.json()
    assert api_client.get(URL, {"page_size": "0"}).json() == english.json()


ROW = {
    "id": 1,
    "slug": "nus-ke",
    "name": "National Union",
    "name_latin": "",
    "acronym": "NU",
    "country": "KE",
    "region__code": "africa-east",
    "region__name": "East Africa",
    "region__name_ar": "شرق أفريقيا",
    "region__name_fr": "",
    "region__name_tr": "Doğu Afrika",
    "city": "Nairobi",
    "website": "https://nu.example.org",
    "email": "office@nu.example.org",
    "category": "full",
    "admitted_on": datetime.date(2001, 2, 3),
    "in_good_standing": 1,
    "updated_at": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
}


@pytest.mark.parametrize("language", ["en", "fr", "ar", "tr", "fr-ca", "sw"])
@pytest.mark.parametrize(
    "updated_at",
    [
        datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        datetime.datetime(2025, 1, 2, 3, 4, 5, 600, tzinfo=datetime.UTC),
        datetime.datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=zoneinfo.ZoneInfo("UTC")),
        datetime.datetime(2025, 1, 2, 6, 4, 5, tzinfo=zoneinfo.ZoneInfo("Africa/Nairobi")),
    ],
    ids=["utc", "microseconds", "zoneinfo-utc", "nairobi"],
)
def test_a_page_renders_each_row_as_affiliate_item(language, updated_at):
    rows = [{**ROW, "updated_at": updated_at}, {**ROW, "country": "TR", "region__code": "europe"}]
    renderer = ORJSONRenderer()
    with translation.override(language):
        for with_email in (False, True):
            page = renderer.render(affiliate_page_items(rows, with_email=with_email))
            expected = renderer.render([affiliate_item(row, with_email=with_email) for row in rows])
            assert page == expected
