"""Membership certificates: signed, verifiable offline with the published keys alone, checked
against the live record, keys that rotate without breaking what was issued."""

import base64
import datetime
import json

import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from registry import certificates
from registry.models import Certificate, CertificateKey, YearlyReturn
from registry.selectors import federation_year, today, year_start
from registry.services import membership_category_change, membership_end, membership_suspend
from tests.factories import MembershipFactory, applicant_user

pytestmark = pytest.mark.django_db

KEYS_URL = "/.well-known/federation-registry-keys.json"


@pytest.fixture
def membership():
    membership = MembershipFactory(organization__name="Kenya NUS", organization__slug="knus")
    YearlyReturn.objects.create(membership=membership, year=federation_year(today()), filed_at=timezone.now())
    return membership


def issue(membership, **kwargs):
    return certificates.certificate_issue(membership=membership, actor=applicant_user(), **kwargs)


def published_jwks() -> dict:
    response = Client().get(KEYS_URL)
    assert response.status_code == 200
    return json.loads(response.content)


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_offline(token: str, jwks: dict) -> dict:
    """What a partner does with the JWKS file alone: PyJWT, no code of the registry."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    return jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_iss": False})


def verify_with_cryptography(token: str, jwks: dict) -> dict:
    """The same with ``cryptography`` alone: the signature is over ``header.payload``."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(_b64decode(header_b64))
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    public = Ed25519PublicKey.from_public_bytes(_b64decode(jwk["x"]))
    public.verify(_b64decode(signature_b64), f"{header_b64}.{payload_b64}".encode())
    return json.loads(_b64decode(payload_b64))


def verify_json(token: str):
    return Client().get(f"/verify/{token}/", HTTP_ACCEPT="application/json")


def test_a_certificate_verifies_offline_with_the_published_keys_only(membership):
    certificate = issue(membership)
    jwks = published_jwks()

    claims = verify_offline(certificate.token, jwks)
    assert verify_with_cryptography(certificate.token, jwks) == claims
    assert jwks["keys"][0] | {"x": "…"} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "…",
        "kid": certificate.key.kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "d" not in jwks["keys"][0]  # never the private half
    assert claims["organization_slug"] == "knus"
    assert claims["organization_name"] == "Kenya NUS"
    assert claims["category"] == "full"
    assert claims["in_good_standing"] is True
    assert claims["admitted_on"] == "2020-05-01"
    assert claims["jti"] == str(certificate.id)
    end = year_start(federation_year(today()) + 1) - datetime.timedelta(days=1)
    assert claims["valid_until"] == end.isoformat()
    assert jwt.get_unverified_header(certificate.token)["kid"] == certificate.key.kid


def test_changing_one_byte_of_the_token_breaks_the_signature(membership):
    token = issue(membership).token
    jwks = published_jwks()
    header, payload, signature = token.split(".")
    # One character of the payload: "in_good_standing": true could become anything.
    position = len(payload) // 2
    swapped = "A" if payload[position] != "A" else "B"
    forged = f"{header}.{payload[:position]}{swapped}{payload[position + 1 :]}.{signature}"

    with pytest.raises(jwt.InvalidTokenError):
        verify_offline(forged, jwks)
    with pytest.raises((InvalidSignature, ValueError)):
        verify_with_cryptography(forged, jwks)
    response = verify_json(forged)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"


def test_the_verification_page_says_valid_today(membership):
    certificate = issue(membership)

    page = Client().get(f"/verify/{certificate.token}/")
    data = verify_json(certificate.token).json()
    also_json = Client().get(f"/verify/{certificate.token}/?format=json")

    assert page.status_code == 200
    assert "Valid: what this certificate says is true today" in page.content.decode()
    assert "Kenya NUS" in page.content.decode()
    assert data["status"] == "valid"
    assert data["certificate"]["organization"] == {"slug": "knus", "name": "Kenya NUS"}
    assert data["certificate"]["in_good_standing"] is True
    assert also_json.json()["status"] == "valid"


def test_verification_reflects_a_later_suspension(membership):
    certificate = issue(membership)
    suspended_on = today()
    membership_suspend(membership=membership, on=suspended_on, reason="Dues unpaid for two years.")

    data = verify_json(certificate.token).json()
    page = Client().get(f"/verify/{certificate.token}/").content.decode()

    assert data["status"] == "no_longer_valid"
    assert data["reason"] == "suspended"
    assert data["since"] == suspended_on.isoformat()
    assert "No longer valid since" in page
    assert "suspended" in page
    # Offline, the signature is still good: the live record is what changed.
    assert verify_offline(certificate.token, published_jwks())["organization_slug"] == "knus"


@pytest.mark.parametrize("reason", ["withdrawn", "expelled"])
def test_verification_reflects_an_end_with_its_reason(membership, reason):
    certificate = issue(membership)
    ended_on = today()
    membership_end(membership=membership, on=ended_on, reason=reason)

    data = verify_json(certificate.token).json()

    assert (data["status"], data["reason"], data["since"]) == (
        "no_longer_valid",
        reason,
        ended_on.isoformat(),
    )


def test_verification_reflects_a_change_of_category(membership):
    certificate = issue(membership)
    membership_category_change(membership=membership, category="observer")

    data = verify_json(certificate.token).json()

    assert (data["status"], data["reason"]) == ("no_longer_valid", "category_changed")


