"""Rate limits: 429 with Retry-After; anonymous clients per IP, partners per key."""

import pytest

from tests.factories import PartnerKeyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/regions/"


@pytest.fixture
def rates(settings):
    def set_rates(anon: str, partner: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "partner": partner},
        }

    return set_rates


def test_anonymous_clients_get_429_with_retry_after(api_client, regions, rates):
    rates("3/min", "10/min")

    statuses = [api_client.get(URL).status_code for _ in range(3)]
    response = api_client.get(URL)

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert response.json()["error"] == {
        "code": "throttled",
        "message": f"Too many requests. Try again in {retry_after} seconds.",
        "details": {"retry_after": retry_after},
    }


def test_anonymous_clients_are_counted_per_ip(api_client, regions, rates):
    rates("1/min", "10/min")

    assert api_client.get(URL, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert api_client.get(URL, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert api_client.get(URL, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_partners_have_their_own_limit_per_key(api_client, regions, rates):
    rates("1/min", "3/min")
    first, second = PartnerKeyFactory(), PartnerKeyFactory()

    def as_partner(key):
        return api_client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key.key}").status_code

    assert api_client.get(URL).status_code == 200
    assert api_client.get(URL).status_code == 429  # anonymous budget spent …
    assert [as_partner(first) for _ in range(4)] == [200, 200, 200, 429]  # … partners unaffected
    assert as_partner(second) == 200


def test_throttled_list_answers_in_json_even_for_csv(api_client, regions, rates):
    rates("1/min", "10/min")
    api_client.get("/api/v1/affiliates/", {"format": "csv"})

    response = api_client.get("/api/v1/affiliates/", {"format": "csv"})

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "throttled"


def test_a_spoofed_x_forwarded_for_from_an_untrusted_address_is_ignored(api_client, regions, rates, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    rates("1/min", "10/min")

    def get(forwarded: str) -> int:
        return api_client.get(URL, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert get("198.51.100.1") == 200
    assert get("198.51.100.2") == 429  # a new X-Forwarded-For is not a new client
    assert get("10.0.0.9") == 429


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_counted(
    api_client, regions, rates, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    rates("1/min", "10/min")

    def get(forwarded: str) -> int:
        return api_client.get(URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert get("6.6.6.6, 198.51.100.7") == 200
    assert get("7.7.7.7, 198.51.100.7") == 429  # what the client wrote on the left does not matter
    assert get("198.51.100.8") == 200  # someone else behind the same proxy


def test_several_trusted_hops_are_skipped(api_client, regions, rates, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.0.0/16"]
    rates("1/min", "10/min")

    def get(forwarded: str) -> int:
        return api_client.get(URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert get("198.51.100.7, 192.168.1.20, 10.4.0.1") == 200
    assert get("6.6.6.6, 198.51.100.7, 192.168.7.7, 10.4.0.2") == 429
    assert get("198.51.100.8, 192.168.1.20, 10.4.0.1") == 200
