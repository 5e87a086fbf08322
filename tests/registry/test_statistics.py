"""The statistics pages (/statistics/, /committee/statistics/): each figure against a small dataset
counted by hand, the charts' accessibility, the CSV downloads, and query counts that do not grow with
the number of members (10 and 1,000)."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.models import CountryRegion, MembershipSuspension, Organization, Region, YearlyReturn
from registry.statistics import membership_figures, not_in_good_standing
from tests.factories import MembershipFactory, committee_member
from tests.registry.bulk import bulk_members

pytestmark = pytest.mark.django_db

D = datetime.date
ON = D(2026, 6, 30)
PUBLIC_QUERIES = 3
COMMITTEE_QUERIES = 11  # with the navigation's two reads of a signed-in person


@pytest.fixture(autouse=True)
def _calendar_years(settings):
    settings.MEMBERSHIP_YEAR_START = "01-01"
    settings.RETURN_DUE_DAYS = 90
    settings.OFFICERS_REQUIRE_MFA = False


@pytest.fixture
def world(db):
    """Two top-level regions (North with a sub-region North-West; South), six countries, five memberships:

    ========  =========  ==========  ==================  =========  ==========  =======
    union     admitted   ended       reason              category   region      country
    ========  =========  ==========  ==================  =========  ==========  =======
    Alpha     2024-03-01                                 full       North-West  FR
    Beta      2024-07-01 2025-02-01  withdrawn           associate  South       KE
    Gamma     2025-01-15                                 full       South       NG
    Delta     2025-05-01 2026-03-01  expelled            observer   North       NO
    Epsilon   2026-02-01 (suspended from 2026-04-01)     associate  North-West  IE
    ========  =========  ==========  ==================  =========  ==========  =======
    """
    north = Region.objects.create(code="north", name="North")
    north_west = Region.objects.create(code="north-west", name="North-West", parent=north)
    south = Region.objects.create(code="south", name="South")
    for country, region in (
        ("FR", north_west),
        ("IE", north_west),
        ("NO", north),
        ("KE", south),
        ("NG", south),
        ("ZA", south),
    ):
        CountryRegion.objects.create(country=country, region=region)

    def member(name, admitted, category, region, country, **extra):
        return MembershipFactory(
            organization__name=name,
            organization__slug=name.lower(),
            organization__region=region,
            organization__country=country,
            admitted_on=admitted,
            category=category,
            **extra,
        )

    alpha = member("Alpha", D(2024, 3, 1), "full", north_west, "FR")
    member(
        "Beta",
        D(2024, 7, 1),
        "associate",
        south,
        "KE",
        state="ended",
        ended_on=D(2025, 2, 1),
        end_reason="withdrawn",
    )
    member("Gamma", D(2025, 1, 15), "full", south, "NG")
    member(
        "Delta",
        D(2025, 5, 1),
        "observer",
        north,
        "NO",
        state="ended",
        ended_on=D(2026, 3, 1),
        end_reason="expelled",
    )
    epsilon = member("Epsilon", D(2026, 2, 1), "associate", north_west, "IE", state="suspended")
    MembershipSuspension.objects.create(membership=epsilon, starts_on=D(2026, 4, 1), reason="Dues")
    YearlyReturn.objects.create(
        membership=alpha, year=2026, filed_at=timezone.make_aware(datetime.datetime(2026, 2, 1))
    )


def figure(key, on=ON):
    return next(f for f in membership_figures(on=on) if f.key == key)


def test_members_by_year_admissions_exits_by_reason_and_net_growth(world):
    members = figure("members-by-year")

    assert members.header == [
        "Year",
        "Admissions",
        "Exits: Withdrawn",
        "Exits: Expelled",
        "Exits: Lapsed",
        "Exits: Dissolved",
        "Net growth",
        "Members",
    ]
    assert members.rows == [
        [2024, 2, 0, 0, 0, 0, 2, 2],
        [2025, 2, 1, 0, 0, 0, 1, 3],
        [2026, 1, 0, 1, 0, 0, 0, 3],
    ]


def test_members_per_region_by_year_count_sub_regions_in(world):
    by_region = figure("members-by-region")

    assert by_region.header == ["Year", "North", "South", "Total"]
    assert by_region.rows == [[2024, 1, 1, 2], [2025, 2, 1, 3], [2026, 2, 1, 3]]


def test_members_per_category_by_year(world):
    by_category = figure("members-by-category")

    assert by_category.header == ["Year", "Full member", "Associate member", "Observer", "Total"]
    assert by_category.rows == [[2024, 1, 1, 0, 2], [2025, 2, 0, 1, 3], [2026, 2, 1, 0, 3]]


def test_members_today_per_region_and_category(world):
    today_figure = figure("members-by-region-and-category")

    assert today_figure.rows == [["North", 1, 1, 0, 2], ["South", 1, 0, 0, 1]]


def test_countries_with_no_member_per_region(world):
    coverage = figure("countries-without-members")

    assert coverage.rows == [["North", 3, 2, 1], ["South", 3, 1, 2]]
    assert coverage.notes == [("North", "Norway"), ("South", "Kenya, South Africa")]
    assert coverage.csv_rows == [["North", 3, 2, 1, "Norway"], ["South", 3, 1, 2, "Kenya, South Africa"]]


def test_a_past_date_counts_what_was_known_then(world):
    assert figure("members-by-year", on=D(2025, 1, 31)).rows == [
        [2024, 2, 0, 0, 0, 0, 2, 2],
        [2025, 1, 0, 0, 0, 0, 1, 3],
    ]


def test_members_not_in_good_standing_and_why(world):
    late = not_in_good_standing(on=ON)

    assert late.rows == [
        ["Epsilon", "Ireland", "Associate member", "Not active: suspended."],
        ["Gamma", "Nigeria", "Full member", "The return 2026 is missing."],
    ]


def test_without_members_the_figures_are_empty(db):
    assert [f.rows for f in membership_figures(on=ON)] == [[], [], [], [], []]


# --- the pages ----------------------------------------------------------------------------------------


def committee_client():
    client = Client()
    client.force_login(committee_member(), backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_public_page_draws_each_figure_with_its_table_and_csv_link(client, world):
    html = client.get("/statistics/").content.decode()

    for key in (
        "members-by-year",
        "members-by-region",
        "members-by-category",
        "members-by-region-and-category",
        "countries-without-members",
    ):
        section = re.search(
            rf'<section class="chart figure" aria-labelledby="{key}-title" id="{key}">(.*?)</section>',
            html,
            re.S,
        )
        assert section, key
        body = section.group(1)
        assert f'<svg role="img" aria-labelledby="{key}-svg-title {key}-svg-desc"' in body
        assert f'<title id="{key}-svg-title">' in body
        assert "<table" in body
        assert f'href="?csv={key}"' in body
    assert "not-in-good-standing" not in html
    assert "applications-by-state" not in html


def test_the_chart_describes_its_numbers(client, world):
    html = client.get("/statistics/").content.decode()
    desc = re.search(r'<desc id="members-by-region-svg-desc">([^<]*)</desc>', html).group(1)
    assert desc.startswith("2024: North 1, South 1; 2025: North 2, South 1;")


def test_each_table_downloads_as_csv_with_formula_cells_neutralised(client, world):
    Organization.objects.filter(name="Gamma").update(name="=HYPERLINK(1)")
    committee = committee_client()

    members = client.get("/statistics/", {"csv": "members-by-year"})
    late = committee.get("/committee/statistics/", {"csv": "not-in-good-standing"})

    assert members["Content-Type"] == "text/csv; charset=utf-8"
    assert members["Content-Disposition"] == 'attachment; filename="members-by-year.csv"'
    lines = b"".join(members.streaming_content).decode().splitlines()
    assert (
        lines[0]
        == "Year,Admissions,Exits: Withdrawn,Exits: Expelled,Exits: Lapsed,Exits: Dissolved,Net growth,Members"
    )
    assert lines[1] == "2024,2,0,0,0,0,2,2"
    assert "'=HYPERLINK(1)" in b"".join(late.streaming_content).decode()


def test_the_countries_csv_names_the_countries_without_a_member(client, world):
    response = client.get("/statistics/", {"csv": "countries-without-members"})

    assert b"".join(response.streaming_content).decode().splitlines() == [
        "Region,Countries,With a member,Without a member,Countries without a member",
        "North,3,2,1,Norway",
        'South,3,1,2,"Kenya, South Africa"',
    ]


def test_an_unknown_table_is_404(client, world):
    assert client.get("/statistics/", {"csv": "nothing"}).status_code == 404
    assert client.get("/statistics/", {"csv": "not-in-good-standing"}).status_code == 404


def test_the_committee_page_adds_standing_and_applications(world):
    html = committee_client().get("/committee/statistics/").content.decode()

    for key in ("members-by-year", "not-in-good-standing", "applications-by-state", "median-days-per-stage"):
        assert f'id="{key}"' in html, key


def test_the_pages_are_in_the_navigation(client, world):
    assert 'href="/statistics/"' in client.get("/directory/").content.decode()
    assert 'href="/committee/statistics/"' in committee_client().get("/committee/").content.decode()
    assert 'href="/committee/statistics/"' not in client.get("/directory/").content.decode()


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries.captured_queries)


def test_the_statistics_cost_the_same_queries_for_10_and_1000_members(client, regions):
    committee = committee_client()
    bulk_members(10, regions, filed_year=2026)
    public_10, committee_10 = _count(client, "/statistics/"), _count(committee, "/committee/statistics/")
    bulk_members(990, regions, start=10, filed_year=2026)
    public_1000, committee_1000 = _count(client, "/statistics/"), _count(committee, "/committee/statistics/")

    assert public_10 == public_1000 == PUBLIC_QUERIES
    assert committee_10 == committee_1000 == COMMITTEE_QUERIES
