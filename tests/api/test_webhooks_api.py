"""``/api/v1/webhooks/``: a partner key's own endpoints (create with the secret shown once, list,
detail, change, delete, rotate, the delivery log, redeliver), invisible to any other key; and the
URL rules (https, public addresses only) at registration and again at each delivery."""

import socket

import pytest
from rest_framework.test import APIClient

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from notifications.models import NotificationState as S
from registry import feed
from tests.factories import MembershipFactory, PartnerKeyFactory

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
DNS = {
    "partner.example": [PUBLIC],
    "other.example": ["198.51.100.7", PUBLIC],  # a documentation range: reserved, refused
    "rebind.example": [PUBLIC],
    "inside.example": ["10.1.2.3"],
    "mixed.example": [PUBLIC, "127.0.0.1"],
}
URL = "https://partner.example/hooks/federation"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """Name resolution as ``DNS`` says (IP literals resolve to themselves; other names fail)."""
    table = {key: list(value) for key, value in DNS.items()}

    def resolve(host, port):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            if host not in table:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return table[host]
        return [host]

    monkeypatch.setattr(webhooks, "_resolve", resolve)
    return table


def client_for(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.key}")
    return client


@pytest.fixture
def created(partner_client):
    response = partner_client.post(
        "/api/v1/webhooks/", {"url": URL, "event_types": ["member.admitted"]}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- the endpoints' life -------------------------------------------------------------------------------


def test_create_shows_the_secret_once_and_stores_it_encrypted(partner_client, created):
    assert created["secret"].startswith("whsec_")
    assert created["url"] == URL
    assert created["event_types"] == ["member.admitted"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert created["secret"] not in endpoint.secret_encrypted
    assert webhooks.decrypt_secret(endpoint.secret_encrypted) == created["secret"]

    listed = partner_client.get("/api/v1/webhooks/").json()
    detail = partner_client.get(f"/api/v1/webhooks/{created['id']}/").json()
    assert [item["id"] for item in listed["results"]] == [created["id"]]
    assert "secret" not in listed["results"][0]
    assert "secret" not in detail
    assert created["secret"] not in str(listed) + str(detail)


def test_update_changes_the_fields_given(partner_client, created):
    response = partner_client.patch(
        f"/api/v1/webhooks/{created['id']}/",
        {"event_types": [], "description": "All events", "enabled": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["event_types"], body["description"], body["enabled"]) == ([], "All events", False)
    assert body["url"] == URL


def test_delete_removes_the_endpoint(partner_client, created):
    assert partner_client.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert partner_client.get(f"/api/v1/webhooks/{created['id']}/").status_code == 404


def test_rotate_gives_a_new_secret_and_keeps_the_old_one_signing_for_the_overlap(partner_client, created):
    response = partner_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != created["secret"]
    assert body["previous_secret_valid_until"] is not None
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    from django.utils import timezone

    assert webhooks.signing_secrets(endpoint, timezone.now()) == [body["secret"], created["secret"]]


def test_the_delivery_log_lists_filters_and_redelivers(partner_client, created):
    feed.publish(MembershipFactory().organization)
    [delivery_id] = webhooks.fan_out()
    WebhookDelivery.objects.filter(pk=delivery_id).update(state=S.FAILED, attempts=9, response_status=500)

    log = partner_client.get(f"/api/v1/webhooks/{created['id']}/deliveries/")
    assert log.status_code == 200, log.content
    [item] = log.json()["results"]
    assert (item["id"], item["state"], item["response_status"], item["event_type"]) == (
        delivery_id,
        "failed",
        500,
        "member.admitted",
    )
    assert (
        partner_client.get(f"/api/v1/webhooks/{created['id']}/deliveries/", {"state": "sent"}).json()[
            "results"
        ]
        == []
    )
    assert (
        partner_client.get(f"/api/v1/webhooks/{created['id']}/deliveries/", {"state": "nope"}).status_code
        == 400
    )

    again = partner_client.post(f"/api/v1/webhooks/{created['id']}/deliveries/{delivery_id}/redeliver/")
    assert again.status_code == 202, again.content
    assert (again.json()["state"], again.json()["attempts"]) == ("pending", 0)


def test_redeliver_while_it_is_being_sent_is_a_conflict(partner_client, created):
    feed.publish(MembershipFactory().organization)
    [delivery_id] = webhooks.fan_out()
    WebhookDelivery.objects.filter(pk=delivery_id).update(state=S.SENDING)

    response = partner_client.post(f"/api/v1/webhooks/{created['id']}/deliveries/{delivery_id}/redeliver/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


# --- whose they are ------------------------------------------------------------------------------------


def test_another_key_can_neither_see_nor_touch_them(created):
    feed.publish(MembershipFactory().organization)
    [delivery_id] = webhooks.fan_out()
    stranger = client_for(PartnerKeyFactory())
    base = f"/api/v1/webhooks/{created['id']}/"

    assert stranger.get("/api/v1/webhooks/").json()["results"] == []
    assert stranger.get(base).status_code == 404
    assert stranger.patch(base, {"enabled": False}, format="json").status_code == 404
    assert stranger.delete(base).status_code == 404
    assert stranger.post(f"{base}rotate-secret/").status_code == 404
    assert stranger.get(f"{base}deliveries/").status_code == 404
    assert stranger.post(f"{base}deliveries/{delivery_id}/redeliver/").status_code == 404
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.enabled
    assert webhooks.decrypt_secret(endpoint.secret_encrypted) == created["secret"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/webhooks/"), ("post", "/api/v1/webhooks/"), ("get", "/api/v1/webhooks/1/")],
)
def test_without_a_partner_key_it_asks_for_one(method, path, cast):
    anonymous = getattr(APIClient(), method)(path, {}, format="json")
    person = APIClient()
    person.force_login(cast.secretariat)
    signed_in = getattr(person, method)(path, {}, format="json")

    for response in (anonymous, signed_in):
        assert (response.status_code, response["WWW-Authenticate"]) == (401, "Api-Key")
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_key_is_refused(created, partner_key, partner_client):
    partner_key.revoked = True
    partner_key.save()

    assert partner_client.get("/api/v1/webhooks/").status_code == 403


# --- the URL rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://partner.example/hook", "https://"),
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://10.0.0.8/hook", "10.0.0.8"),
        ("https://192.168.1.20/hook", "192.168.1.20"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://[::1]/hook", "::1"),
        ("https://[fd12:3456::1]/hook", "fd12:3456::1"),
        ("https://[fe80::1]/hook", "fe80::1"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"),
        ("https://224.0.0.1/hook", "224.0.0.1"),
        ("https://0.0.0.0/hook", "0.0.0.0"),
        ("https://100.64.0.1/hook", "100.64.0.1"),
        ("https://inside.example/hook", "10.1.2.3"),
        ("https://mixed.example/hook", "127.0.0.1"),
        ("https://other.example/hook", "198.51.100.7"),
        ("https://nowhere.example/hook", "cannot be resolved"),
        ("https://user:pw@partner.example/hook", "user name or password"),
        ("not a url", "https://"),
    ],
)
def test_a_url_that_is_not_https_to_a_public_address_is_refused(partner_client, url, why):
    response = partner_client.post("/api/v1/webhooks/", {"url": url}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert why in body["details"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_changed_url_is_checked_too(partner_client, created):
    response = partner_client.patch(
        f"/api/v1/webhooks/{created['id']}/", {"url": "https://10.0.0.8/"}, format="json"
    )

    assert response.status_code == 400
    assert WebhookEndpoint.objects.get(pk=created["id"]).url == URL


def test_an_unknown_event_type_is_refused(partner_client):
    response = partner_client.post(
        "/api/v1/webhooks/", {"url": URL, "event_types": ["member.eaten"]}, format="json"
    )

    assert response.status_code == 400
    assert "event_types" in response.json()["error"]["details"]


def test_a_name_that_resolves_to_loopback_at_send_time_is_a_failed_delivery(dns, created, monkeypatch):
    connections = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connections.append(a))
    feed.publish(MembershipFactory().organization)
    [delivery_id] = webhooks.fan_out()
    dns["partner.example"] = ["127.0.0.1"]  # DNS rebinding: public at registration, loopback now

    assert webhooks.deliver(delivery_id=delivery_id) == "retry"

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.state == S.PENDING
    assert "127.0.0.1" in delivery.last_error
    assert "UnsafeTarget" in delivery.last_error
    assert connections == []  # nothing was called


def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(dns, created, monkeypatch):
    seen = {}

    class Refused(OSError):
        pass

    def create_connection(address, timeout=None, **kwargs):
        seen["address"] = address
        raise Refused("stop here")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    feed.publish(MembershipFactory().organization)
    [delivery_id] = webhooks.fan_out()

    webhooks.deliver(delivery_id=delivery_id)

    assert seen["address"] == (PUBLIC, 443)


def test_private_targets_cannot_be_allowed_without_debug():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "WEBHOOK_ALLOW_PRIVATE_TARGETS" in result.stderr
