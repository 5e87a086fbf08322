import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import FORMAT, VERSION, export_registry


class Command(BaseCommand):
    help = (
        "Write a backup of the registry as JSON: regions (with their parent's code), the country → region "
        "mapping, organizations (by slug), memberships, and the federation's decisions (admitted, rejected "
        "and withdrawn applications with their dates and each vote round's rules, tally and outcome). "
        "User accounts, open applications, contacts, documents, reviews and named ballots are not in it. "
        f'Format "{FORMAT}", version {VERSION}; the same data always gives the same bytes. '
        "Read it back with import_registry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (created with mode 600, replaced whole only once written) instead of stdout.",
        )

    def handle(self, *args, output: str | None = None, **options):
        text = export_registry()
        if not output:
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None
        self.stderr.write(self.style.SUCCESS(f"Backup written to {output} ({len(text.encode())} bytes)."))
