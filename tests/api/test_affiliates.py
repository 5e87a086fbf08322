"""GET /api/v1/affiliates/ and /api/v1/affiliates/{slug}/: filters, ordering, fields, errors."""

import datetime

import pytest
from django.utils import timezone

from registry import feed
from registry.models import EndReason, MembershipState, Organization, YearlyReturn
from registry.selectors import federation_year, today
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def affiliate(slug, region, **organization):
    return MembershipFactory(
        organization__slug=slug,
        organization__region=region,
        **{f"organization__{k}": v for k, v in organization.items()},
    ).organization


def test_lists_exactly_the_affiliates(api_client, regions):
    affiliate("active", regions["africa-east"])
    MembershipFactory(
        organization__slug="suspended",
        organization__region=regions["africa-east"],
        state=MembershipState.SUSPENDED,
    )
    MembershipFactory(
        organization__slug="withdrawn",
        organization__region=regions["africa-east"],
        state=MembershipState.ENDED,
        end_reason=EndReason.WITHDRAWN,
        ended_on=datetime.date(2024, 1, 1),
    )
    OrganizationFactory(slug="never-admitted", region=regions["africa-east"])

    assert slugs(api_client.get(URL)) == ["active"]


def test_item_has_the_contract_fields(api_client, regions):
    MembershipFactory(
        category="associate",
        admitted_on=datetime.date(2019, 6, 14),
        organization__slug="knus",
        organization__name="Kenya National Union of Students",
        organization__acronym="KNUS",
        organization__region=regions["africa-east"],
        organization__city="Nairobi",
        organization__website="https://knus.example.org",
    )
    organization = Organization.objects.get(slug="knus")
    YearlyReturn.objects.create(
        membership=organization.memberships.get(), year=federation_year(today()), filed_at=timezone.now()
    )

    body = api_client.get(URL).json()

    assert body["next"] is None
    assert body["previous"] is None
    assert body["results"] == [
        {
            "slug": "knus",
            "name": "Kenya National Union of Students",
            "name_latin": "",
            "acronym": "KNUS",
            "country": {"code": "KE", "name": "Kenya"},
            "region": {"code": "africa-east", "name": "East Africa"},
            "city": "Nairobi",
            "website": "https://knus.example.org",
            "category": "associate",
            "admitted_on": "2019-06-14",
            "in_good_standing": True,
            "updated_at": organization.updated_at.isoformat().replace("+00:00", "Z"),
        }
    ]


@pytest.fixture
def return_overdue(settings):
    """This federation year started 100 days ago and its return was due within 30 days."""
    start = today() - datetime.timedelta(days=100)
    if (start.month, start.day) == (2, 29):
        start -= datetime.timedelta(days=1)
    settings.MEMBERSHIP_YEAR_START = start.strftime("%m-%d")
    settings.RETURN_DUE_DAYS = 30
    return federation_year(today())


def test_good_standing_is_computed_from_the_yearly_return(api_client, regions, return_overdue):
    filed = affiliate("filed", regions["africa-east"]).memberships.get()
    YearlyReturn.objects.create(membership=filed, year=return_overdue, filed_at=timezone.now())
    affiliate("missed", regions["africa-east"])
    recent = affiliate("recent", regions["africa-east"]).memberships.get()
    recent.admitted_on = today() - datetime.timedelta(days=10)  # its first return is not due yet
    recent.save()

    listed = {item["slug"]: item["in_good_standing"] for item in api_client.get(URL).json()["results"]}

    assert listed == {"filed": True, "missed": False, "recent": True}
    assert api_client.get(f"{URL}missed/").json()["in_good_standing"] is False
    assert api_client.get(f"{URL}filed/").json()["in_good_standing"] is True
    lines = b"".join(api_client.get(URL, {"format": "csv"}).streaming_content).decode().splitlines()
    assert "in_good_standing" in lines[0].split(",")
    assert sorted(line.split(",")[lines[0].split(",").index("in_good_standing")] for line in lines[1:]) == [
        "false",
        "true",
        "true",
    ]


