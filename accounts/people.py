"""How a person is named on pages, in e-mails and in the API."""


def display_name(user) -> str:
    """The person's full name, else their e-mail address, else their username."""
    return (user.get_full_name() or "").strip() or user.email or user.get_username()


def has_verified_email(user, email: str) -> bool:
    """Whether ``user`` has confirmed ``email`` (any of their addresses, case ignored)."""
    from allauth.account.models import EmailAddress

    if not getattr(user, "is_authenticated", False) or not email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=email.strip(), verified=True).exists()
