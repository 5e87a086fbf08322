import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import FORMAT, VERSION, BackupError, import_registry


class Command(BaseCommand):
    help = (
        f'Restore a backup written by export_registry (format "{FORMAT}", version {VERSION}) into a database '
        "whose registry is empty: regions, country mapping, organizations, memberships (timestamps kept), in "
        "one transaction. The decisions are restored as read-only archived decisions (registry → Archived "
        "decisions in the admin), not as applications: the applicants' accounts, contacts, documents, reviews "
        "and named ballots are not in a backup, so an application cannot be rebuilt honestly. Meetings, for "
        "the same reason, are restored as read-only archived meetings with their minutes' record and hash "
        "unchanged; the dues ledger (schedule, invoices, payments) is restored as it was. Exporting again "
        "gives the same bytes. A file that cannot be imported is reported and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The backup file (JSON), or - for stdin.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the registry (regions, countries, organizations, memberships, the dues ledger, "
            "archived decisions and meetings) first, in the same transaction. Refused when the database "
            "has membership applications or meetings.",
        )

    def handle(self, *args, file: str, replace: bool = False, **options):
        if file == "-":
            text = sys.stdin.buffer.read()
        else:
            try:
                text = Path(file).read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from None
        try:
            result = import_registry(text, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.regions} regions, {result.countries} countries, "
                f"{result.organizations} organizations, {result.memberships} memberships, "
                f"{result.invoices} invoices, {result.payments} payments, {result.decisions} decisions and "
                f"{result.meetings} meetings from {file}."
            )
        )
