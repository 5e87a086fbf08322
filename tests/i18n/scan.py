"""Visible text left outside {% translate %} / {% blocktranslate %} in the project's templates."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# Removed before looking for text: comments, the marked texts, scripts and styles, every other tag.
_STRIP = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"{%\s*block\s+body_?class\s*%}.*?{%\s*endblock", re.S),  # CSS class names
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
]
# Attributes a person reads (or hears): their values must be marked too.
_READ_ATTRIBUTES = re.compile(r'\b(?:title|alt|aria-label|placeholder|aria-description)="([^"]*)"')
_TAG = re.compile(r"<[^>]*>", re.S)
_PATH = re.compile(r"/[\w/.-]*")  # a path shown as it is typed
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# Words that are the same in every language: names, codes, symbols.
ALLOWED = {"UTC", "PDF", "PNG", "JPEG", "API", "CSV", "ISO", "TOTP", "Federation Registry", "OpenAPI", "JSON"}


def unmarked_text(source: str, *, html: bool = True) -> list[str]:
    """The pieces of visible text in ``source`` not marked for translation."""
    text = source
    for pattern in _STRIP[:6]:
        text = pattern.sub(" ", text)
    found: list[str] = []
    if html:
        for value in _READ_ATTRIBUTES.findall(text):
            value = re.sub(r"{%.*?%}|{{.*?}}", " ", value).strip()
            if _LETTERS.search(value) and value not in ALLOWED:
                found.append(value)
    for pattern in _STRIP[6:]:
        text = pattern.sub(" ", text)
    if html:
        text = _TAG.sub("\n", text)
        text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    for piece in text.split("\n"):
        piece = " ".join(piece.split())
        if _LETTERS.search(piece) and piece not in ALLOWED and not _PATH.fullmatch(piece):
            found.append(piece)
    return found


def templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})
