"""Validators for text that people type in: names and other one-line fields, and free text.

A one-line field (a name, an acronym, a city, a phone number) takes no control character
(C0, DEL, C1: NUL, escape sequences, line breaks, tabs), no line or paragraph separator, and no
bidirectional embedding, override or isolate (U+202A to U+202E, U+2066 to U+2069): those can make a
name display as something else (``invoice<U+202E>fdp.exe`` shows as ``invoiceexe.pdf``) on the committee's pages, in e-mails and
in exports. Right-to-left names need none of them. Free text (a motivation) may have line
breaks and tabs, and bidirectional characters, but no other control character.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")
MULTI_LINE_ALLOWED = frozenset("\t\n\r")


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def validate_single_line(value: str) -> None:
    """Refuse control characters, line separators and bidirectional controls in one-line text."""
    for ch in value or "":
        if unicodedata.category(ch) == "Cc" or ch in LINE_SEPARATORS:
            raise ValidationError(
                _("Remove the control character (%(char)s): this field takes one line of plain text."),
                code="control_character",
                params={"char": _code(ch)},
            )
        if ch in BIDI_CONTROLS:
            raise ValidationError(
                _(
                    "Remove the text-direction control character (%(char)s): it can make the text "
                    "display as something else."
                ),
                code="bidi_control",
                params={"char": _code(ch)},
            )


def validate_multi_line(value: str) -> None:
    """Refuse control characters other than tab and line breaks in free text."""
    for ch in value or "":
        if unicodedata.category(ch) == "Cc" and ch not in MULTI_LINE_ALLOWED:
            raise ValidationError(
                _("Remove the control character (%(char)s) from the text."),
                code="control_character",
                params={"char": _code(ch)},
            )


# As the Organization table's check constraint (organization_founded_year_in_range).
LATEST_FOUNDING_YEAR = 2100


def validate_founding_year(value: int | None) -> None:
    """A founding year the registry can hold: an application admitted with another would fail
    the organization's constraint at the vote, when it is too late to correct it."""
    from .models import EARLIEST_FOUNDING_YEAR

    if value is not None and not EARLIEST_FOUNDING_YEAR <= value <= LATEST_FOUNDING_YEAR:
        raise ValidationError(
            _("Give a year from %(first)d to %(last)d."),
            code="founding_year",
            params={"first": EARLIEST_FOUNDING_YEAR, "last": LATEST_FOUNDING_YEAR},
        )


# The largest number a PostgreSQL integer column holds (students_represented), whatever the database.
INTEGER_MAX = 2_147_483_647


def validate_students_count(value: int | None) -> None:
    if value is not None and not 0 <= value <= INTEGER_MAX:
        raise ValidationError(
            _("Give a number from 0 to %(max)d."), code="students_count", params={"max": INTEGER_MAX}
        )
