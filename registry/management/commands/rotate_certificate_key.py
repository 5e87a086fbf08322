from django.core.management.base import BaseCommand, CommandError

from registry.certificates import certificate_key_revoke, certificate_key_rotate
from registry.models import CertificateKey


class Command(BaseCommand):
    help = (
        "Create a new key to sign membership certificates. The old keys stay published, so the "
        "certificates they signed still verify. --revoke KID stops publishing a key (a leaked one): "
        "what it signed no longer verifies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--revoke", metavar="KID", help="revoke this key instead of rotating")

    def handle(self, *args, revoke=None, **options):
        if revoke:
            if not CertificateKey.objects.filter(kid=revoke).exists():
                raise CommandError(f"No certificate key {revoke!r}.")
            certificate_key_revoke(kid=revoke)
            self.stdout.write(self.style.SUCCESS(f"Key {revoke} is revoked and no longer published."))
            return
        key = certificate_key_rotate()
        published = CertificateKey.objects.filter(revoked_at__isnull=True).count()
        self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid}. Published keys: {published}."))