def test_region_filter_includes_sub_regions(api_client, regions):
    affiliate("kenya", regions["africa-east"])
    affiliate("ghana", regions["africa-west"], country="GH")
    affiliate("sweden", regions["europe-north"], country="SE")

    assert sorted(slugs(api_client.get(URL, {"region": "africa"}))) == ["ghana", "kenya"]
    assert slugs(api_client.get(URL, {"region": "africa-west"})) == ["ghana"]
    assert slugs(api_client.get(URL, {"region": "europe"})) == ["sweden"]
    assert slugs(api_client.get(URL, {"region": "north-america"})) == []


def test_country_filter_takes_an_iso_code_in_capitals_as_the_schema_lists_them(api_client, regions):
    affiliate("kenya", regions["africa-east"])
    affiliate("ghana", regions["africa-west"], country="GH")

    assert slugs(api_client.get(URL, {"country": "GH"})) == ["ghana"]
    refused = api_client.get(URL, {"country": "gh"})
    assert refused.status_code == 400
    assert list(refused.json()["error"]["details"]) == ["country"]


def test_category_filter(api_client, regions):
    for category in ["full", "associate", "observer"]:
        MembershipFactory(
            category=category, organization__slug=category, organization__region=regions["europe-west"]
        )

    for category in ["full", "associate", "observer"]:
        assert slugs(api_client.get(URL, {"category": category})) == [category]


@pytest.mark.parametrize(
    "query",
    [
        "Universite",
        "université",
        "UNIVERSITÉ",
        "felix houphouet",
        "Félix  HOUPHOUËT-boigny",
        "ufhb",
        "abidjan",
        "ABIDJÁN",
    ],
)
def test_search_ignores_case_and_accents_in_name_acronym_and_city(api_client, regions, query):
    affiliate(
        "ufhb",
        regions["africa-west"],
        country="CI",
        name="Université Félix Houphouët-Boigny",
        acronym="UFHB",
        city="Abidjan",
    )
    affiliate("other", regions["africa-east"], name="Kenya Students", acronym="KS", city="Nairobi")

    assert slugs(api_client.get(URL, {"q": query})) == ["ufhb"]


def test_search_needs_every_word_and_finds_the_starts_of_words(api_client, regions):
    affiliate("zagreb", regions["europe-south"], country="HR", name="Hrvatski studentski zbor", city="Zagreb")
    affiliate("split", regions["europe-south"], country="HR", name="Studentski zbor Split", city="Split")

    assert slugs(api_client.get(URL, {"q": "zbor zagreb"})) == ["zagreb"]
    assert sorted(slugs(api_client.get(URL, {"q": "STUDENT"}))) == ["split", "zagreb"]
    assert slugs(api_client.get(URL, {"q": "tudentski"})) == []  # not inside a word
    assert slugs(api_client.get(URL, {"q": "100%"})) == []
    assert sorted(slugs(api_client.get(URL, {"q": "   "}))) == ["split", "zagreb"]


def test_search_follows_renames(api_client, regions):
    organization = affiliate("renamed", regions["africa-east"], name="Old Name")
    organization.name = "Nouvelle Fédération"
    organization.save(update_fields=["name"])

    assert slugs(api_client.get(URL, {"q": "federation"})) == ["renamed"]
    assert slugs(api_client.get(URL, {"q": "old"})) == []


def _set_updated_at(slug: str, moment: datetime.datetime) -> None:
    Organization.objects.filter(slug=slug).update(updated_at=moment)


