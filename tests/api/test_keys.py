"""Partner keys: Authorization: Api-Key <key>; refused keys are 403 with a reason, never anonymous."""

import datetime
import re

import pytest
from django.contrib import admin
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from api.models import PartnerKey
from tests.factories import MembershipFactory, PartnerKeyFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


@pytest.fixture
def listed(regions):
    return MembershipFactory(organization__region=regions["africa-east"]).organization


def get_with(api_client, authorization: str, path: str = URL):
    return api_client.get(path, HTTP_AUTHORIZATION=authorization)


def test_a_valid_key_is_accepted(api_client, partner_key, listed):
    response = get_with(api_client, f"Api-Key {partner_key.key}")

    assert response.status_code == 200
    assert response.json()["results"][0]["email"] == listed.email


def test_the_scheme_name_is_case_insensitive(api_client, partner_key, listed):
    assert get_with(api_client, f"api-key {partner_key.key}").status_code == 200


@pytest.mark.parametrize(
    ("make_key", "code"),
    [
        (lambda: PartnerKeyFactory(revoked=True), "api_key_revoked"),
        (
            lambda: PartnerKeyFactory(expiry_date=timezone.now() - datetime.timedelta(minutes=1)),
            "api_key_expired",
        ),
    ],
)
@pytest.mark.parametrize("path", [URL, "/api/v1/regions/", "/api/v1/affiliates/some-slug/"])
def test_revoked_and_expired_keys_are_403(api_client, listed, make_key, code, path):
    key = make_key()

    response = get_with(api_client, f"Api-Key {key.key}", path)

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == code
    assert "secretariat" in error["message"]


def test_a_key_revoked_after_use_stops_working(api_client, partner_key, listed):
    assert get_with(api_client, f"Api-Key {partner_key.key}").status_code == 200
    partner_key.revoked = True
    partner_key.save()

    assert get_with(api_client, f"Api-Key {partner_key.key}").status_code == 403


def test_a_key_with_a_future_expiry_works(api_client, listed):
    key = PartnerKeyFactory(expiry_date=timezone.now() + datetime.timedelta(days=30))

    assert get_with(api_client, f"Api-Key {key.key}").status_code == 200


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Api-Key", "api_key_malformed"),
        ("Api-Key ", "api_key_malformed"),
        ("Api-Key not a key", "api_key_malformed"),
        ("Api-Key abc", "api_key_malformed"),
        ("Api-Key abc.def.ghi", "api_key_malformed"),
        ("Api-Key ab$cd.efgh", "api_key_malformed"),
        ("Api-Key AbCdEfGh.0123456789abcdefghijABCDEFGHIJ", "api_key_unknown"),
    ],
)
def test_malformed_and_unknown_keys_are_403(api_client, listed, authorization, code):
    response = get_with(api_client, authorization)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == code


def test_the_right_prefix_with_a_wrong_secret_is_unknown_not_revoked(api_client, listed):
    key = PartnerKeyFactory(revoked=True)
    prefix = key.key.partition(".")[0]

    response = get_with(api_client, f"Api-Key {prefix}.{'x' * 32}")

    assert response.json()["error"]["code"] == "api_key_unknown"


def test_other_authorization_schemes_are_left_alone(api_client, listed):
    response = get_with(api_client, "Bearer something")

    assert response.status_code == 200
    assert "email" not in response.json()["results"][0]


def test_keys_are_stored_hashed(partner_key):
    stored = PartnerKey.objects.get(pk=partner_key.pk)

    assert partner_key.key not in (stored.id, stored.hashed_key)
    assert stored.prefix == partner_key.key.partition(".")[0]
    assert PartnerKey.objects.is_valid(partner_key.key)


def test_the_secretariat_manages_partner_keys_in_the_admin(client):
    assert admin.site.is_registered(PartnerKey)
    assert not admin.site.is_registered(APIKey)  # keys of the generic model would not work in the API


def test_the_admin_shows_a_new_key_once(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)

    response = client.post(
        "/admin/api/partnerkey/add/",
        {"organization_name": "Open Data Org", "contact_email": "dev@odo.example", "name": "production"},
        follow=True,
    )

    partner_key = PartnerKey.objects.get()
    shown = re.findall(r" is: ([A-Za-z0-9]+\.[A-Za-z0-9]+) ", response.content.decode())
    assert len(shown) == 1
    assert shown[0].startswith(partner_key.prefix + ".")
    assert PartnerKey.objects.is_valid(shown[0])
    assert shown[0] not in client.get(f"/admin/api/partnerkey/{partner_key.pk}/change/").content.decode()


def test_the_secretariat_may_create_and_revoke_partner_keys():
    from accounts.roles import SECRETARIAT, ensure_role_groups

    ensure_role_groups()
    user = UserFactory(groups=[SECRETARIAT], is_staff=True)

    assert user.has_perms(["api.add_partnerkey", "api.change_partnerkey", "api.view_partnerkey"])
