from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from workflows.errors import WorkflowError
from workflows.member_import import COLUMNS, member_import_commit, member_import_dry_run


def report_lines(report) -> list[str]:
    """The dry-run report as the page shows it: line, name, action, reasons; then the totals."""
    lines = []
    for row in report.rows:
        reasons = "; ".join(row.reasons)
        slug = f" [{row.slug}]" if row.slug else ""
        lines.append(f"line {row.line}\t{row.name}{slug}\t{row.action}" + (f"\t{reasons}" if reasons else ""))
    lines.append(
        f"{report.created} to create, {report.updated} to update, {report.refused} refused "
        f"(file SHA-256 {report.sha256})."
    )
    return lines


class Command(BaseCommand):
    help = (
        "Import the federation's current member unions from a CSV (UTF-8) or XLSX file whose first line "
        f"names the columns ({','.join(COLUMNS)}; name, country and admitted_on required). Without --commit, "
        "a dry run: each row's action (create, update, refuse with the reasons) and nothing written. With "
        "--commit, every row is imported in one transaction, or none when a row is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The member list (.csv or .xlsx).")
        parser.add_argument("--commit", action="store_true", help="Import, all rows or none.")
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            help="With --commit: the secretariat member who imports (invitations to representatives are from them).",
        )

    def handle(self, *args, file: str, commit: bool = False, by: str | None = None, **options):
        actor = None
        if commit:
            actor = get_user_model().objects.filter(email__iexact=by or "").first()
            if actor is None or not roles.is_secretariat(actor):
                raise CommandError("--commit needs --by EMAIL, the address of a member of the secretariat.")
        try:
            with Path(file).open("rb") as fh:
                report = member_import_dry_run(file=fh, filename=file)
                for line in report_lines(report):
                    self.stdout.write(line)
                if not commit:
                    return
                fh.seek(0)
                member_import_commit(
                    file=fh,
                    filename=file,
                    actor=actor,
                    expected_sha256=report.sha256,
                    expected_digest=report.digest,
                    checked=report,  # checked just now: written as it is, the database's constraints deciding
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from None
        except WorkflowError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported {report.created + report.updated} members from {file}.")
        )
