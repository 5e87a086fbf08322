"""What every page says about the federation: its name and whom to write to (the footer)."""

from django.conf import settings

DEFAULT_CONTACT_EMAIL = "secretariat@federation.example"


def contact_email() -> str:
    """The secretariat's address for questions (``FEDERATION_CONTACT_EMAIL``)."""
    return getattr(settings, "FEDERATION_CONTACT_EMAIL", DEFAULT_CONTACT_EMAIL) or DEFAULT_CONTACT_EMAIL


def federation(request) -> dict:
    """``FEDERATION_NAME`` and ``FEDERATION_CONTACT_EMAIL`` for the templates (settings TEMPLATES)."""
    return {"FEDERATION_NAME": settings.FEDERATION_NAME, "FEDERATION_CONTACT_EMAIL": contact_email()}
