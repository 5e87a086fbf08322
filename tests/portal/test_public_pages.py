"""The public directory (search, country, the chart) and the error pages."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from registry.models import MembershipState
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(regions):
    return [
        MembershipFactory(
            organization__name="Université Côte d'Ivoire Étudiants",
            organization__acronym="UCIE",
            organization__country="CI",
            organization__city="Abidjan",
            organization__region=regions["africa-west"],
        ),
        MembershipFactory(
            organization__name="Kenya Universities Student Union",
            organization__acronym="KUSU",
            organization__city="Nairobi",
            organization__region=regions["africa-east"],
        ),
        MembershipFactory(
            organization__name="Union of Students in Ireland",
            organization__acronym="USI",
            organization__country="IE",
            organization__city="Dublin",
            organization__region=regions["europe-north"],
        ),
        MembershipFactory(
            organization__name="Suspended Union",
            organization__region=regions["africa-east"],
            state=MembershipState.SUSPENDED,
        ),
    ]


def _names(response) -> list[str]:
    return [org["name"] for group in response.context["groups"] for org in group.rows]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("universite cote", ["Université Côte d'Ivoire Étudiants"]),
        ("UCIE", ["Université Côte d'Ivoire Étudiants"]),
        ("nairobi", ["Kenya Universities Student Union"]),
        ("union", ["Kenya Universities Student Union", "Union of Students in Ireland"]),
        ("suspended", []),
    ],
)
def test_the_directory_searches_name_acronym_and_city_without_accents(client, members, query, found):
    assert _names(client.get("/directory/", {"q": query})) == found


def test_the_directory_filters_by_country_and_combines_with_search(client, members):
    assert _names(client.get("/directory/", {"country": "IE"})) == ["Union of Students in Ireland"]
    assert _names(client.get("/directory/", {"country": "IE", "q": "kenya"})) == []


def test_the_directory_groups_by_region_with_counts(client, members):
    response = client.get("/directory/")
    assert [(group.region.code, len(group.rows), group.count) for group in response.context["groups"]] == [
        ("africa", 2, 2),
        ("europe", 1, 1),
    ]


def test_the_chart_is_an_accessible_svg_with_the_same_numbers_as_a_table(client, members):
    response = client.get("/directory/")
    html = response.content.decode()
    bars = {bar["region"].code: bar["count"] for bar in response.context["chart"]["bars"]}
    assert bars["africa"] == 2
    assert bars["europe"] == 1
    assert bars["north-america"] == 0
    assert '<svg role="img" aria-labelledby="chart-svg-title chart-svg-desc"' in html
    assert '<title id="chart-svg-title">' in html
    assert "Africa: 2; Asia-Pacific: 0" in html  # the description
    assert '<a href="?region=africa">Africa</a></th><td>2</td>' in html  # the table
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_the_longest_bar_is_the_largest_region(client, members):
    bars = client.get("/directory/").context["chart"]["bars"]
    widest = max(bars, key=lambda bar: bar["width"])
    assert widest["region"].code == "africa"
    assert all(bar["width"] == 0 for bar in bars if bar["count"] == 0)


def test_the_404_page_is_ours(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We cannot find this page" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


def test_the_403_page_is_ours(client_as, cast):
    response = client_as(cast.applicant).get("/committee/")
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


def test_the_500_page_needs_neither_context_processors_nor_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
