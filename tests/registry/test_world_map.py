"""The directory's world map: drawn on the server from a committed data file, coloured by member unions
per country, each such country a focusable link to its filter, the same numbers as a table."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_countries import countries

from registry import feed
from registry import world_map as wm
from registry.models import MembershipState
from registry.selectors import affiliate_counts_by_country
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# (country, region code, member unions): Kenya 3, Ghana 1, France 12, Singapore 1 (a dot), Tuvalu 1 (off the map).
MEMBERS = [
    ("KE", "africa-east", 3),
    ("GH", "africa-west", 1),
    ("FR", "europe-west", 12),
    ("SG", "asia-southeast", 1),
    ("TV", "oceania", 1),
]
EXPECTED = {code: n for code, _region, n in MEMBERS}


@pytest.fixture
def members(regions):
    for code, region, n in MEMBERS:
        for i in range(n):
            MembershipFactory(
                organization__country=code,
                organization__region=regions[region],
                organization__name=f"Union {code} {i}",
            )
    MembershipFactory(
        organization__country="KE",
        organization__region=regions["africa-east"],
        state=MembershipState.SUSPENDED,
    )
    return EXPECTED


def _svg(html: str) -> str:
    return re.search(r"<svg viewBox=.*?</svg>", html, re.S).group(0)


def _map_links(svg: str) -> dict[str, str]:
    """country code → the link's accessible name, for each link in the map."""
    return dict(re.findall(r'<a href="\?country=([A-Z]{2})" aria-label="([^"]+)"', svg))


def _table(html: str) -> dict[str, int]:
    body = re.search(r'<table class="country-table">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = re.findall(r'<a href="\?country=([A-Z]{2})">[^<]+</a></th><td>([\d,]+)</td>', body)
    return {code: int(n.replace(",", "")) for code, n in rows}


# --- the data and the drawing --------------------------------------------------------------------------


def test_the_projection_is_equal_earth_centred_on_greenwich():
    assert wm.project(0, 0) == (0.0, 0.0)
    x, y = wm.project(180, 0)
    assert x == pytest.approx(2.7066, abs=1e-3)
    assert y == 0
    assert wm.project(-180, 0)[0] == pytest.approx(-x)
    assert wm.project(0, 90)[1] == pytest.approx(1.3173, abs=1e-3)  # north is up (positive)
    assert wm.project(0, -45)[1] == pytest.approx(-wm.project(0, 45)[1])


def test_the_data_file_names_countries_by_iso_code_and_leaves_antarctica_out():
    data = json.loads(wm.DATA.read_text())

    assert 150 < len(data["shapes"]) < 200
    assert {"KE", "FR", "BR", "RU", "FJ"} <= set(data["shapes"])
    assert "AQ" not in data["shapes"]
    assert {"SG", "MT", "BH"} <= set(data["points"])  # too small for 1:110m
    assert not set(data["shapes"]) & set(data["points"])
    assert all(countries.alpha2(code) == code for code in [*data["shapes"], *data["points"]])


def test_the_outlines_are_projected_once_per_process():
    wm.geometry.cache_clear()

    first = wm.geometry()
    second = wm.geometry()

    assert first is second
    assert wm.geometry.cache_info().misses == 1
    assert first.width == wm.WIDTH
    assert 400 < first.height < 500
    assert all(path.startswith("M") for path in first.paths.values())


def test_no_outline_streaks_across_the_antimeridian():
    """Fiji and Chukotka cross 180°: drawn flat, a jump from +180 to -180 would cross the whole map."""
    geo = wm.geometry()
    for code in ("FJ", "RU"):
        for ring in re.findall(r"M[^M]+", geo.paths[code]):
            steps = [abs(int(dx)) for dx in re.findall(r"(-?\d+) -?\d+", ring.split("l", 1)[1])]
            assert max(steps) < geo.width / 3, code


@pytest.mark.parametrize(
    ("count", "colour"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (9, 3), (10, 4), (250, 4)]
)
def test_the_colour_classes(count, colour):
    assert wm.colour_class(count) == colour


# --- the counts -----------------------------------------------------------------------------------------


def test_the_counts_per_country_are_one_query_of_active_members(members, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = affiliate_counts_by_country()

    assert counts == EXPECTED  # the suspended Kenyan union is not counted


# --- the page -------------------------------------------------------------------------------------------


def test_the_directory_draws_the_map_with_one_link_per_country_with_members(client, members):
    html = client.get("/directory/").content.decode()

    svg = _svg(html)
    links = _map_links(svg)
    assert set(links) == {"KE", "GH", "FR", "SG"}  # Tuvalu has no outline and no point at this scale
    assert links["KE"] == "Kenya: 3 member unions"
    assert links["GH"] == "Ghana: 1 member union"
    assert svg.count("<a ") == 4
    assert "<title>France: 12 member unions</title>" in svg
    assert re.search(
        r'aria-label="Singapore: 1 member union"><title>[^<]+</title><circle class="dot c1"', svg
    )
    assert re.search(r'aria-label="France: 12 member unions"><title>[^<]+</title><path class="land c4"', svg)
    assert 'role="group" aria-labelledby="map-title"' in svg


def test_the_table_gives_the_same_numbers_as_the_counts(client, members):
    html = client.get("/directory/").content.decode()

    assert _table(html) == members
    assert "Too small to show on the map:" in html
    assert '<a href="?country=TV">Tuvalu</a> (1)' in html


def test_the_chosen_country_is_marked_on_the_map(client, members):
    svg = _svg(client.get("/directory/?country=KE").content.decode())

    assert re.search(
        r'<a href="\?country=KE" aria-label="Kenya: 3 member unions" aria-current="page" class="selected">',
        svg,
    )
    assert svg.count('aria-current="page"') == 1


def test_the_map_costs_one_query_whatever_the_number_of_members(client, members, regions):
    with CaptureQueriesContext(connection) as before:
        client.get("/directory/")
    for code in ("BR", "IN", "JP", "DE", "NG"):
        MembershipFactory(organization__country=code, organization__region=regions["africa"])
    feed.publish_all()  # as the writers do: the directory's aggregates are counted again
    with CaptureQueriesContext(connection) as after:
        html = client.get("/directory/").content.decode()

    assert len(after.captured_queries) == len(before.captured_queries)
    counting = [
        q["sql"]
        for q in after.captured_queries
        if 'COUNT("registry_organization"."id")' in q["sql"] and "country" in q["sql"]
    ]
    assert len(counting) == 1
    assert len(_map_links(_svg(html))) == 9


def test_without_members_there_is_no_map(client, regions):
    html = client.get("/directory/").content.decode()

    assert "<svg viewBox" not in html.split('<section class="chart"')[0]
    assert 'class="world-map"' not in html
