"""How a person is named on pages, in e-mails and in the API, and how they change their name.

People type their name once, in one field ("Your name"): many cultures have one name only,
and not every name is "given name, family name". It is stored in Django's ``first_name`` and
``last_name`` (``split_name``), so that ``get_full_name()`` gives it back as typed and lists
can still be sorted by the last word.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Django's User.first_name and last_name are 150 characters each.
NAME_PART_MAX_LENGTH = 150
NAME_MAX_LENGTH = NAME_PART_MAX_LENGTH  # as typed: short enough to be kept whole
# Text-direction embeddings, overrides and isolates: they can make a name display as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def display_name(user) -> str:
    """The person's full name, else their e-mail address, else their username."""
    return (user.get_full_name() or "").strip() or user.email or user.get_username()


def normalize_name(value: str) -> str:
    """``value`` with white space runs (tabs and line breaks too) made one space, ends trimmed.

    Refuses control characters and text-direction controls, as the registry's one-line fields
    do (``registry.validators.validate_single_line``, which this lowest layer cannot import).
    """
    name = " ".join((value or "").split())
    for ch in name:
        if unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS:
            raise ValidationError(
                _("Remove the control character (U+%(code)04X) from your name."),
                code="control_character",
                params={"code": ord(ch)},
            )
    return name


def split_name(name: str) -> tuple[str, str]:
    """One typed name as (``first_name``, ``last_name``): the last word is the last name.

    "Amani Wanjiru Otieno" → ("Amani Wanjiru", "Otieno"); "Sukarno" → ("Sukarno", "").
    Joined again with one space, the two give back ``name`` (``get_full_name()``).
    """
    first, _space, last = normalize_name(name).rpartition(" ")
    if not first:
        return last, ""
    return first, last


def person_rename(*, user, name: str) -> None:
    """Give ``user`` the name ``name`` (as typed in "Your name").

    Normalise and split the name, save the two fields.
    """
    user.first_name, user.last_name = split_name(name)
    user.save(update_fields=["first_name", "last_name"])


def has_verified_email(user, email: str) -> bool:
    """Whether ``user`` has confirmed ``email`` (any of their addresses, case ignored)."""
    from allauth.account.models import EmailAddress

    if not getattr(user, "is_authenticated", False) or not email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=email.strip(), verified=True).exists()
