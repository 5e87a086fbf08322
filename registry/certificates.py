"""Membership certificates: a signed statement of membership that anyone can verify.

A certificate is a compact JWS (RFC 7515) signed with Ed25519 (``alg`` ``EdDSA``, RFC 8037), made
and read with PyJWT on ``cryptography``. Its header names the key (``kid``); its claims are
``CLAIMS`` below. The public keys are published as a JWK Set (``published_keys``, served at
``/.well-known/federation-registry-keys.json``): a partner verifies a certificate offline with
that file alone. ``certificate_verify`` checks the signature, then answers from the live record:
still true today, no longer true since a date (and why), or expired.

Keys rotate (``certificate_key_rotate``): the new key signs, the old ones stay published, so the
certificates they signed still verify. A revoked key is no longer published.
"""

import base64
import datetime
import hashlib
import uuid
from dataclasses import dataclass

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    Certificate,
    CertificateKey,
    EndReason,
    Membership,
    MembershipState,
)
from .selectors import federation_year, in_good_standing, return_due_on, today, year_start

ALGORITHM = "EdDSA"
# The claims every certificate carries (the README's "Membership certificates" lists them).
CLAIMS = (
    "iss",  # the site (SITE_URL)
    "jti",  # the certificate's id
    "iat",  # issued at (seconds since 1970, UTC)
    "exp",  # the end of the day it is valid until (seconds since 1970, UTC)
    "organization_slug",
    "organization_name",
    "category",  # full, associate, observer
    "in_good_standing",
    "admitted_on",  # YYYY-MM-DD
    "valid_until",  # YYYY-MM-DD, the last day of the federation year it was issued in
)


class CertificateError(Exception):
    """A token that cannot be read as one of our certificates. ``code`` is for the API."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- keys ------------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _fernet() -> Fernet:
    digest = hashlib.sha256(
        b"federation-registry certificate keys\x00" + settings.CERTIFICATE_KEY_SECRET.encode()
    )
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def _private_key(key: CertificateKey) -> Ed25519PrivateKey:
    raw = _fernet().decrypt(key.private_key_encrypted.encode("ascii"))
    return Ed25519PrivateKey.from_private_bytes(raw)


def certificate_key_create(*, now: datetime.datetime | None = None) -> CertificateKey:
    """A new signing key: generated, its private half encrypted, saved. It signs from now on."""
    now = now or timezone.now()
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    kid = f"{now:%Y%m%d}-{_b64url(hashlib.sha256(public_raw).digest()[:6])}"
    return CertificateKey.objects.create(
        kid=kid,
        public_key=_b64url(public_raw),
        private_key_encrypted=_fernet().encrypt(private_raw).decode("ascii"),
        created_at=now,
    )


@transaction.atomic
def certificate_key_rotate(*, now: datetime.datetime | None = None) -> CertificateKey:
    """Retire the signing keys (they stay published), then create the key that signs from now on."""
    now = now or timezone.now()
    CertificateKey.objects.select_for_update().filter(retired_at__isnull=True).update(retired_at=now)
    return certificate_key_create(now=now)


@transaction.atomic
def certificate_key_revoke(*, kid: str, now: datetime.datetime | None = None) -> CertificateKey:
    """Stop publishing key ``kid`` (a leaked key): the certificates it signed no longer verify."""
    now = now or timezone.now()
    key = CertificateKey.objects.select_for_update().get(kid=kid)
    key.revoked_at = key.revoked_at or now
    key.retired_at = key.retired_at or now
    key.save(update_fields=["revoked_at", "retired_at"])
    return key


@transaction.atomic
def signing_key() -> CertificateKey:
    """The newest key neither retired nor revoked; one is created on first use, and when the stored
    key cannot be decrypted any more (``CERTIFICATE_KEY_SECRET`` changed). Two first uses at once may
    each create one: both are published, the newer signs from then on."""
    keys = CertificateKey.objects.filter(retired_at__isnull=True, revoked_at__isnull=True)
    key = keys.order_by("-created_at", "-pk").first()
    if key is not None:
        try:
            _private_key(key)
        except InvalidToken:
            key = None
    return key or certificate_key_rotate()


def published_keys() -> dict:
    """Every key not revoked as a JWK Set (RFC 7517; OKP/Ed25519, RFC 8037), the newest first."""
    keys = CertificateKey.objects.filter(revoked_at__isnull=True).order_by("-created_at", "-pk")
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": key.public_key,
                "kid": key.kid,
                "alg": ALGORITHM,
                "use": "sig",
            }
            for key in keys
        ]
    }


# --- issuing --------------------------------------------------------------------------------------------


def certificate_valid_until(on: datetime.date) -> datetime.date:
    """The last day of the federation year ``on`` falls in."""
    return year_start(federation_year(on) + 1) - datetime.timedelta(days=1)


def _end_of(day: datetime.date) -> int:
    return int(
        datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, datetime.UTC
        ).timestamp()
    )


def _names(certificate: Certificate) -> tuple[str, str]:
    """The organization's slug and name as ``certificate`` states them (its own claims, signed by us)."""
    claims = jwt.decode(certificate.token, options={"verify_signature": False})
    return claims["organization_slug"], claims["organization_name"]


