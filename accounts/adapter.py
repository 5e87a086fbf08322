"""Accounts on django-allauth: the username is the e-mail address, never seen or chosen.

The project keeps Django's default User (the demo users are made the same way), and
sends people to their own start page after log-in. Its client address (allauth's log-in
limits) is ``config.proxies.client_ip``'s. Its e-mails leave after the response
(``accounts.mail``), so a page's time never says which e-mail it sent.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from config.proxies import client_ip

from . import mail, roles

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

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's ``send_mail``, but the rendered message is sent by a task after commit
        (``accounts.mail.send_after_commit``) rather than during the request."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        mail.send_after_commit(self.render_mail(template_prefix, email, ctx))

    def get_login_redirect_url(self, request) -> str:
        user = request.user
        if roles.has_committee_role(user):
            return reverse("committee-queue")
        return super().get_login_redirect_url(request)
