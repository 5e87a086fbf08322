"""Compile the translation catalogs (locale/*/LC_MESSAGES/*.po → .mo) without GNU gettext.

Django's ``compilemessages`` needs the system's ``msgfmt``; this does the same with polib (a
development dependency), so a translator can compile on any machine. The compiled ``.mo`` files
are committed: the site needs neither tool to run. Fuzzy and untranslated entries are left out
(the page shows the English text).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogs() -> list[Path]:
    """Every ``.po`` file under ``settings.LOCALE_PATHS``."""
    return sorted(p for folder in settings.LOCALE_PATHS for p in Path(folder).glob("*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files with polib (no gettext needed)."

    def handle(self, *args, **options) -> None:
        try:
            import polib
        except ImportError as exc:  # pragma: no cover - polib is in the dev dependencies
            raise CommandError("polib is needed: pip install polib (make install does)") from exc
        for po_path in catalogs():
            catalog = polib.pofile(str(po_path))
            catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(
                f"{po_path.relative_to(settings.BASE_DIR)}: {len(catalog.translated_entries())} translated, "
                f"{len(catalog.untranslated_entries())} untranslated, {len(catalog.fuzzy_entries())} fuzzy"
            )
