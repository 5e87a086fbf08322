"""The translation catalogs: complete (no untranslated, no fuzzy entry), the placeholders of each
translation the same as its English text's, the compiled ``.mo`` files the same as the ``.po``
files; and no visible text in a template left unmarked for translation."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tests.i18n.scan import TEMPLATES, templates, unmarked_text

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CATALOGS = [LOCALE / code / "LC_MESSAGES" / "django.po" for code in TRANSLATED]


# %(name)s, %s, %d, %%, {name}: each must come back, the same, in the translation.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifxXr]|%[sdif%]|\{[a-z_][a-z_0-9]*\}")


def _id(path: Path) -> str:
    return path.parent.parent.name


def _load(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("path", CATALOGS, ids=_id)
def test_a_catalog_exists_for_every_language(path):
    assert path.is_file(), f"{path} is missing: see README, 'Adding a language'"
    assert _load(path).metadata["Language"] == _id(path)


@pytest.mark.parametrize("path", CATALOGS, ids=_id)
def test_no_catalog_has_an_untranslated_entry(path):
    missing = [e.msgid for e in _load(path).untranslated_entries()]
    assert missing == [], f"{len(missing)} untranslated in {_id(path)}, e.g. {missing[:5]}"


@pytest.mark.parametrize("path", CATALOGS, ids=_id)
def test_no_catalog_has_a_fuzzy_entry(path):
    fuzzy = [e.msgid for e in _load(path).fuzzy_entries()]
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {_id(path)}, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("path", CATALOGS, ids=_id)
def test_every_translation_keeps_the_placeholders_of_its_english_text(path):
    wrong = []
    for entry in _load(path).translated_entries():
        if entry.msgid_plural:
            # Each form keeps the singular's placeholders and takes none the plural lacks (a form
            # for one may leave the number out, as the English singular may).
            required, allowed = set(_placeholders(entry.msgid)), set(_placeholders(entry.msgid_plural))
            for text in entry.msgstr_plural.values():
                if not required <= set(_placeholders(text)) <= allowed | required:
                    wrong.append((entry.msgid, text))
        elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []


@pytest.mark.parametrize("path", CATALOGS, ids=_id)
def test_the_compiled_catalog_is_the_po_file_compiled(path):
    """The committed .mo files are what the site reads: `manage.py compile_catalogs` after each edit."""
    mo_path = path.with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing: run `manage.py compile_catalogs`"

    def key(entry):
        return (entry.msgctxt or "", entry.msgid)

    def value(entry):
        return tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr

    po = {key(e): value(e) for e in _load(path).translated_entries()}
    mo = {key(e): value(e) for e in polib.mofile(str(mo_path)) if e.msgid}
    assert mo == po, "the .mo file is out of date: run `manage.py compile_catalogs`"


def test_the_site_reads_the_compiled_catalogs():
    for code in TRANSLATED:
        with translation.override(code):
            assert translation.gettext("Federation Registry") != "Federation Registry", code


# --- templates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_visible_text_of_a_template_is_marked_for_translation(path):
    assert unmarked_text(path.read_text(encoding="utf-8"), html=path.suffix == ".html") == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>Welcome back</p>", ["Welcome back"]),
        ('<img alt="Our logo" src="x.png">', ["Our logo"]),
        ("<p>{% translate 'Welcome back' %}</p>", []),
        ("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ("<p>{{ organization.name }} · {{ organization.acronym }}</p>", []),
        ("{% comment %}Notes for developers{% endcomment %}<script>let a = 'x';</script>", []),
        ("<p>Read <a href='/api/docs/'>/api/docs/</a></p>", ["Read"]),
    ],
)
def test_the_template_check_finds_unmarked_text(source, found):
    assert unmarked_text(source) == found


def test_make_messages_covers_every_translated_language():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    locales = re.search(r"^LOCALES := (.*)$", makefile, re.M)[1].split()
    assert sorted(locales) == sorted(TRANSLATED)
    assert "manage.py compile_catalogs" in makefile