def test_a_lost_good_standing_is_reported(membership, settings):
    certificate = issue(membership)
    assert certificate.in_good_standing
    YearlyReturn.objects.filter(membership=membership).delete()
    settings.RETURN_DUE_DAYS = 1
    settings.MEMBERSHIP_YEAR_START = "01-01"
    if today() <= datetime.date(today().year, 1, 1):
        pytest.skip("on the year's first day every return is still due")

    data = verify_json(certificate.token).json()

    assert (data["status"], data["reason"]) == ("no_longer_valid", "standing_lost")


def test_an_expired_certificate_gets_410(membership):
    issued = timezone.now() - datetime.timedelta(days=800)
    certificate = issue(membership, now=issued)

    response = verify_json(certificate.token)
    page = Client().get(f"/verify/{certificate.token}/")

    assert response.status_code == 410
    assert response.json()["status"] == "expired"
    assert page.status_code == 410
    assert "Expired" in page.content.decode()
    with pytest.raises(jwt.ExpiredSignatureError):  # offline too: `exp` is the end of its last day
        verify_offline(certificate.token, published_jwks())


def test_rotation_keeps_old_certificates_valid_and_signs_new_ones_with_the_new_key(membership):
    old = issue(membership)
    out = call_command("rotate_certificate_key")
    assert out is None
    new_key = CertificateKey.objects.get(retired_at__isnull=True)
    new = certificates.certificate_issue(membership=membership, actor=applicant_user(username="another"))
    jwks = published_jwks()

    assert new_key.kid != old.key.kid
    assert new.key == new_key
    assert jwt.get_unverified_header(new.token)["kid"] == new_key.kid
    assert {k["kid"] for k in jwks["keys"]} == {old.key.kid, new_key.kid}
    assert verify_offline(old.token, jwks)["jti"] == str(old.id)
    assert verify_offline(new.token, jwks)["jti"] == str(new.id)
    assert verify_json(old.token).json()["status"] == "valid"
    assert verify_json(new.token).json()["status"] == "valid"


def test_a_revoked_key_is_no_longer_published_and_its_certificates_fail(membership):
    certificate = issue(membership)
    call_command("rotate_certificate_key", revoke=certificate.key.kid)

    jwks = published_jwks()
    response = verify_json(certificate.token)

    assert certificate.key.kid not in {k["kid"] for k in jwks["keys"]}
    assert response.status_code == 400
    assert response.json()["error"] == "unknown_key"


def test_a_key_is_created_on_first_use_and_its_private_half_is_stored_encrypted(membership):
    assert not CertificateKey.objects.exists()
    certificate = issue(membership)
    key = CertificateKey.objects.get()

    assert certificate.key == key
    assert key.private_key_encrypted.startswith("gAAAA")  # a Fernet token
    assert key.public_key not in key.private_key_encrypted


def test_the_same_person_gets_the_same_certificate_the_same_day_while_nothing_changed(membership):
    person = applicant_user()
    first = certificates.certificate_issue(membership=membership, actor=person)
    again = certificates.certificate_issue(membership=membership, actor=person)
    membership_category_change(membership=membership, category="associate")
    changed = certificates.certificate_issue(membership=membership, actor=person)

    organization = membership.organization
    organization.name = "Kenya National Union of Students"
    organization.save()
    renamed = certificates.certificate_issue(membership=membership, actor=person)

    assert again == first
    assert changed != first
    assert renamed != changed
    assert verify_offline(renamed.token, published_jwks())["organization_name"] == organization.name
    assert Certificate.objects.count() == 3


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(membership):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    certificate = issue(membership)
    claims = verify_offline(certificate.token, published_jwks())
    forged = jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": certificate.key.kid}
    )

    response = verify_json(forged)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_signature"


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "a.b.c",
        "....",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",  # HS256, the wrong algorithm
        "eyJhbGciOiJFZERTQSIsImtpZCI6Im5vLXN1Y2gta2V5In0.e30.c2ln",  # an unknown kid
        "x" * 5000,
    ],
)
def test_malformed_tokens_get_a_clear_400(membership, token):
    issue(membership)
    page = Client().get(f"/verify/{token}/")
    data = verify_json(token)

    assert page.status_code == 400
    assert "Not valid" in page.content.decode()
    assert data.status_code == 400
    assert data.json()["status"] == "invalid"


def test_a_truncated_token_gets_400(membership):
    token = issue(membership).token
    assert verify_json(token[:-10]).status_code == 400
    assert verify_json(token.rsplit(".", 1)[0]).status_code == 400


def test_the_keys_are_cacheable_json():
    response = Client().get(KEYS_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert "max-age=3600" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert json.loads(response.content) == {"keys": []}


def test_a_new_key_secret_makes_a_new_signing_key_and_old_certificates_still_verify(membership, settings):
    old = issue(membership)
    settings.CERTIFICATE_KEY_SECRET = "another secret"
    new = certificates.certificate_issue(membership=membership, actor=applicant_user(username="someone"))

    assert new.key != old.key
    assert verify_json(old.token).json()["status"] == "valid"
    assert verify_json(new.token).json()["status"] == "valid"


@pytest.mark.parametrize("jti", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_signed_statement_we_have_no_record_of_gets_404(membership, jti):
    certificate = issue(membership)
    claims = verify_offline(certificate.token, published_jwks()) | {"jti": jti}
    token = jwt.encode(
        claims,
        certificates._private_key(certificate.key),
        algorithm="EdDSA",
        headers={"kid": certificate.key.kid},
    )

    response = verify_json(token)

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_certificate"
