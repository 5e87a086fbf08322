"""The one two-factor rule for officers: members of Secretariat and Executive Committee
enrol in TOTP (when ``OFFICERS_REQUIRE_MFA`` is on) before they reach any page, endpoint or
document of the workflow, or the admin.

``officer_needs_mfa`` is the rule; ``OfficerMFAMiddleware`` applies it to the pages (and
the admin), the API's permission class applies it to the endpoints.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import roles

# The pages an officer without two-factor may not reach (when OFFICERS_REQUIRE_MFA is on): every
# page of the workflow (their own application's included), documents, API tokens and the admin.
# The API's permission class applies the same rule to its endpoints.
OFFICER_PATH_PREFIXES = ("/committee/", "/admin/", "/applications/", "/account/tokens/")


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def officer_needs_mfa(user) -> bool:
    """Whether ``user`` must set up two-factor before any workflow page, endpoint or document."""
    return bool(settings.OFFICERS_REQUIRE_MFA) and roles.is_officer(user) and not has_totp(user)


def mfa_setup_redirect(request):
    messages.warning(
        request,
        _(
            "Members of the Secretariat and the Executive Committee must turn on two-factor "
            "authentication before they can open these pages. Please set it up now."
        ),
    )
    return redirect("mfa_activate_totp")


class OfficerMFAMiddleware:
    """Redirect officers without TOTP to the setup page before any page of ``OFFICER_PATH_PREFIXES``."""

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
