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
    name: str  # in English, the canonical name
    translations: dict[str, str]  # language code → name (Region.name_ar, name_fr, name_tr)
    parent: str | None = None


DEFAULT_REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("africa", "Africa", {"ar": "أفريقيا", "fr": "Afrique", "tr": "Afrika"}),
    RegionSpec(
        "africa-east",
        "East Africa",
        {"ar": "شرق أفريقيا", "fr": "Afrique de l'Est", "tr": "Doğu Afrika"},
        parent="africa",
    ),
    RegionSpec(
        "africa-west",
        "West Africa",
        {"ar": "غرب أفريقيا", "fr": "Afrique de l'Ouest", "tr": "Batı Afrika"},
        parent="africa",
    ),
    RegionSpec(
        "africa-central",
        "Central Africa",
        {"ar": "وسط أفريقيا", "fr": "Afrique centrale", "tr": "Orta Afrika"},
        parent="africa",
    ),
    RegionSpec(
        "africa-south",
        "Southern Africa",
        {"ar": "الجنوب الأفريقي", "fr": "Afrique australe", "tr": "Güney Afrika"},
        parent="africa",
    ),
    RegionSpec(
        "asia-pacific",
        "Asia-Pacific",
        {"ar": "آسيا والمحيط الهادئ", "fr": "Asie-Pacifique", "tr": "Asya-Pasifik"},
    ),
    RegionSpec(
        "asia-east",
        "East Asia",
        {"ar": "شرق آسيا", "fr": "Asie de l'Est", "tr": "Doğu Asya"},
        parent="asia-pacific",
    ),
    RegionSpec(
        "asia-southeast",
        "South-East Asia",
        {"ar": "جنوب شرق آسيا", "fr": "Asie du Sud-Est", "tr": "Güneydoğu Asya"},
        parent="asia-pacific",
    ),
    RegionSpec(
        "asia-south",
        "South Asia",
        {"ar": "جنوب آسيا", "fr": "Asie du Sud", "tr": "Güney Asya"},
        parent="asia-pacific",
    ),
    RegionSpec(
        "oceania", "Oceania", {"ar": "أوقيانوسيا", "fr": "Océanie", "tr": "Okyanusya"}, parent="asia-pacific"
    ),
    RegionSpec(
        "central-asia", "Central Asia", {"ar": "آسيا الوسطى", "fr": "Asie centrale", "tr": "Orta Asya"}
    ),
    RegionSpec("europe", "Europe", {"ar": "أوروبا", "fr": "Europe", "tr": "Avrupa"}),
    RegionSpec(
        "europe-north",
        "Northern Europe",
        {"ar": "شمال أوروبا", "fr": "Europe du Nord", "tr": "Kuzey Avrupa"},
        parent="europe",
    ),
    RegionSpec(
        "europe-west",
        "Western Europe",
        {"ar": "غرب أوروبا", "fr": "Europe de l'Ouest", "tr": "Batı Avrupa"},
        parent="europe",
    ),
    RegionSpec(
        "europe-south",
        "Southern Europe",
        {"ar": "جنوب أوروبا", "fr": "Europe du Sud", "tr": "Güney Avrupa"},
        parent="europe",
    ),
    RegionSpec(
        "europe-east",
        "Eastern Europe",
        {"ar": "شرق أوروبا", "fr": "Europe de l'Est", "tr": "Doğu Avrupa"},
        parent="europe",
    ),
    RegionSpec(
        "latin-america",
        "Latin America and Caribbean",
        {
            "ar": "أمريكا اللاتينية والكاريبي",
            "fr": "Amérique latine et Caraïbes",
            "tr": "Latin Amerika ve Karayipler",
        },
    ),
    RegionSpec(
        "caribbean",
        "Caribbean",
        {"ar": "الكاريبي", "fr": "Caraïbes", "tr": "Karayipler"},
        parent="latin-america",
    ),
    RegionSpec(
        "central-america",
        "Central America",
        {"ar": "أمريكا الوسطى", "fr": "Amérique centrale", "tr": "Orta Amerika"},
        parent="latin-america",
    ),
    RegionSpec(
        "south-america",
        "South America",
        {"ar": "أمريكا الجنوبية", "fr": "Amérique du Sud", "tr": "Güney Amerika"},
        parent="latin-america",
    ),
    RegionSpec(
        "mena",
        "Middle East and North Africa",
        {
            "ar": "الشرق الأوسط وشمال أفريقيا",
            "fr": "Moyen-Orient et Afrique du Nord",
            "tr": "Orta Doğu ve Kuzey Afrika",
        },
    ),
    RegionSpec(
        "north-africa",
        "North Africa",
        {"ar": "شمال أفريقيا", "fr": "Afrique du Nord", "tr": "Kuzey Afrika"},
        parent="mena",
    ),
    RegionSpec(
        "middle-east",
        "Middle East",
        {"ar": "الشرق الأوسط", "fr": "Moyen-Orient", "tr": "Orta Doğu"},
        parent="mena",
    ),
    RegionSpec(
        "north-america",
        "North America",
        {"ar": "أمريكا الشمالية", "fr": "Amérique du Nord", "tr": "Kuzey Amerika"},
    ),
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
    translations_filled: int = 0


@transaction.atomic
def load_default_regions() -> LoadResult:
    """Create the default regions and country mapping where missing, and fill a default region's
    translations that are empty (a registry made before regions had them); never overwrite edits."""
    from .models import REGION_NAME_LANGUAGES, CountryRegion, Region

    existing = {r.code: r for r in Region.objects.all()}
    regions_created = translations_filled = 0
    for spec in DEFAULT_REGIONS:
        names = {f"name_{language}": spec.translations[language] for language in REGION_NAME_LANGUAGES}
        if spec.code in existing:
            region = existing[spec.code]
            empty = [field for field in names if not getattr(region, field)]
            for field in empty:
                setattr(region, field, names[field])
            if empty:
                region.save(update_fields=empty)
                translations_filled += len(empty)
            continue
        parent = existing.get(spec.parent) if spec.parent else None
        existing[spec.code] = Region.objects.create(code=spec.code, name=spec.name, parent=parent, **names)
        regions_created += 1

    mapped = set(CountryRegion.objects.values_list("country", flat=True))
    new_rows = [
        CountryRegion(country=country, region=existing[region_code])
        for country, region_code in default_country_regions().items()
        if country not in mapped and region_code in existing
    ]
    CountryRegion.objects.bulk_create(new_rows)
    return LoadResult(
        regions_created=regions_created,
        countries_created=len(new_rows),
        translations_filled=translations_filled,
    )
