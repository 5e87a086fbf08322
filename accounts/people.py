"""How a person is named on pages, in e-mails and in the API."""


def display_name(user) -> str:
    """The person's full name, else their e-mail address, else their username."""
    return (user.get_full_name() or "").strip() or user.email or user.get_username()
