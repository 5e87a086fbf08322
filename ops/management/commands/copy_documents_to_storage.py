from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from ops.storage_copy import FAILURES, LocalTarget, copy_to_storage


class Command(BaseCommand):
    help = (
        "Copy the uploaded files under MEDIA_ROOT to the storage STORAGE_URL names (an S3-compatible "
        "bucket), under the same names. Each is read back from the bucket and its SHA-256 compared with "
        "the local file's. A file already stored with the same SHA-256 is skipped, so the command can be "
        "run again; one stored with other bytes is left alone and reported. Prints the counts; exits with "
        "an error when any file differs or failed its check. Nothing local is changed or removed."
    )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        root = Path(settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"MEDIA_ROOT ({root}) is not a directory: there is nothing to copy.")
        try:
            report = copy_to_storage(root=root, target=storages["default"], progress=self._progress)
        except LocalTarget:
            raise CommandError(
                "The configured storage is local files (STORAGE_URL is unset): set STORAGE_URL=s3://… "
                "to the bucket to copy MEDIA_ROOT to."
            ) from None
        self.stdout.write(f"Documents in storage: {report.summary()}.")
        if not report.ok:
            raise CommandError(
                f"{len(report.failed)} file(s) not copied: "
                + "; ".join(f"{name} ({outcome})" for outcome, name in report.failed)
            )

    def _progress(self, outcome: str, name: str) -> None:
        if outcome in FAILURES:
            self.stderr.write(f"{outcome}: {name}")
        elif self.verbosity >= 2:
            self.stdout.write(f"{outcome}: {name}")
