from django.core.management.base import BaseCommand

from registry.regions import load_default_regions


class Command(BaseCommand):
    help = (
        "Load the federation's default regions and the country → region mapping. "
        "Creates only what is missing (regions, their names in Arabic, French and Turkish, the mapping); "
        "edits made in the admin are kept."
    )

    def handle(self, *args, **options):
        result = load_default_regions()
        self.stdout.write(
            self.style.SUCCESS(
                f"Regions: {result.regions_created} created. "
                f"Countries mapped: {result.countries_created} created. "
                f"Region name translations filled: {result.translations_filled}."
            )
        )
