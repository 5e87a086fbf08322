"""Personal API tokens: a person's own keys for the workflow API.

A signed-in person creates tokens on /account/tokens/ (the key is shown once, then only
its prefix), sees when each was last used, and revokes them there. Clients send
``Authorization: Token <key>`` (or ``Bearer <key>``); the key acts as its user, with that
user's roles, on the workflow endpoints only (``api.workflow_views``). Keys are stored
hashed (``api.models.PersonalToken``, djangorestframework-api-key's ``AbstractAPIKey``).
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import authentication, exceptions

from config.accounts import mfa_setup_redirect, officer_needs_mfa

from .authentication import KEY_FORMAT
from .models import PersonalToken
from .throttling import counts_refusals

KEYWORDS = ("token", "bearer")
# A person may hold this many usable tokens at a time.
MAX_ACTIVE_TOKENS = 10
# ``last_used_at`` is written at most this often per token (not on every request).
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


# --- authentication ----------------------------------------------------------------------------


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
        if scheme.lower() not in KEYWORDS:
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


# --- actions ---------------------------------------------------------------------------------


@transaction.atomic
def token_create(*, user, name: str, expires_in_days: int | None = None) -> tuple[PersonalToken, str]:
    """A new token for ``user``; returns it and its key (shown once, never stored).

    Check the number of usable tokens, create the row (hashed key), return the plain key.
    """
    active = PersonalToken.objects.select_for_update().filter(user=user, revoked=False)
    if sum(1 for token in active if not token.has_expired) >= MAX_ACTIVE_TOKENS:
        raise forms.ValidationError(
            _("You already have %(count)d tokens. Revoke one you no longer use first."),
            code="too_many",
            params={"count": MAX_ACTIVE_TOKENS},
        )
    expiry = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    return PersonalToken.objects.create_key(user=user, name=name, expiry_date=expiry)


def token_revoke(*, token: PersonalToken) -> None:
    """Revoke for good (djangorestframework-api-key refuses to un-revoke)."""
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])


# --- the page: /account/tokens/ ----------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("What the token is for, so that you recognise it later: “reporting script”."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=[
            ("30", _("In 30 days")),
            ("90", _("In 90 days")),
            ("365", _("In a year")),
            ("", _("Never")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )


def _officer_check(request):
    if officer_needs_mfa(request.user):
        return mfa_setup_redirect(request)
    return None


def _render(request, form, *, new_key: str | None = None, new_token=None):
    tokens = list(PersonalToken.objects.filter(user=request.user).order_by("revoked", "-created"))
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key, "new_token": new_token},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def token_list(request):
    """The person's tokens and a form for a new one; after creating, the key is shown once."""
    if (refusal := _officer_check(request)) is not None:
        return refusal
    if request.method != "POST":
        return _render(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except forms.ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _render(request, TokenForm(), new_key=key, new_token=token)
    return _render(request, form)


@require_POST
@login_required
def token_revoke_view(request, prefix: str):
    if (refusal := _officer_check(request)) is not None:
        return refusal
    token = get_object_or_404(PersonalToken, user=request.user, prefix=prefix)
    token_revoke(token=token)
    messages.success(
        request,
        gettext("The token “%(name)s” is revoked: programs using it can no longer reach the API.")
        % {"name": token.name},
    )
    return redirect("account-tokens")


# Included at /account/tokens/ (config/urls.py).
urlpatterns = [
    path("", token_list, name="account-tokens"),
    path("<str:prefix>/revoke/", token_revoke_view, name="account-token-revoke"),
]
