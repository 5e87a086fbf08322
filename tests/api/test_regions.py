import pytest

from registry.models import MembershipState, Region
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_regions_list_every_region_with_parent_and_counts_including_sub_regions(api_client, regions):
    MembershipFactory(organization__region=regions["africa-east"])
    MembershipFactory(organization__region=regions["africa-east"])
    MembershipFactory(organization__region=regions["africa-west"], organization__country="GH")
    MembershipFactory(organization__region=regions["africa-west"], state=MembershipState.SUSPENDED)

    response = api_client.get("/api/v1/regions/")

    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert len(by_code) == Region.objects.count()
    assert by_code["africa"] == {"code": "africa", "name": "Africa", "parent": None, "affiliate_count": 3}
    assert by_code["africa-east"] == {
        "code": "africa-east",
        "name": "East Africa",
        "parent": "africa",
        "affiliate_count": 2,
    }
    assert by_code["africa-west"]["affiliate_count"] == 1
    assert by_code["europe"]["affiliate_count"] == 0


def test_regions_come_parents_first(api_client, regions):
    codes = [row["code"] for row in api_client.get("/api/v1/regions/").json()]
    parents = {row["code"]: row["parent"] for row in api_client.get("/api/v1/regions/").json()}

    for position, code in enumerate(codes):
        if parents[code]:
            assert codes.index(parents[code]) < position


def test_region_counts_match_the_region_filter(api_client, regions):
    MembershipFactory(organization__region=regions["europe-north"], organization__country="SE")
    MembershipFactory(organization__region=regions["europe-west"], organization__country="FR")

    for row in api_client.get("/api/v1/regions/").json():
        listed = api_client.get("/api/v1/affiliates/", {"region": row["code"], "page_size": 500}).json()
        assert len(listed["results"]) == row["affiliate_count"], row["code"]
