"""Accounts on django-allauth: usernames are e-mail addresses, officers need two-factor.

- ``AccountAdapter`` stores the e-mail as the username (the project keeps Django's
  default User, and the demo users are made that way), so nobody ever sees or
  chooses a username, and sends people to their own start page after log-in. Its client
  address (allauth's log-in limits) is ``config.proxies.client_ip``'s.
- ``OfficerMFAMiddleware`` keeps members of Secretariat and Executive Committee
  out of the committee pages and the admin until they have enrolled in TOTP,
  when ``OFFICERS_REQUIRE_MFA`` is on.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from config.proxies import client_ip
from registry import roles

USERNAME_MAX_LENGTH = 150

# Paths only officers with two-factor may reach (when OFFICERS_REQUIRE_MFA is on).
OFFICER_PATH_PREFIXES = ("/committee/", "/admin/")


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        """The username is the e-mail address (lower-cased), as for the demo users."""
        email = (user.email or "").strip().lower()
        if email and len(email) <= USERNAME_MAX_LENGTH:
            user.username = email
        else:  # an address too long for the username column: a generated, unique name
            super().populate_username(request, user)

    def get_client_ip(self, request) -> str:
        """The address allauth's rate limits (log-in, failed log-ins) count: the one the API's
        throttles and the logs use (``config.proxies.client_ip``, ``TRUSTED_PROXIES``)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def get_login_redirect_url(self, request) -> str:
        user = request.user
        if is_officer(user) or roles.is_reviewer(user):
            return reverse("committee-queue")
        return super().get_login_redirect_url(request)


def is_officer(user) -> bool:
    """Secretariat and Executive Committee: the people who must use two-factor."""
    return roles.is_secretariat(user) or roles.is_committee_member(user)


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def officer_needs_mfa(user) -> bool:
    """Whether ``user`` must set up two-factor before the committee pages."""
    return bool(settings.OFFICERS_REQUIRE_MFA) and is_officer(user) and not has_totp(user)


def mfa_setup_redirect(request):
    messages.warning(
        request,
        _(
            "Members of the Secretariat and the Executive Committee must turn on two-factor "
            "authentication before they can open the committee pages. Please set it up now."
        ),
    )
    return redirect("mfa_activate_totp")


class OfficerMFAMiddleware:
    """Redirect officers without TOTP to the setup page before any committee or admin page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith(OFFICER_PATH_PREFIXES)
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and officer_needs_mfa(request.user)
        ):
            return mfa_setup_redirect(request)
        return self.get_response(request)
