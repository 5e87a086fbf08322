"""Webhooks in the admin: the secretariat registers an endpoint (the secret shown once, the URL
checked), reads the delivery log per endpoint filtered by state with each answer's status, and
redelivers."""

import re

import pytest
from django.contrib import admin

from accounts.roles import SECRETARIAT, ensure_role_groups
from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from notifications.models import NotificationState as S
from registry import feed
from tests.factories import MembershipFactory, PartnerKeyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    table = {"partner.example": ["93.184.215.14"], "inside.example": ["10.0.0.8"]}
    monkeypatch.setattr(webhooks, "_resolve", lambda host, port: table[host])


@pytest.fixture
def secretariat_client(client, settings):
    settings.OFFICERS_REQUIRE_MFA = False  # two-factor has its own tests
    ensure_role_groups()
    client.force_login(
        UserFactory(groups=[SECRETARIAT], is_staff=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def test_the_secretariat_may_manage_endpoints_and_redeliver():
    ensure_role_groups()
    user = UserFactory(groups=[SECRETARIAT], is_staff=True)

    assert user.has_perms(
        ["api.add_webhookendpoint", "api.change_webhookendpoint", "api.change_webhookdelivery"]
    )
    assert not user.has_perm("api.delete_webhookdelivery")
    assert admin.site.is_registered(WebhookDelivery)


def test_the_admin_registers_an_endpoint_and_shows_its_secret_once(secretariat_client):
    key = PartnerKeyFactory()
    response = secretariat_client.post(
        "/admin/api/webhookendpoint/add/",
        {
            "partner_key": key.pk,
            "url": "https://partner.example/hook",
            "event_types": ["member.ended"],
            "enabled": "on",
        },
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    shown = re.findall(r" is: (whsec_[A-Za-z0-9+/=]+) ", response.content.decode())
    assert shown == [webhooks.decrypt_secret(endpoint.secret_encrypted)]
    assert endpoint.event_types == ["member.ended"]
    page = secretariat_client.get(f"/admin/api/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert shown[0] not in page


def test_the_admin_refuses_a_private_address(secretariat_client):
    response = secretariat_client.post(
        "/admin/api/webhookendpoint/add/",
        {"partner_key": PartnerKeyFactory().pk, "url": "https://inside.example/"},
    )

    assert response.status_code == 200
    assert "10.0.0.8" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_filters_by_endpoint_and_state_and_redelivers(secretariat_client):
    endpoint, _secret = webhooks.webhook_endpoint_create(
        partner_key=PartnerKeyFactory(), url="https://partner.example/"
    )
    feed.publish(MembershipFactory().organization)
    feed.publish(MembershipFactory().organization)
    failed_id, sent_id = webhooks.fan_out()
    WebhookDelivery.objects.filter(pk=failed_id).update(state=S.FAILED, response_status=503)
    WebhookDelivery.objects.filter(pk=sent_id).update(state=S.SENT, response_status=204)

    response = secretariat_client.get(
        "/admin/api/webhookdelivery/", {"endpoint__id__exact": endpoint.pk, "state__exact": "failed"}
    )
    assert [row.pk for row in response.context["cl"].result_list] == [failed_id]
    assert '<td class="field-response_status">503</td>' in response.content.decode()

    secretariat_client.post(
        "/admin/api/webhookdelivery/", {"action": "redeliver", "_selected_action": [failed_id]}, follow=True
    )
    delivery = WebhookDelivery.objects.get(pk=failed_id)
    assert (delivery.state, delivery.attempts) == (S.PENDING, 0)
