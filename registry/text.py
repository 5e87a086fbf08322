"""Text folding for search: one function, used when storing and when querying.

``Organization.search_text`` holds ``fold_for_search`` of the name, the name in Latin script, the
acronym and the city; the directory's and the API's search fold the query with the same function and
look for each word as a substring. A change here needs a data migration that recomputes the column
(as ``0011_organization_search_text_arabic_turkish`` does, with a frozen copy of this function).
"""

import unicodedata

# Single characters folded to another (after case folding and decomposition):
# - Latin letters that carry no combining mark in Unicode, so NFKD leaves them alone;
#   Turkish dotless i meets i (dotted capital I case-folds to i + a combining dot, which is dropped);
# - Arabic: the alef forms (with hamza or madda, which decompose to alef + a mark; alef wasla does
#   not) → alef, alef maqsura → yaa, taa marbuta → haa, the Persian/Urdu forms of yaa and kaf → the
#   Arabic ones;
# - Arabic-Indic and extended (Persian) digits → ASCII digits.
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "\u0131": "i",  # dotless i
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "\u0671": "\u0627",  # alef wasla → alef
        "\u0672": "\u0627",  # alef with wavy hamza above → alef
        "\u0673": "\u0627",  # alef with wavy hamza below → alef
        "\u0649": "\u064a",  # alef maqsura → yaa
        "\u06cc": "\u064a",  # farsi yeh → yaa
        "\u06d2": "\u064a",  # yeh barree → yaa
        "\u0629": "\u0647",  # taa marbuta → haa
        "\u06c0": "\u0647",  # heh with yeh above → haa
        "\u06a9": "\u0643",  # keheh → kaf
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # extended (Persian) digits
    }
)

# Dropped outright: tatweel (the Arabic stretching stroke), and format characters that change how
# text is drawn but not what it says (zero-width joiners, direction marks).
_DROPPED = frozenset({"\u0640"})


def _kept(ch: str) -> bool:
    """Not a mark (accents, Arabic tashkeel, superscript alef, Quranic marks), not tatweel, not a
    format character."""
    if ch in _DROPPED or unicodedata.combining(ch):
        return False
    return unicodedata.category(ch) not in ("Mn", "Me", "Cf")


def fold_for_search(text: str) -> str:
    """``text`` case-folded, without accents or Arabic vowel marks, with letter variants made one,
    and runs of white space made one space.

    "Université Côte d'Ivoire" and "UNIVERSITE cote D'IVOIRE" fold to the same string; so do
    "İstanbul", "ISTANBUL" and "istanbul"; "الجامعة" and "الجَامِعَة" and "الجامعه"; "أكاديمية" and
    "اكاديميه". A plain substring test is then case-, accent- and variant-insensitive on every database.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if _kept(ch))
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())