@transaction.atomic
def certificate_issue(*, membership: Membership, actor, now: datetime.datetime | None = None) -> Certificate:
    """A certificate of ``membership`` as it stands now, asked for by ``actor`` (the caller checks who may).

    Read the standing, pick the signing key (created on first use), and reuse the certificate this
    person was given today if it states the same (opening the page and its PDF give one
    certificate: same category, standing, validity, key and name); otherwise sign a new statement
    and record it.
    """
    now = now or timezone.now()
    on = timezone.localtime(now, datetime.UTC).date()
    standing = in_good_standing(membership, on)
    valid_until = certificate_valid_until(on)
    key = signing_key()
    same = Certificate.objects.filter(
        membership=membership,
        issued_by=actor if getattr(actor, "pk", None) else None,
        issued_at__date=on,
        category=membership.category,
        in_good_standing=standing,
        valid_until=valid_until,
        key=key,
    ).first()
    organization = membership.organization
    if same is not None and _names(same) == (organization.slug, organization.name):
        return same
    certificate_id = uuid.uuid4()
    claims = {
        "iss": settings.SITE_URL,
        "jti": str(certificate_id),
        "iat": int(now.timestamp()),
        "exp": _end_of(valid_until),
        "organization_slug": organization.slug,
        "organization_name": organization.name,
        "category": membership.category,
        "in_good_standing": standing,
        "admitted_on": membership.admitted_on.isoformat(),
        "valid_until": valid_until.isoformat(),
    }
    token = jwt.encode(claims, _private_key(key), algorithm=ALGORITHM, headers={"kid": key.kid})
    return Certificate.objects.create(
        id=certificate_id,
        membership=membership,
        category=membership.category,
        in_good_standing=standing,
        issued_at=now,
        issued_by=actor if getattr(actor, "pk", None) else None,
        valid_until=valid_until,
        key=key,
        token=token,
    )


# --- verifying -------------------------------------------------------------------------------------------

# What ``Verification.status`` says.
VALID = "valid"  # what it states is still true today
NO_LONGER_VALID = "no_longer_valid"  # the record changed since: ``since`` and ``reason`` say how
EXPIRED = "expired"  # its validity ended (``since``: the first day after it)

# ``Verification.reason`` when no longer valid: "suspended", "category_changed", "standing_lost",
# "standing_changed", or why the membership ended (an ``EndReason``: withdrawn, expelled …).
SUSPENDED = "suspended"
CATEGORY_CHANGED = "category_changed"
STANDING_LOST = "standing_lost"
STANDING_CHANGED = "standing_changed"


@dataclass(frozen=True)
class Verification:
    status: str
    claims: dict
    kid: str
    checked_on: datetime.date
    since: datetime.date | None = None
    reason: str = ""
    certificate: Certificate | None = None


