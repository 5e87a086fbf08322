"""Text folding for search: one function, used when storing and when querying."""

import unicodedata

# Letters that carry no combining mark in Unicode, so NFKD leaves them alone.
_EXTRA_FOLDS = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "\u0131": "i", "þ": "th", "æ": "ae", "œ": "oe"}
)


def fold_for_search(text: str) -> str:
    """``text`` case-folded, without accents, with runs of white space made one space.

    "Université Côte d'Ivoire" and "UNIVERSITE cote D'IVOIRE" fold to the same
    string, so a plain substring test is case- and accent-insensitive on every
    database.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())
