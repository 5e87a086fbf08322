"""The API's messages follow Accept-Language; its field names and codes never translate."""

import pytest
from django.utils import translation

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    """A request's language stays active after it (LocaleMiddleware): back to English for later tests."""
    yield
    translation.activate("en")


def test_an_api_error_is_explained_in_the_asked_language_with_the_same_code(client):
    english = client.get("/api/v1/affiliates/", {"country": "XX"}).json()["error"]
    french = client.get("/api/v1/affiliates/", {"country": "XX"}, HTTP_ACCEPT_LANGUAGE="fr").json()["error"]
    assert english["code"] == french["code"] == "invalid"
    assert english.keys() == french.keys()
    assert english["message"] != french["message"]
    assert french["details"]["country"] == [
        "Code de pays inconnu 'XX'. Utilisez un code ISO 3166-1 alpha-2 en majuscules, par exemple KE."
    ]


def test_country_names_follow_the_asked_language_and_codes_stay(client):
    MembershipFactory(organization__country="SN")
    english = client.get("/api/v1/affiliates/").json()["results"][0]
    french = client.get("/api/v1/affiliates/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert english.keys() == french.keys()
    assert english["country"]["code"] == french["country"]["code"] == "SN"
    assert (english["country"]["name"], french["country"]["name"]) == ("Senegal", "Sénégal")


def test_arabic_changes_country_and_region_names_but_never_keys_codes_or_the_union_own_names(client, regions):
    MembershipFactory(
        organization__slug="ugte",
        organization__country="TN",
        organization__region=regions["north-africa"],
        organization__name="الاتحاد العام لطلبة تونس",
        organization__name_latin="Union Générale des Étudiants de Tunisie",
        organization__acronym="UGET",
        category="full",
    )
    english = client.get("/api/v1/affiliates/").json()["results"][0]
    arabic = client.get("/api/v1/affiliates/", HTTP_ACCEPT_LANGUAGE="ar").json()["results"][0]

    assert english.keys() == arabic.keys()
    assert english["country"].keys() == arabic["country"].keys()
    assert english["region"].keys() == arabic["region"].keys()
    assert english["country"]["code"] == arabic["country"]["code"] == "TN"
    assert english["region"]["code"] == arabic["region"]["code"] == "north-africa"
    assert (english["country"]["name"], arabic["country"]["name"]) == ("Tunisia", "تونس")
    assert (english["region"]["name"], arabic["region"]["name"]) == ("North Africa", "شمال أفريقيا")
    for field in ("slug", "name", "name_latin", "acronym", "category", "admitted_on", "in_good_standing"):
        assert english[field] == arabic[field]
    assert arabic["name_latin"] == "Union Générale des Étudiants de Tunisie"


def test_region_list_names_follow_the_language_and_codes_stay(client, regions):
    english = client.get("/api/v1/regions/").json()
    turkish = client.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE="tr").json()
    english_items = english["results"] if isinstance(english, dict) else english
    turkish_items = turkish["results"] if isinstance(turkish, dict) else turkish
    assert [r["code"] for r in english_items] == [r["code"] for r in turkish_items]
    by_code = {r["code"]: r["name"] for r in turkish_items}
    assert by_code["europe-west"] == "Batı Avrupa"
    assert {r["code"]: r["name"] for r in english_items}["europe-west"] == "Western Europe"


def test_a_region_without_a_translation_is_named_in_english(client, regions):
    region = regions["oceania"]
    region.name_fr = ""
    region.save()
    MembershipFactory(organization__region=region, organization__country="FJ")
    item = client.get("/api/v1/affiliates/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert item["region"] == {"code": "oceania", "name": "Oceania"}


def test_the_schema_says_what_accept_language_changes_and_documents_name_latin(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    description = schema["info"]["description"]
    assert "Accept-Language" in description
    assert "never translate" in description
    affiliate = schema["components"]["schemas"]["Affiliate"]
    assert "name_latin" in affiliate["properties"]
    assert "name_latin" in affiliate.get("required", [])