def test_updated_since_takes_a_date_or_a_date_time_and_is_inclusive(api_client, regions):
    for slug in ["old", "boundary", "new"]:
        affiliate(slug, regions["africa-east"], name=slug)
    utc = datetime.UTC
    _set_updated_at("old", datetime.datetime(2025, 1, 30, 23, 59, 59, tzinfo=utc))
    _set_updated_at("boundary", datetime.datetime(2025, 1, 31, 12, 0, tzinfo=utc))
    _set_updated_at("new", datetime.datetime(2025, 2, 1, 8, 0, tzinfo=utc))

    assert slugs(api_client.get(URL, {"updated_since": "2025-01-31"})) == ["boundary", "new"]
    assert slugs(api_client.get(URL, {"updated_since": "2025-01-31T12:00:00Z"})) == ["boundary", "new"]
    assert slugs(api_client.get(URL, {"updated_since": "2025-01-31T12:00:01"})) == ["new"]
    # 14:00 in Nairobi is 11:00 UTC.
    assert slugs(api_client.get(URL, {"updated_since": "2025-01-31T14:00:00+03:00"})) == ["boundary", "new"]
    # An unencoded "+" arrives as a space; it is understood all the same.
    assert slugs(api_client.get(f"{URL}?updated_since=2025-01-31T14:00:00+03:00")) == ["boundary", "new"]


def test_filters_combine(api_client, regions):
    affiliate("match", regions["africa-west"], country="GH", name="Ghana Union")
    affiliate("other-country", regions["africa-west"], country="NG", name="Nigeria Union")
    affiliate("other-name", regions["africa-west"], country="GH", name="Accra Students")

    response = api_client.get(URL, {"region": "africa", "country": "GH", "category": "full", "q": "union"})
    assert slugs(response) == ["match"]


def _ordering_fixture(regions):
    rows = [
        ("b", "Beta", datetime.date(2021, 1, 1), datetime.datetime(2024, 1, 3, tzinfo=datetime.UTC)),
        ("a", "Alpha", datetime.date(2023, 1, 1), datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)),
        ("c", "Gamma", datetime.date(2022, 1, 1), datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)),
        ("a2", "Alpha", datetime.date(2022, 1, 1), datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)),
    ]
    for slug, name, admitted_on, updated_at in rows:
        MembershipFactory(
            admitted_on=admitted_on,
            organization__slug=slug,
            organization__name=name,
            organization__region=regions["europe-west"],
        )
        _set_updated_at(slug, updated_at)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["a", "a2", "b", "c"]),
        ("name", ["a", "a2", "b", "c"]),
        ("-name", ["c", "b", "a2", "a"]),
        ("admitted_on", ["b", "c", "a2", "a"]),
        ("-admitted_on", ["a", "a2", "c", "b"]),
        ("updated_at", ["a", "c", "a2", "b"]),
    ],
)
def test_every_ordering_breaks_ties_by_creation(api_client, regions, ordering, expected):
    _ordering_fixture(regions)
    params = {"ordering": ordering} if ordering else {}

    assert slugs(api_client.get(URL, params)) == expected


def test_detail_returns_the_same_item_as_the_list(api_client, regions):
    affiliate("knus", regions["africa-east"])

    listed = api_client.get(URL).json()["results"][0]
    response = api_client.get(f"{URL}knus/")

    assert response.status_code == 200
    assert response.json() == listed


