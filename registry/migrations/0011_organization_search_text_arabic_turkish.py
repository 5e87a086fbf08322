"""Recompute Organization.search_text: it now includes the name in Latin script, and the folding
ignores Arabic vowel marks and tatweel and makes alef forms, alef maqsura / yaa and taa marbuta /
haa one (registry.text.fold_for_search)."""

import unicodedata

from django.db import migrations

# A frozen copy of registry.text.fold_for_search as of this migration.
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "\u0131": "i",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "\u0671": "\u0627",
        "\u0672": "\u0627",
        "\u0673": "\u0627",
        "\u0649": "\u064a",
        "\u06cc": "\u064a",
        "\u06d2": "\u064a",
        "\u0629": "\u0647",
        "\u06c0": "\u0647",
        "\u06a9": "\u0643",
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)


def _kept(ch):
    if ch == "\u0640" or unicodedata.combining(ch):
        return False
    return unicodedata.category(ch) not in ("Mn", "Me", "Cf")


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if _kept(ch))
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())


def refill_search_text(apps, schema_editor):
    """Fold name, name in Latin script, acronym and city again (update() leaves updated_at alone)."""
    Organization = apps.get_model("registry", "Organization")
    manager = Organization.objects.using(schema_editor.connection.alias)
    rows = manager.values_list("pk", "name", "name_latin", "acronym", "city", "search_text")
    for pk, name, name_latin, acronym, city, stored in rows.iterator():
        text = _fold(" ".join(filter(None, [name, name_latin, acronym, city])))
        if text != stored:
            manager.filter(pk=pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_organization_name_latin_region_names"),
    ]

    operations = [
        migrations.RunPython(refill_search_text, migrations.RunPython.noop, elidable=True),
    ]
