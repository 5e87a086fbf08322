"""Accounts on django-allauth: the username is the e-mail address, never seen or chosen.

The project keeps Django's default User (the demo users are made the same way), and
sends people to their own start page after log-in. Its client address (allauth's log-in
limits) is ``config.proxies.client_ip``'s.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from config.proxies import client_ip

from . import roles

USERNAME_MAX_LENGTH = 150


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
        if roles.has_committee_role(user):
            return reverse("committee-queue")
        return super().get_login_redirect_url(request)
