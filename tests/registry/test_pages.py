import pytest
from django.db import OperationalError
from django.urls import reverse

from registry.models import MembershipState
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/directory/", "/accounts/login/", "/healthz"])
def test_public_pages_answer_200(client, regions, url):
    assert client.get(url).status_code == 200


def test_directory_lists_exactly_the_affiliates_grouped_by_region(client, regions):
    MembershipFactory(
        organization__name="Kenya National Union of Students", organization__region=regions["africa-east"]
    )
    MembershipFactory(
        organization__name="Union of Students in Ireland",
        organization__country="IE",
        organization__region=regions["europe-north"],
    )
    MembershipFactory(
        organization__name="Suspended Union",
        organization__region=regions["africa-east"],
        state=MembershipState.SUSPENDED,
    )
    OrganizationFactory(name="Applicant Union", region=regions["africa-east"])

    response = client.get(reverse("directory"))

    html = response.content.decode()
    assert response.context["total"] == 2
    assert [(group.region.code, [o["name"] for o in group.rows]) for group in response.context["groups"]] == [
        ("africa", ["Kenya National Union of Students"]),
        ("europe", ["Union of Students in Ireland"]),
    ]
    assert "Suspended Union" not in html
    assert "Applicant Union" not in html


def test_directory_filters_by_region_and_country(client, regions):
    MembershipFactory(organization__name="Kenyan Union", organization__region=regions["africa-east"])
    MembershipFactory(
        organization__name="Ghanaian Union",
        organization__country="GH",
        organization__region=regions["africa-west"],
    )

    by_region = client.get(reverse("directory"), {"region": "africa"})
    by_country = client.get(reverse("directory"), {"country": "GH"})

    assert by_region.context["total"] == 2
    assert [o["name"] for group in by_country.context["groups"] for o in group.rows] == ["Ghanaian Union"]


@pytest.mark.parametrize("params", [{"region": "atlantis"}, {"country": "XX"}, {"country": "<script>"}])
def test_directory_answers_an_unknown_filter_with_400_and_a_message(client, regions, params):
    response = client.get(reverse("directory"), params)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_affiliate_page_shows_an_affiliate_and_hides_others(client, regions):
    member = MembershipFactory(organization__region=regions["africa-east"]).organization
    outsider = OrganizationFactory(region=regions["africa-east"])

    assert client.get(reverse("affiliate-detail", args=[member.slug])).status_code == 200
    assert client.get(reverse("affiliate-detail", args=[outsider.slug])).status_code == 404


def test_healthz_reports_database_and_in_process_broker(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process", "replica": "none"}


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["status"] == "down"


def test_healthz_reports_an_unreachable_broker_as_degraded(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unreachable"
    assert response.json()["status"] == "degraded"
