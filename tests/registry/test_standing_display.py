"""Good standing on the pages: a badge per affiliate in the directory (and a filter), on the
affiliate's page, in the member area and on the secretariat's change requests; query counts that do
not grow with the number of members (10 and 1,000)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import feed
from registry.models import YearlyReturn
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user, secretariat_user
from tests.registry.bulk import bulk_members
from workflows import membership as member_services

pytestmark = pytest.mark.django_db

# Queries of each page, whatever the number of members (measured, then pinned).
DIRECTORY_QUERIES = 8
# Signed-in pages count the navigation's two reads (whether the person applied, whether they represent a union).
MEMBER_HOME_QUERIES = 7
# With the decisions on the membership (one query), whether to offer the certificate (two) and
# whether the person may read the union's dues (one).
MEMBER_UNION_QUERIES = 33


@pytest.fixture(autouse=True)
def _past_the_due_date(settings):
    """This federation year started 100 days ago and its return was due within 30: a union without
    this year's return is not in good standing today, whatever today is."""
    start = today() - datetime.timedelta(days=100)
    if (start.month, start.day) == (2, 29):
        start -= datetime.timedelta(days=1)
    settings.MEMBERSHIP_YEAR_START = start.strftime("%m-%d")
    settings.RETURN_DUE_DAYS = 30
    settings.OFFICERS_REQUIRE_MFA = False


def filed(membership):
    YearlyReturn.objects.create(membership=membership, year=federation_year(today()), filed_at=timezone.now())
    return membership


@pytest.fixture
def two(regions):
    good = filed(MembershipFactory(organization__name="Good Union", organization__slug="good"))
    late = MembershipFactory(organization__name="Late Union", organization__slug="late")
    return good, late


def _items(html: str) -> dict[str, str]:
    """Directory entry name → its standing badge's text."""
    import re

    return dict(
        re.findall(
            r'<a href="/directory/[^"]+/"><bdi>([^<]+)</bdi></a>.*?<span class="state-badge[^"]*">([^<]+)</span>',
            html,
            re.S,
        )
    )


def test_the_directory_shows_each_affiliate_s_standing(client, two):
    html = client.get("/directory/").content.decode()

    assert _items(html) == {"Good Union": "In good standing", "Late Union": "Not in good standing"}


@pytest.mark.parametrize(
    ("standing", "names"),
    [("good", {"Good Union"}), ("not", {"Late Union"}), ("", {"Good Union", "Late Union"})],
)
def test_the_directory_filters_by_standing(client, two, standing, names):
    assert set(_items(client.get("/directory/", {"standing": standing}).content.decode())) == names


def test_an_unknown_standing_is_refused(client, two):
    assert client.get("/directory/", {"standing": "maybe"}).status_code == 400


def test_the_affiliate_page_shows_its_standing(client, two):
    assert "Not in good standing" in client.get("/directory/late/").content.decode()
    good_page = client.get("/directory/good/").content.decode()
    assert "In good standing" in good_page
    assert "Not in good standing" not in good_page


def test_the_secretariat_sees_the_standing_of_a_union_asking_for_a_change(two):
    _good, late = two
    rep = applicant_user()
    representative_add_first(organization=late.organization, user=rep)
    member_services.change_request_submit(
        organization=late.organization, actor=rep, changes={"acronym": "LU"}
    )
    client = Client()
    client.force_login(secretariat_user(), backend="django.contrib.auth.backends.ModelBackend")

    html = client.get("/committee/change-requests/").content.decode()

    assert "Late Union" in html
    assert "Not in good standing" in html


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries.captured_queries)


def test_the_directory_costs_the_same_queries_for_10_and_1000_members(client, regions, settings):
    settings.DIRECTORY_PAGE_SIZE = 1000  # every member on the one page: the badges cost no query each
    year = federation_year(today())
    bulk_members(10, regions, filed_year=year)
    feed.publish_all()  # as the writers do: the directory's aggregates are counted again
    at_10 = _queries(client, "/directory/")
    bulk_members(990, regions, start=10, filed_year=year)
    feed.publish_all()
    at_1000 = _queries(client, "/directory/")
    html = client.get("/directory/").content.decode()

    assert at_10 == at_1000 == DIRECTORY_QUERIES
    assert html.count("Not in good standing</span>") == 500
    assert html.count(">In good standing</span>") == 500


def test_the_member_area_costs_the_same_queries_for_10_and_1000_members(regions):
    year = federation_year(today())
    person = applicant_user()
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    mine = bulk_members(10, regions, filed_year=year)
    for membership in mine[:3]:
        representative_add_first(organization=membership.organization, user=person)
    client = Client()
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    slug = mine[0].organization.slug

    home_10, union_10 = _queries(client, "/member/"), _queries(client, f"/member/{slug}/")
    bulk_members(990, regions, start=10, filed_year=year)
    home_1000, union_1000 = _queries(client, "/member/"), _queries(client, f"/member/{slug}/")

    assert home_10 == home_1000 == MEMBER_HOME_QUERIES
    assert union_10 == union_1000 == MEMBER_UNION_QUERIES
    home = client.get("/member/").content.decode()
    assert home.count(">In good standing</span>") == 2  # the 1st and 3rd filed (every other one)
    assert home.count("Not in good standing</span>") == 1