def _decode(token: str) -> tuple[dict, str]:
    """The claims and kid of a token signed by a published key; expiry is checked by the caller."""
    if not token or len(token) > 4096 or token.count(".") != 2:
        raise CertificateError("malformed", _("This is not a certificate token."))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise CertificateError("malformed", _("This is not a certificate token.")) from None
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise CertificateError("malformed", _("This token is not signed the way our certificates are."))
    key = CertificateKey.objects.filter(kid=kid, revoked_at__isnull=True).first()
    if key is None:
        raise CertificateError("unknown_key", _("This token is signed with a key we do not publish."))
    jwk = jwt.PyJWK({"kty": "OKP", "crv": "Ed25519", "x": key.public_key}, algorithm=ALGORITHM)
    try:
        claims = jwt.decode(
            token,
            jwk.key,
            algorithms=[ALGORITHM],
            issuer=settings.SITE_URL,
            options={"verify_exp": False, "require": ["jti", "iat", "exp", "iss"]},
        )
    except jwt.InvalidTokenError:
        raise CertificateError(
            "bad_signature", _("The signature of this certificate is not valid.")
        ) from None
    missing = [name for name in CLAIMS if name not in claims]
    if missing:
        raise CertificateError("malformed", _("This token does not hold a membership certificate."))
    return claims, kid


def _suspended_since(membership: Membership) -> datetime.date | None:
    opened = membership.suspensions.filter(ends_on__isnull=True).order_by("-starts_on").first()
    return opened.starts_on if opened else None


def _category_changed_on(membership: Membership, category: str, after: datetime.datetime) -> datetime.date:
    """The day the membership's category stopped being ``category`` (from its history), else today."""
    for version in membership.history.filter(history_date__gte=after).order_by("history_date", "history_id"):
        if version.category != category:
            return timezone.localtime(version.history_date, datetime.UTC).date()
    return today()


def certificate_verify(token: str, *, on: datetime.date | None = None) -> Verification:
    """Check ``token``'s signature with the published keys, then compare it with the live record on
    ``on`` (today). Raises ``CertificateError`` for a token that is not one of our certificates."""
    on = on or today()
    claims, kid = _decode(token)
    try:
        certificate = Certificate.objects.select_related("membership__organization").get(pk=claims["jti"])
    except (Certificate.DoesNotExist, ValueError, ValidationError):
        raise CertificateError("unknown_certificate", _("We have no record of this certificate.")) from None
    result = {"claims": claims, "kid": kid, "checked_on": on, "certificate": certificate}
    valid_until = certificate.valid_until
    if on > valid_until:
        return Verification(EXPIRED, since=valid_until + datetime.timedelta(days=1), **result)
    membership = certificate.membership
    issued_on = timezone.localtime(certificate.issued_at, datetime.UTC).date()
    if membership.state == MembershipState.ENDED:
        reason = membership.end_reason or EndReason.WITHDRAWN
        return Verification(NO_LONGER_VALID, since=membership.ended_on, reason=reason, **result)
    if membership.state == MembershipState.SUSPENDED:
        since = _suspended_since(membership) or on
        return Verification(NO_LONGER_VALID, since=since, reason=SUSPENDED, **result)
    if membership.category != certificate.category:
        since = _category_changed_on(membership, certificate.category, certificate.issued_at)
        return Verification(NO_LONGER_VALID, since=since, reason=CATEGORY_CHANGED, **result)
    standing = in_good_standing(membership, on)
    if certificate.in_good_standing and not standing:
        due = return_due_on(federation_year(on), admitted_on=membership.admitted_on)
        since = max(due + datetime.timedelta(days=1), issued_on)
        return Verification(NO_LONGER_VALID, since=since, reason=STANDING_LOST, **result)
    if standing and not certificate.in_good_standing:
        return Verification(NO_LONGER_VALID, since=on, reason=STANDING_CHANGED, **result)
    return Verification(VALID, **result)
