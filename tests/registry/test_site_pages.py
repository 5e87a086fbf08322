"""What every visitor sees first: the landing page's regions, counts that read 1,234, a favicon."""

import datetime
import re

import pytest
from django.conf import settings

from registry.models import Membership, Organization, Region
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def bulk_affiliates(count: int, *, region: Region) -> None:
    """``count`` affiliates of ``region`` in two INSERTs."""
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Union {i:05d}", slug=f"union-{i}", country="KE", region=region)
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(organization=organization, admitted_on=datetime.date(2020, 1, 1))
        for organization in organizations
    )


def text(response) -> str:
    """The page's text with white space runs made one space."""
    return " ".join(response.content.decode().split())


# --- the landing page's regions ------------------------------------------------------------------


def test_the_landing_page_names_every_top_level_region(client, regions):
    page = text(client.get("/"))

    top_level = Region.objects.filter(parent__isnull=True)
    assert top_level.count() == 7
    for region in top_level:
        assert region.name in page
    assert "Central Asia" in page
    assert "West Africa" not in page  # sub-regions are not listed


def test_a_region_the_secretariat_adds_appears_on_the_landing_page(client, regions):
    Region.objects.create(code="antarctica", name="Antarctic Research Stations")

    assert "Antarctic Research Stations" in text(client.get("/"))


def test_the_landing_page_reads_well_without_regions(client, db):
    page = text(client.get("/"))

    assert "Student unions apply here to join the federation." in page
    assert "()" not in page


# --- numbers with thousands separators -----------------------------------------------------------


def test_counts_on_the_landing_page_and_the_directory_have_thousands_separators(client, regions):
    bulk_affiliates(1234, region=regions["africa-east"])

    home = text(client.get("/"))
    directory = text(client.get("/directory/"))

    assert "1,234 member unions today." in home
    assert "1,234 member unions" in directory
    assert '<span class="badge">1,234</span>' in directory  # the region's heading
    assert "Africa: 1,234;" in directory  # the chart's description
    assert '<a href="?region=africa">Africa</a></th><td>1,234</td>' in directory  # the chart's table
    assert re.search(r">1,234</text>", directory)  # the bar's label
    assert "1234" not in home


def test_the_chart_geometry_keeps_plain_numbers(client, regions):
    bulk_affiliates(1234, region=regions["africa-east"])

    svg = text(client.get("/directory/")).split("<svg", 1)[1].split("</svg>", 1)[0]

    assert re.findall(r'(?:width|x|y)="([^"]*,[^"]*)"', svg) == []


def test_students_represented_has_thousands_separators(client, regions):
    organization = MembershipFactory(
        organization__students_represented=420000, organization__region=regions["africa-west"]
    ).organization

    page = text(client.get(f"/directory/{organization.slug}/"))

    assert "<dd>420,000</dd>" in page


# --- the favicon ------------------------------------------------------------------------------


def test_every_page_links_the_favicon(client, regions):
    page = client.get("/directory/").content.decode()

    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in page
    assert f'<link rel="icon" href="{settings.STATIC_URL}favicon.svg" type="image/svg+xml">' in page


def test_the_svg_favicon_is_served_from_static(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # as with DEBUG on (`make run`); collectstatic in production
    response = client.get(f"/{settings.STATIC_URL}favicon.svg".replace("//", "/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)


def test_favicon_ico_is_served_at_the_root_not_404(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
