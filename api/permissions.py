from rest_framework.permissions import BasePermission

from .models import PartnerKey


def is_partner(request) -> bool:
    """Whether the request carries a valid partner key (checked by ``PartnerKeyAuthentication``)."""
    return isinstance(getattr(request, "auth", None), PartnerKey)


class IsPartner(BasePermission):
    """Only requests with a valid partner key (for partner-only endpoints)."""

    def has_permission(self, request, view) -> bool:
        return is_partner(request)
