from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.demo import seed_demo_applications
from registry.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = (
        "Load demo organizations, memberships, users and applications in several states. "
        "Safe to run again: creates only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo users with a known password would exist on this site).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: it creates users with a known password. "
                "Use --force if this really is a demo site."
            )
        result = seed_demo()
        applications = seed_demo_applications()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {result.organizations_created} organizations, "
                f"{result.memberships_created} memberships, {result.users_created} users, "
                f"{applications} applications created."
            )
        )
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for email in result.users:
            self.stdout.write(f"  {email}")
