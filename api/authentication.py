"""Partner keys: ``Authorization: Api-Key <key>``.

No header: the request is anonymous. A header with the ``Api-Key`` scheme must
carry a valid key: a malformed, unknown, revoked or expired key is refused
with 403 and says why — it is never silently treated as anonymous. Each refusal
counts against the caller's address in the anonymous rate limit (then 429).
"""

import datetime
import re

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import PersonalToken

from .models import PartnerKey
from .throttling import counts_refusals

KEYWORD = "Api-Key"
# "<prefix>.<secret>", as djangorestframework-api-key generates them (8 and 32 letters or digits).
KEY_FORMAT = re.compile(r"[A-Za-z0-9]{1,16}\.[A-Za-z0-9]{1,128}")


class InvalidPartnerKey(exceptions.PermissionDenied):
    default_code = "invalid_api_key"


def _refuse(message, code: str):
    return InvalidPartnerKey(message, code=code)


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates a partner by key; ``request.auth`` is then the ``PartnerKey``.

    ``request.user`` stays anonymous: a partner is not a user of the site.
    Authorization headers of other schemes are left to other authentication classes.
    """

    @counts_refusals
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, key = header.strip().partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        if not KEY_FORMAT.fullmatch(key):
            raise _refuse(
                _(
                    "The API key is malformed. Send the header 'Authorization: Api-Key <key>' with the full key."
                ),
                "api_key_malformed",
            )
        prefix = key.partition(".")[0]
        partner_key = PartnerKey.objects.filter(prefix=prefix).first()
        if partner_key is None or not partner_key.is_valid(key):
            raise _refuse(_("The API key is not known. Check that you copied it whole."), "api_key_unknown")
        if partner_key.revoked:
            raise _refuse(
                _("This API key has been revoked. Ask the federation's secretariat for a new key."),
                "api_key_revoked",
            )
        if partner_key.has_expired:
            raise _refuse(
                _("This API key has expired. Ask the federation's secretariat for a new key."),
                "api_key_expired",
            )
        return AnonymousUser(), partner_key

    def authenticate_header(self, request):
        # No challenge: refusals are 403, not 401 (a 401 would invite a browser login prompt).
        return None


# --- personal tokens: ``Authorization: Token <key>`` (or ``Bearer``) ------------------------------

TOKEN_KEYWORDS = ("token", "bearer")
# ``last_used_at`` is written at most this often per token (not on every request).
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` or ``Bearer <key>`` → the token's user; ``request.auth`` is the token.

    No header of these schemes: not this class's business (the request may be anonymous, or
    use a session or a partner key). A malformed, unknown, revoked or expired key, or a
    deactivated account, is refused with 401 and says why, and counts against the caller's
    address in the anonymous rate limit (then 429: keys cannot be guessed at speed).
    """

    @counts_refusals
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, key = header.strip().partition(" ")
        if scheme.lower() not in TOKEN_KEYWORDS:
            return None
        key = key.strip()
        if not KEY_FORMAT.fullmatch(key):
            raise InvalidToken(
                _("The token is malformed. Send the header 'Authorization: Token <key>' with the whole key."),
                code="token_malformed",
            )
        token = PersonalToken.objects.select_related("user").filter(prefix=key.partition(".")[0]).first()
        if token is None or not token.is_valid(key):
            raise InvalidToken(
                _("The token is not known. Check that you copied it whole."), code="token_unknown"
            )
        if token.revoked:
            raise InvalidToken(
                _("This token has been revoked. Create a new one on your account page."), code="token_revoked"
            )
        if token.has_expired:
            raise InvalidToken(
                _("This token has expired. Create a new one on your account page."), code="token_expired"
            )
        if not token.user.is_active:
            raise InvalidToken(_("This account is deactivated."), code="user_inactive")
        _note_use(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # A challenge makes DRF answer 401 (not 403) to requests without credentials.
        return 'Token realm="api"'


def _note_use(token: PersonalToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
