"""The API's messages follow Accept-Language; its field names and codes never translate."""

import pytest

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


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
