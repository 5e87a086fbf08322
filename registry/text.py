"""Text folding for search: one function, used when storing and when querying.

``Organization.search_text`` holds ``fold_for_search`` of the name, the name in Latin script, the
acronym and the city; the directory's and the API's search fold the query with the same function,
cut it into words (``search_words``) and look for each word at the start of a word of the column
(``registry.search``). A change to the folding needs a data migration that recomputes the column
(as ``0011_organization_search_text_arabic_turkish`` does, with a frozen copy of this function); a
change to ``WORD_SEPARATORS`` or ``MAX_WORD_LENGTH`` needs one that rebuilds PostgreSQL's index of
the words (``0012_organization_word_prefix_search_index``).
"""

import re
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


class _Kept(dict):
    """``str.translate``'s table that drops what ``_kept`` refuses: each character is judged once,
    the first time it is met, and looked up after that."""

    def __missing__(self, code: int) -> int | None:
        self[code] = code if _kept(chr(code)) else None
        return self[code]


_KEPT = _Kept()


def fold_for_search(text: str) -> str:
    """``text`` case-folded, without accents or Arabic vowel marks, with letter variants made one,
    and runs of white space made one space.

    "Université Côte d'Ivoire" and "UNIVERSITE cote D'IVOIRE" fold to the same string; so do
    "İstanbul", "ISTANBUL" and "istanbul"; "الجامعة" and "الجَامِعَة" and "الجامعه"; "أكاديمية" and
    "اكاديميه". A plain substring test is then case-, accent- and variant-insensitive on every database.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = decomposed.translate(_KEPT)
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())


# Characters that end a word, beside the space (the folded text has no other white space): ASCII
# punctuation and the usual typographic quotes, dashes and Arabic punctuation. "Côte d'Ivoire" is
# the words "cote", "d" and "ivoire"; "Houphouët-Boigny" is "houphouet" and "boigny".
WORD_SEPARATORS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a\u2010\u2013\u2014\u00b7\u2022\u060c\u061b\u061f"
# A word is searched by its first characters only: PostgreSQL's index of words takes words of at
# most 2047 bytes, and these are 1000 bytes at most (UTF-8 takes 4 at most).
MAX_WORD_LENGTH = 250

_SEPARATED = re.compile("[ " + re.escape(WORD_SEPARATORS) + "]+")

# Scripts that join words (Arabic writes the article and some prepositions as part of the word:
# "لطلبة" is "for the students") or write none apart (Chinese, Japanese, Thai, Lao, Khmer, Myanmar,
# Tibetan): a query word in one of them is looked for anywhere in the text, not only at a word's start.
_JOINING_SCRIPTS = re.compile(
    "[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f"
    "\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def search_words(text: str) -> list[str]:
    """The words of ``fold_for_search(text)``: split at spaces and ``WORD_SEPARATORS``, each cut to
    ``MAX_WORD_LENGTH`` characters. "Félix  HOUPHOUËT-boigny" is ["felix", "houphouet", "boigny"]."""
    return [word[:MAX_WORD_LENGTH] for word in _SEPARATED.split(fold_for_search(text)) if word]


def joins_words(word: str) -> bool:
    """Whether ``word`` has a letter of a script that joins words (``_JOINING_SCRIPTS``)."""
    return _JOINING_SCRIPTS.search(word) is not None
