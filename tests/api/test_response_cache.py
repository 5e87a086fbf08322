"""The partner API's response cache (``registry.directory_cache``): a repeated query is one lookup, a
change is answered as soon as it is committed, and partners and anonymous readers never share an entry."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry import directory_cache, feed
from registry.models import MembershipCategory, Region
from registry.selectors import today
from registry.services import representative_add_first
from tests.cast import application_in
from tests.factories import MembershipFactory, applicant_user, secretariat_user
from workflows import membership as member_services
from workflows import motions
from workflows.models import MotionKind

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


@pytest.fixture
def union(regions):
    """An affiliate in the feed (as the daily sweep leaves it), and its representative."""
    membership = MembershipFactory(
        organization__slug="knus",
        organization__name="Kenya National Union of Students",
        organization__region=regions["africa-east"],
        organization__country="KE",
        category=MembershipCategory.FULL,
        admitted_on=datetime.date(2019, 3, 1),
    )
    representative = applicant_user()
    representative_add_first(organization=membership.organization, user=representative)
    feed.publish_all()
    return membership, representative


def listed(client, **params) -> dict[str, dict]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {item["slug"]: item for item in response.json()["results"]}


def queries_of(client, path: str, **headers) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    return len(captured), response.content


# --- a change is answered at once --------------------------------------------------------------------------


def test_an_admission_is_listed_as_soon_as_it_is_committed(cast, api_client, union):
    assert set(listed(api_client)) == {"knus"}

    application = application_in("admitted", cast)

    assert set(listed(api_client)) == {"knus", application.organization.slug}


def test_a_rename_is_answered_at_once_in_the_list_and_the_page(api_client, union):
    membership, representative = union
    organization = membership.organization
    assert listed(api_client)["knus"]["name"] == "Kenya National Union of Students"
    assert api_client.get(f"{URL}knus/").json()["name"] == "Kenya National Union of Students"

    request = member_services.change_request_submit(
        organization=organization, actor=representative, changes={"name": "Kenya Students' Union"}
    )
    member_services.change_request_approve(change_request=request, actor=secretariat_user())

    assert listed(api_client)["knus"]["name"] == "Kenya Students' Union"
    assert api_client.get(f"{URL}knus/").json()["name"] == "Kenya Students' Union"


def test_a_category_change_is_answered_at_once(cast, api_client, union):
    membership, _ = union
    assert listed(api_client, category="associate") == {}
    assert listed(api_client)["knus"]["category"] == "full"

    motion = motions.motion_propose(
        membership=membership,
        actor=cast.secretariat,
        kind=MotionKind.CHANGE_CATEGORY,
        category=MembershipCategory.ASSOCIATE,
        reason="The union asked to become an associate member.",
    )
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    for member in cast.committee:
        motion.refresh_from_db()
        motions.motion_vote_cast(motion=motion, member=member, choice="yes")

    assert listed(api_client)["knus"]["category"] == "associate"
    assert set(listed(api_client, category="associate")) == {"knus"}


def test_a_new_region_and_a_renamed_one_without_affiliates_are_listed_at_once(api_client, union, regions):
    # Neither changes an affiliate's entry, so the feed records nothing: the version reads the regions.
    before = feed.last_seq()
    codes = [item["code"] for item in api_client.get("/api/v1/regions/").json()]
    Region.objects.create(code="antarctica", name="Antarctica")
    oceania = next(region for region in regions.values() if region.code.startswith("oceania"))
    Region.objects.filter(pk=oceania.pk).update(name="Pacific")

    after = {item["code"]: item["name"] for item in api_client.get("/api/v1/regions/").json()}

    assert feed.last_seq() == before
    assert "antarctica" not in codes
    assert after["antarctica"] == "Antarctica"
    assert after[oceania.code] == "Pacific"


class Undone(Exception):
    pass


def renamed_then_undone(region: Region) -> None:
    with transaction.atomic():
        Region.objects.filter(pk=region.pk).update(name_tr="Antarktika")
        raise Undone


def test_every_committed_statement_on_the_regions_changes_the_version_and_an_undone_one_does_not(regions):
    # On PostgreSQL a trigger counts the statements in a one-row table; on SQLite the regions are read.
    versions = [directory_cache.directory_version()]
    region = Region.objects.create(code="antarctica", name="Antarctica")
    versions.append(directory_cache.directory_version())
    Region.objects.filter(pk=region.pk).update(name_fr="Antarctique")
    versions.append(directory_cache.directory_version())
    with pytest.raises(Undone):
        renamed_then_undone(region)
    unchanged = directory_cache.directory_version()
    Region.objects.filter(pk=region.pk).delete()
    versions.append(directory_cache.directory_version())

    assert unchanged == versions[2]
    assert versions[0] != versions[1] != versions[2] != versions[3]  # each next to the one before


def test_the_day_is_part_of_the_version(union, monkeypatch):
    today = directory_cache.directory_version()
    monkeypatch.setattr(directory_cache, "today", lambda: datetime.date(2099, 1, 1))

    assert directory_cache.directory_version() != today


# --- what a hit costs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        URL + "?page_size=20",
        URL + "?region=africa&category=full&q=kenya&ordering=-admitted_on",
        URL + "knus/",
        "/api/v1/regions/",
        URL + f"?as_of={today().isoformat()}",
    ],
)
def test_a_hit_costs_one_query_and_a_miss_one_more_than_the_query_path(api_client, union, path, settings):
    settings.DIRECTORY_RESPONSE_CACHE = False
    uncached, body = queries_of(api_client, path)
    settings.DIRECTORY_RESPONSE_CACHE = True

    missed, missed_body = queries_of(api_client, path)
    hit, hit_body = queries_of(api_client, path)

    assert (missed, hit) == (uncached + 1, 1)  # the version, read before the answer is computed
    assert hit_body == missed_body == body


def test_a_partners_hit_costs_two_queries_its_key_and_the_version(partner_client, union):
    missed, body = queries_of(partner_client, URL)
    hit, again = queries_of(partner_client, URL)

    assert (missed, hit) == (3, 2)
    assert again == body


# --- variants never mixed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("partner_first", [True, False], ids=["partner-first", "anonymous-first"])
def test_partners_and_anonymous_readers_never_share_an_entry(
    api_client, partner_client, union, partner_first
):
    order = [partner_client, api_client] if partner_first else [api_client, partner_client]
    for client in order * 2:
        for path in (URL, f"{URL}knus/"):
            body = client.get(path).json()
            item = body["results"][0] if path == URL else body
            assert ("email" in item) is (client is partner_client), (path, item)
    assert api_client.get(URL)["ETag"] != partner_client.get(URL)["ETag"]


def test_each_language_has_its_own_entry(api_client, union):
    names = {
        language: api_client.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE=language).json()[0]["name"]
        for language in ("fr", "en", "fr", "en")
    }
    assert names == {"fr": "Afrique", "en": "Africa"}


def test_errors_and_csv_are_not_cached(api_client, union, regions):
    assert api_client.get(f"{URL}tz-union/").status_code == 404
    assert api_client.get(URL, {"country": "XX"}).status_code == 400
    MembershipFactory(organization__slug="tz-union", organization__region=regions["africa-east"])
    feed.publish_all()

    assert api_client.get(f"{URL}tz-union/").status_code == 200
    for _ in range(2):
        response = api_client.get(URL, {"format": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        assert len(b"".join(response.streaming_content).splitlines()) == 3
        response = api_client.get(URL, HTTP_ACCEPT="text/csv")
        assert len(b"".join(response.streaming_content).splitlines()) == 3


# --- ETag and throttling -----------------------------------------------------------------------------------


def test_the_etag_names_the_version_and_the_request(cast, api_client, union):
    first = api_client.get(URL)
    hit = api_client.get(URL)
    other = api_client.get(URL, {"page_size": 5})
    again = api_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    application_in("admitted", cast)
    changed = api_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])

    assert hit["ETag"] == first["ETag"] != other["ETag"]
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_cached_answers_still_count_against_the_rate_limit(api_client, partner_client, union, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "partner": "2/min"},
    }

    assert [api_client.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [partner_client.get(URL).status_code for _ in range(3)] == [200, 200, 429]


# --- aggregates cached by version ----------------------------------------------------------------------


def test_cached_for_version_computes_once_per_version(cast, union):
    calls = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    first = directory_cache.cached_for_version("test-count", count)
    again = directory_cache.cached_for_version("test-count", count)
    application_in("admitted", cast)
    after = directory_cache.cached_for_version("test-count", count)

    assert (first, again, after) == (1, 1, 2)


def test_a_repeat_is_answered_from_the_process_memory_without_the_shared_cache(api_client, union):
    first = api_client.get(URL)
    cache.clear()  # the shared cache forgets; the process still holds the answer under the same version

    with CaptureQueriesContext(connection) as captured:
        again = api_client.get(URL)

    assert again.content == first.content
    assert len(captured) == 1


def test_the_process_memory_keeps_only_its_limit_newest_first(api_client, union, settings):
    settings.DIRECTORY_CACHE_LOCAL_BYTES = len(api_client.get(URL).content) + 10
    api_client.get(f"{URL}knus/")  # pushes the list out of the process's memory
    cache.clear()

    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(URL).status_code == 200

    assert len(captured) > 1  # computed again: neither cache had it
