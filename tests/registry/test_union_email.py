"""The union's e-mail address: the application form says who sees it, and only partners do."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from portal.forms import ApplicationForm
from tests.factories import MembershipFactory, PartnerKeyFactory

pytestmark = pytest.mark.django_db

EMAIL = "international@knus.example.org"


@pytest.fixture
def affiliate(regions):
    return MembershipFactory(
        organization__slug="knus",
        organization__name="Kenya National Union of Students",
        organization__email=EMAIL,
        organization__region=regions["africa-east"],
    ).organization


def test_the_application_form_says_the_email_goes_to_partners_and_is_not_published():
    field = ApplicationForm().fields["email"]
    with translation.override("en"):
        wording = f"{field.label} {field.help_text}".casefold()

    assert "partners" in wording
    assert "not shown" in wording
    assert "publish" not in wording
    assert "in the directory" not in wording


def test_the_public_directory_never_shows_the_email(client, affiliate):
    pages = [
        client.get("/"),
        client.get("/directory/"),
        client.get("/directory/", {"q": "kenya"}),
        client.get("/directory/", {"country": "KE"}),
        client.get(f"/directory/{affiliate.slug}/"),
    ]

    assert [page.status_code for page in pages] == [200] * len(pages)
    assert all(EMAIL not in page.content.decode() for page in pages)


def test_the_anonymous_api_never_shows_the_email(affiliate):
    client = APIClient()
    responses = [
        client.get("/api/v1/affiliates/"),
        client.get(f"/api/v1/affiliates/{affiliate.slug}/"),
        client.get("/api/v1/affiliates/", {"format": "csv"}),
    ]

    assert [response.status_code for response in responses] == [200] * len(responses)
    assert all(EMAIL not in b"".join(response).decode() for response in responses)
    assert "email" not in responses[1].json()


def test_a_partner_key_adds_the_email(affiliate):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {PartnerKeyFactory().key}")

    assert client.get(f"/api/v1/affiliates/{affiliate.slug}/").json()["email"] == EMAIL
    assert EMAIL in b"".join(client.get("/api/v1/affiliates/", {"format": "csv"})).decode()