@pytest.mark.parametrize("state", [MembershipState.SUSPENDED, None])
def test_detail_of_a_non_affiliate_is_404(api_client, regions, state):
    if state:
        MembershipFactory(
            state=state, organization__slug="not-active", organization__region=regions["africa-east"]
        )
    else:
        OrganizationFactory(slug="not-active", region=regions["africa-east"])

    response = api_client.get(f"{URL}not-active/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_email_is_only_shown_to_partners(api_client, partner_client, regions):
    affiliate("knus", regions["africa-east"], email="office@knus.example.org")

    anonymous = api_client.get(URL).json()["results"][0]
    partner = partner_client.get(URL).json()["results"][0]

    assert "email" not in anonymous
    assert "email" not in api_client.get(f"{URL}knus/").json()
    assert partner["email"] == "office@knus.example.org"
    assert partner_client.get(f"{URL}knus/").json()["email"] == "office@knus.example.org"
    assert {**anonymous, "email": "office@knus.example.org"} == partner


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "atlantis"}, "region"),
        ({"country": "XX"}, "country"),
        ({"country": "KEN"}, "country"),
        ({"category": "honorary"}, "category"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2025-02-30"}, "updated_since"),
        ({"updated_since": "2025-01-31T25:00"}, "updated_since"),
        ({"ordering": "slug"}, "ordering"),
        ({"ordering": "-updated_at"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"country": "ke"}, "country"),
        ({"country": " KE"}, "country"),
        ({"region": "africa "}, "region"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_values_are_400_naming_the_field(api_client, regions, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["details"]) == [field]
    assert all(isinstance(message, str) and message for message in error["details"][field])


def test_every_invalid_field_is_reported_at_once(api_client, regions):
    response = api_client.get(URL, {"country": "XX", "page_size": "0", "category": "nope"})

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"country", "page_size", "category"}


def test_invalid_value_messages_name_the_accepted_values(api_client, regions):
    details = api_client.get(URL, {"category": "x", "ordering": "y", "page_size": "0"}).json()["error"][
        "details"
    ]

    assert details["category"] == ["Unknown category 'x'. Use one of: full, associate, observer."]
    assert details["ordering"] == [
        "Unknown ordering 'y'. Use one of: name, -name, admitted_on, -admitted_on, updated_at."
    ]
    assert details["page_size"] == ["Use a whole number from 1 to 500."]


def test_empty_free_text_means_no_filter(api_client, regions):
    affiliate("kenya", regions["africa-east"])

    assert slugs(api_client.get(URL, {"q": "", "cursor": ""})) == ["kenya"]


def test_an_empty_code_number_or_choice_is_refused_naming_each(api_client, regions):
    """The schema gives these an enumeration, a pattern or a type that "" does not match: the
    server refuses it too, rather than reading it as "not given"."""
    params = dict.fromkeys(
        ["region", "country", "category", "updated_since", "ordering", "page_size", "format"], ""
    )

    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == set(params)


@pytest.mark.parametrize("name", ["region", "country", "category", "q", "ordering", "page_size", "cursor"])
def test_a_parameter_given_twice_is_refused(api_client, regions, name):
    values = {"region": "africa", "country": "KE", "category": "full", "ordering": "name", "page_size": "5"}
    value = values.get(name, "x")

    response = api_client.get(f"{URL}?{name}={value}&{name}={value}")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {name: ["Give this parameter once."]}


def test_etag_round_trip_gives_304_until_something_changes(api_client, regions):
    organization = affiliate("kenya", regions["africa-east"])

    first = api_client.get(URL, {"region": "africa"})
    etag = first["ETag"]
    again = api_client.get(URL, {"region": "africa"}, HTTP_IF_NONE_MATCH=etag)
    organization.city = "Mombasa"
    organization.save()
    feed.publish(organization)  # as every writer does: the change is the directory's next version
    changed = api_client.get(URL, {"region": "africa"}, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200
    assert etag.startswith('"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize("path", [f"{URL}kenya/", "/api/v1/regions/"])
def test_detail_and_regions_have_etags_too(api_client, regions, path):
    affiliate("kenya", regions["africa-east"])

    etag = api_client.get(path)["ETag"]

    assert api_client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_partner_and_anonymous_bodies_have_different_etags(api_client, partner_client, regions):
    affiliate("kenya", regions["africa-east"])

    response = api_client.get(URL)

    assert response["ETag"] != partner_client.get(URL)["ETag"]
    assert "Authorization" in response["Vary"]


def test_errors_have_no_etag(api_client, regions):
    assert not api_client.get(URL, {"country": "XX"}).has_header("ETag")


def test_updated_at_changes_when_the_organization_is_saved(api_client, regions):
    organization = affiliate("kenya", regions["africa-east"])
    before = timezone.now()
    organization.save()

    assert slugs(api_client.get(URL, {"updated_since": before.isoformat().replace("+00:00", "Z")})) == [
        "kenya"
    ]
