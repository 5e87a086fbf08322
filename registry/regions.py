"""The federation's default regions and the country → region mapping.

Countries are placed by the United Nations M49 geoscheme (sub-region of each
ISO 3166 country), read from the data file that ships with the maintained
``country-converter`` package. A few countries are placed by federation
convention rather than by M49; they are listed in ``COUNTRY_OVERRIDES``.
Both are only defaults: the secretariat edits regions in the admin.
"""

import csv
from dataclasses import dataclass
from importlib import resources

from django.db import transaction
from django_countries import countries


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    parent: str | None = None


DEFAULT_REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("africa", "Africa"),
    RegionSpec("africa-east", "East Africa", "africa"),
    RegionSpec("africa-west", "West Africa", "africa"),
    RegionSpec("africa-central", "Central Africa", "africa"),
    RegionSpec("africa-south", "Southern Africa", "africa"),
    RegionSpec("asia-pacific", "Asia-Pacific"),
    RegionSpec("asia-east", "East Asia", "asia-pacific"),
    RegionSpec("asia-southeast", "South-East Asia", "asia-pacific"),
    RegionSpec("asia-south", "South Asia", "asia-pacific"),
    RegionSpec("oceania", "Oceania", "asia-pacific"),
    RegionSpec("central-asia", "Central Asia"),
    RegionSpec("europe", "Europe"),
    RegionSpec("europe-north", "Northern Europe", "europe"),
    RegionSpec("europe-west", "Western Europe", "europe"),
    RegionSpec("europe-south", "Southern Europe", "europe"),
    RegionSpec("europe-east", "Eastern Europe", "europe"),
    RegionSpec("latin-america", "Latin America and Caribbean"),
    RegionSpec("caribbean", "Caribbean", "latin-america"),
    RegionSpec("central-america", "Central America", "latin-america"),
    RegionSpec("south-america", "South America", "latin-america"),
    RegionSpec("mena", "Middle East and North Africa"),
    RegionSpec("north-africa", "North Africa", "mena"),
    RegionSpec("middle-east", "Middle East", "mena"),
    RegionSpec("north-america", "North America"),
)

# UN M49 sub-region (as named in country-converter's data) → federation region code.
M49_SUBREGION_TO_REGION: dict[str, str] = {
    "Eastern Africa": "africa-east",
    "Western Africa": "africa-west",
    "Middle Africa": "africa-central",
    "Southern Africa": "africa-south",
    "Northern Africa": "north-africa",
    "Western Asia": "middle-east",
    "Central Asia": "central-asia",
    "Eastern Asia": "asia-east",
    "South-eastern Asia": "asia-southeast",
    "Southern Asia": "asia-south",
    "Australia and New Zealand": "oceania",
    "Melanesia": "oceania",
    "Micronesia": "oceania",
    "Polynesia": "oceania",
    "Antarctica": "oceania",
    "Northern Europe": "europe-north",
    "Western Europe": "europe-west",
    "Southern Europe": "europe-south",
    "Eastern Europe": "europe-east",
    "Caribbean": "caribbean",
    "Central America": "central-america",
    "South America": "south-america",
    "Northern America": "north-america",
}

# Federation convention where it differs from M49: these unions organise with Europe
# (Council of Europe members) or with the Middle East.
COUNTRY_OVERRIDES: dict[str, str] = {
    "CY": "europe-south",
    "TR": "europe-south",
    "AM": "europe-east",
    "AZ": "europe-east",
    "GE": "europe-east",
    "IR": "middle-east",
}


def _m49_subregions() -> dict[str, str]:
    """ISO alpha-2 → M49 sub-region name, from country-converter's data file."""
    data = resources.files("country_converter").joinpath("country_data.tsv")
    result: dict[str, str] = {}
    with data.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            # The ISO2 column holds a pattern for a few countries (GB/UK, GR/EL); ISO3 is plain.
            alpha2 = countries.alpha2(row["ISO3"])
            if alpha2 and row["UNregion"]:
                result[alpha2] = row["UNregion"]
    return result


def default_country_regions() -> dict[str, str]:
    """Every ISO 3166 country (as django-countries knows them) → a default region code."""
    subregions = _m49_subregions()
    mapping: dict[str, str] = {}
    for code in countries:
        alpha2 = code.code
        if alpha2 in COUNTRY_OVERRIDES:
            mapping[alpha2] = COUNTRY_OVERRIDES[alpha2]
        elif alpha2 in subregions:
            mapping[alpha2] = M49_SUBREGION_TO_REGION[subregions[alpha2]]
        else:
            raise LookupError(f"No M49 sub-region is known for country {alpha2}.")
    return mapping


@dataclass(frozen=True)
class LoadResult:
    regions_created: int
    countries_created: int


@transaction.atomic
def load_default_regions() -> LoadResult:
    """Create the default regions and country mapping where missing; never overwrite edits."""
    from .models import CountryRegion, Region

    existing = {r.code: r for r in Region.objects.all()}
    regions_created = 0
    for spec in DEFAULT_REGIONS:
        if spec.code in existing:
            continue
        parent = existing.get(spec.parent) if spec.parent else None
        existing[spec.code] = Region.objects.create(code=spec.code, name=spec.name, parent=parent)
        regions_created += 1

    mapped = set(CountryRegion.objects.values_list("country", flat=True))
    new_rows = [
        CountryRegion(country=country, region=existing[region_code])
        for country, region_code in default_country_regions().items()
        if country not in mapped and region_code in existing
    ]
    CountryRegion.objects.bulk_create(new_rows)
    return LoadResult(regions_created=regions_created, countries_created=len(new_rows))
