import pytest

from registry.models import MembershipState
from registry.selectors import affiliate_counts_by_region, affiliate_list, region_with_descendants_ids
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_affiliates_are_exactly_the_organizations_with_an_active_membership(regions):
    active = MembershipFactory(organization__region=regions["africa-east"]).organization
    MembershipFactory(organization__region=regions["africa-east"], state=MembershipState.SUSPENDED)
    OrganizationFactory(region=regions["africa-east"])  # never admitted

    assert list(affiliate_list()) == [active]


def test_region_filter_includes_sub_regions(regions):
    kenya = MembershipFactory(organization__region=regions["africa-east"]).organization
    ghana = MembershipFactory(
        organization__region=regions["africa-west"], organization__country="GH"
    ).organization
    MembershipFactory(organization__region=regions["europe-north"], organization__country="SE")

    assert set(affiliate_list(region=regions["africa"])) == {kenya, ghana}
    assert list(affiliate_list(region=regions["africa-west"])) == [ghana]
    assert regions["africa-west"].pk in region_with_descendants_ids(region=regions["africa"])


def test_country_and_category_filters(regions):
    kenya = MembershipFactory(organization__region=regions["africa-east"]).organization
    MembershipFactory(
        organization__region=regions["africa-west"], organization__country="GH", category="observer"
    )

    assert list(affiliate_list(country="KE")) == [kenya]
    assert [o.country.code for o in affiliate_list(category="observer")] == ["GH"]


def test_affiliate_rows_carry_their_membership_category(regions):
    MembershipFactory(organization__region=regions["africa-east"], category="associate")
    assert affiliate_list().get().category == "associate"


def test_counts_by_region_add_up_sub_regions(regions):
    MembershipFactory(organization__region=regions["africa-east"])
    MembershipFactory(organization__region=regions["africa-west"], organization__country="GH")
    MembershipFactory(organization__region=regions["africa-west"], state=MembershipState.SUSPENDED)

    counts = affiliate_counts_by_region()

    assert counts[regions["africa"].pk] == 2
    assert counts[regions["africa-west"].pk] == 1
    assert counts[regions["europe"].pk] == 0
