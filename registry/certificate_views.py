"""The public side of membership certificates: the published keys and the verification page.

``/verify/<token>/`` answers as a page, or as JSON with ``?format=json`` or ``Accept:
application/json``. A genuine certificate gets 200 with its ``status`` (``valid`` or
``no_longer_valid``, with ``since`` and ``reason``); an expired one 410; a token that is not one
of our certificates (malformed, truncated, forged, signed with a key we do not publish) 400; a
genuine one we have no record of 404.
"""

import datetime

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from . import certificates
from .models import EndReason, MembershipCategory

REASONS = {
    certificates.SUSPENDED: gettext_lazy("the membership is suspended"),
    certificates.CATEGORY_CHANGED: gettext_lazy("the category of membership changed"),
    certificates.STANDING_LOST: gettext_lazy("the union is no longer in good standing"),
    certificates.STANDING_CHANGED: gettext_lazy("the union's standing changed"),
    EndReason.WITHDRAWN: gettext_lazy("the membership ended: the union withdrew"),
    EndReason.EXPELLED: gettext_lazy("the membership ended: the union was expelled"),
    EndReason.LAPSED: gettext_lazy("the membership ended: it lapsed"),
    EndReason.DISSOLVED: gettext_lazy("the membership ended: the union was dissolved"),
}

STATUS_CODES = {certificates.VALID: 200, certificates.NO_LONGER_VALID: 200, certificates.EXPIRED: 410}
ERROR_CODES = {"unknown_certificate": 404}


def _wants_json(request) -> bool:
    if request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return accept.split(",")[0].split(";")[0].strip().lower() == "application/json"


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _summary(result: certificates.Verification) -> str:
    long_date = lambda day: formats.date_format(day, "j F Y")  # noqa: E731
    if result.status == certificates.VALID:
        return _("Valid: what this certificate says is true today, %(date)s.") % {
            "date": long_date(result.checked_on)
        }
    if result.status == certificates.EXPIRED:
        return _("Expired: this certificate was valid until %(date)s. Ask the union for a new one.") % {
            "date": long_date(result.certificate.valid_until)
        }
    return _("No longer valid since %(date)s: %(reason)s.") % {
        "date": long_date(result.since),
        "reason": REASONS.get(result.reason, result.reason),
    }


@cache_control(public=True, max_age=3600)
@require_safe
def certificate_keys(request):
    """The public keys that verify certificates, as a JWK Set (cacheable for an hour)."""
    response = JsonResponse(certificates.published_keys())
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Type"] = "application/jwk-set+json"
    return response


@never_cache
@require_safe
def certificate_verify(request, token: str):
    """Check a certificate: the signature with the published keys, then the live record."""
    response = _verify_response(request, token)
    patch_vary_headers(response, ["Accept"])
    return response


def _verify_response(request, token: str):
    as_json = _wants_json(request)
    try:
        result = certificates.certificate_verify(token)
    except certificates.CertificateError as exc:
        status = ERROR_CODES.get(exc.code, 400)
        if as_json:
            return JsonResponse(
                {"status": "invalid", "error": exc.code, "message": str(exc.message)}, status=status
            )
        return render(request, "registry/certificate_verify.html", {"error": exc.message}, status=status)
    summary = _summary(result)
    if as_json:
        claims = result.claims
        body = {
            "status": result.status,
            "checked_on": _day(result.checked_on),
            "since": _day(result.since),
            "reason": result.reason or None,
            "message": summary,
            "kid": result.kid,
            "certificate": {
                "id": claims["jti"],
                "organization": {"slug": claims["organization_slug"], "name": claims["organization_name"]},
                "category": claims["category"],
                "in_good_standing": claims["in_good_standing"],
                "admitted_on": claims["admitted_on"],
                "issued_at": datetime.datetime.fromtimestamp(claims["iat"], datetime.UTC).isoformat(),
                "valid_until": claims["valid_until"],
            },
        }
        return JsonResponse(body, status=STATUS_CODES[result.status])
    context = {
        "result": result,
        "summary": summary,
        "claims": result.claims,
        "category": MembershipCategory(result.certificate.category).label,
        "admitted_on": datetime.date.fromisoformat(result.claims["admitted_on"]),
        "issued_at": result.certificate.issued_at,
    }
    return render(request, "registry/certificate_verify.html", context, status=STATUS_CODES[result.status])
