"""A union renamed: the directory as of a day before links to it by the slug it had then, and
those links still lead to it (``registry.history``, "Former slugs")."""

import re

import pytest

from registry import feed
from registry.models import DirectoryEvent, EndReason, Organization
from registry.services import membership_end
from tests.api.test_as_of import DAY1, DAY2, DAY3, URL, Clock, admit

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(DAY1)
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


def rename(organization: Organization, *, name: str, slug: str) -> None:
    organization.name, organization.slug = name, slug
    organization.save()
    feed.publish(organization)


@pytest.fixture
def renamed(regions, clock):
    """Day 1: Gamma (slug gamma) and Alpha admitted. Day 2: Gamma renamed Aardvark (slug aardvark).
    Read on day 3."""
    clock.at(DAY1, 10)
    admit("Alpha", country="KE", region=regions["africa-east"], category="full")
    gamma = admit("Gamma", country="KE", region=regions["africa-east"], category="observer")
    clock.at(DAY2, 9)
    rename(gamma.organization, name="Aardvark", slug="aardvark")
    clock.at(DAY3, 12)
    return gamma


def test_the_list_of_a_day_before_the_rename_shows_the_old_name_and_its_link_works(api_client, renamed):
    then = api_client.get(URL, {"as_of": DAY1.isoformat()}).json()["results"]
    gamma = next(item for item in then if item["name"] == "Gamma")
    assert gamma["slug"] == "gamma"
    # The partner's link to it for that day: answered as it was, one query more than none renamed.
    followed = api_client.get(f"{URL}{gamma['slug']}/", {"as_of": DAY1.isoformat()})
    assert followed.status_code == 200
    assert followed.json() == gamma
    # The same link without the date: to the union under its slug now, the query string kept.
    plain = api_client.get(f"{URL}gamma/?format=json&lang=fr")
    assert plain.status_code == 301
    assert plain["Location"] == f"{URL}aardvark/?format=json&lang=fr"
    assert plain["Cache-Control"] == "max-age=86400"
    assert "ETag" not in plain
    now = api_client.get(plain["Location"])
    assert (now.status_code, now.json()["name"], now.json()["slug"]) == (200, "Aardvark", "aardvark")


def test_either_slug_answers_for_any_day_with_the_slug_of_that_day(api_client, renamed):
    for slug in ("gamma", "aardvark"):
        before = api_client.get(f"{URL}{slug}/", {"as_of": DAY1.isoformat()})
        after = api_client.get(f"{URL}{slug}/", {"as_of": DAY2.isoformat()})
        assert (before.status_code, after.status_code) == (200, 200), slug
        assert (before.json()["slug"], before.json()["name"]) == ("gamma", "Gamma")
        assert (after.json()["slug"], after.json()["name"]) == ("aardvark", "Aardvark")
        # The same answer under either slug, so the same ETag, and a repeat is a 304.
        again = api_client.get(
            f"{URL}{slug}/", {"as_of": DAY1.isoformat()}, HTTP_IF_NONE_MATCH=before["ETag"]
        )
        assert again.status_code == 304
    assert api_client.get(f"{URL}aardvark/")["ETag"] == api_client.get(f"{URL}gamma/", follow=True)["ETag"]


def test_a_slug_not_that_days_costs_five_queries_and_a_former_one_without_a_date_three(
    api_client, renamed, django_assert_num_queries, settings
):
    settings.DIRECTORY_RESPONSE_CACHE = False  # the query path (a miss of the cache reads its version too)
    # the records' first day; the entry under that slug (none); the organization with it now; the
    # organizations listed under it; the entry of those that day
    with django_assert_num_queries(5):
        assert api_client.get(f"{URL}aardvark/", {"as_of": DAY1.isoformat()}).status_code == 200
    with django_assert_num_queries(3):  # the affiliate (none); who was listed as gamma; its slug now
        assert api_client.get(f"{URL}gamma/").status_code == 301


def test_the_directory_page_of_that_day_links_to_the_old_slug_which_leads_to_the_union(client, renamed):
    page = client.get("/directory/", {"as_of": DAY1.isoformat()}).content.decode()
    assert 'href="/directory/gamma/"' in page
    response = client.get("/directory/gamma/")
    assert (response.status_code, response["Location"]) == (301, "/directory/aardvark/")
    followed = client.get(response["Location"])
    assert followed.status_code == 200
    assert followed.context["organization"].name == "Aardvark"
    assert client.get("/directory/no-such-union/").status_code == 404


def test_a_slug_taken_by_another_union_after_a_rename_is_the_new_ones_and_the_old_ones_for_the_past(
    api_client, client, renamed, regions, clock
):
    clock.at(DAY3, 13)
    admit("Gamma", country="SE", region=regions["europe-north"], category="full")  # slug "gamma" again
    now = api_client.get(f"{URL}gamma/")
    assert (now.status_code, now.json()["country"]["code"]) == (200, "SE")
    then = api_client.get(f"{URL}gamma/", {"as_of": DAY1.isoformat()}).json()
    assert (then["name"], then["country"]["code"]) == ("Gamma", "KE")  # the union listed as gamma that day
    assert api_client.get(f"{URL}aardvark/", {"as_of": DAY1.isoformat()}).json() == then
    assert client.get("/directory/gamma/").status_code == 200


def test_a_former_slug_of_a_union_no_longer_listed_or_a_slug_never_listed_is_a_404(
    api_client, renamed, clock
):
    clock.at(DAY3, 14)
    membership_end(membership=renamed, on=DAY3, reason=EndReason.WITHDRAWN)
    feed.publish(renamed.organization)
    for slug in ("gamma", "aardvark", "never-listed"):
        response = api_client.get(f"{URL}{slug}/")
        assert response.status_code == 404, slug
        assert response.json()["error"]["code"] == "not_found"
    # Still answered for the days it was listed, under either slug.
    assert api_client.get(f"{URL}gamma/", {"as_of": DAY2.isoformat()}).json()["slug"] == "aardvark"
    assert api_client.get(f"{URL}never-listed/", {"as_of": DAY2.isoformat()}).status_code == 404


def test_the_change_feed_is_unchanged_by_the_rename_lookups(partner_client, renamed):
    before = partner_client.get("/api/v1/changes/", {"after": 0})
    events = before.json()["results"]
    assert [(e["type"], e["slug"], e["previous_slug"]) for e in events][-1] == (
        "member.updated",
        "aardvark",
        "gamma",
    )
    count = DirectoryEvent.objects.count()
    partner_client.get(f"{URL}gamma/")
    partner_client.get(f"{URL}aardvark/", {"as_of": DAY1.isoformat()})
    assert DirectoryEvent.objects.count() == count
    after = partner_client.get("/api/v1/changes/", {"after": 0}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 304


def test_the_schema_documents_the_redirect(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    detail = schema["paths"]["/api/v1/affiliates/{slug}/"]["get"]
    assert "Location" in detail["responses"]["301"]["headers"]
    assert re.search(r"former slug", detail["description"])
