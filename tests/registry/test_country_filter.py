"""The directory's country filter offers the countries that have affiliates, by their usual names."""

import pytest

from registry.forms import DirectoryFilterForm
from registry.models import MembershipState
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def country_options(response) -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in response.context["form"].fields["country"].choices]


@pytest.fixture
def affiliates(regions):
    for country, region in [("KE", "africa-east"), ("CI", "africa-west"), ("KE", "africa-east")]:
        MembershipFactory(organization__country=country, organization__region=regions[region])
    MembershipFactory(
        organization__country="FR",
        organization__region=regions["europe-west"],
        state=MembershipState.SUSPENDED,
    )
    OrganizationFactory(country="DE", region=regions["europe-west"])  # known, never admitted


def test_the_country_filter_lists_only_countries_with_affiliates_by_name(client, affiliates):
    response = client.get("/directory/")

    assert country_options(response) == [("", "All countries"), ("CI", "Côte d'Ivoire"), ("KE", "Kenya")]


def test_the_country_filter_uses_django_countries_common_names(client, regions):
    for country in ["GB", "TZ", "BO"]:
        MembershipFactory(organization__country=country, organization__region=regions["europe-north"])

    names = [name for _code, name in country_options(client.get("/directory/"))]

    assert names == ["All countries", "Bolivia", "Tanzania", "United Kingdom"]


def test_a_country_without_affiliates_in_a_link_shows_an_empty_list_not_an_error(client, affiliates):
    response = client.get("/directory/", {"country": "FR"})

    assert response.status_code == 200
    assert response.context["total"] == 0
    assert ("FR", "France") in country_options(response)


@pytest.mark.parametrize("country", ["XX", "ke", "KEN", "<script>"])
def test_anything_but_a_country_code_is_refused(affiliates, country):
    form = DirectoryFilterForm({"country": country})

    assert not form.is_valid()
    assert "country" in form.errors


def test_the_country_list_costs_one_query(client, affiliates, django_assert_num_queries):
    with django_assert_num_queries(1):
        DirectoryFilterForm()
