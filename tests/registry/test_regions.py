import pytest
from django.core.management import call_command
from django_countries import countries

from registry.models import CountryRegion, Region
from registry.regions import DEFAULT_REGIONS, default_country_regions, load_default_regions

pytestmark = pytest.mark.django_db


def test_default_mapping_covers_every_iso_country_exactly_once():
    mapping = default_country_regions()
    iso_codes = [c.code for c in countries]
    assert sorted(mapping) == sorted(iso_codes)
    assert len(iso_codes) == len(set(iso_codes)) >= 249
    region_codes = {spec.code for spec in DEFAULT_REGIONS}
    assert set(mapping.values()) <= region_codes


def test_mapping_places_countries_in_the_expected_regions():
    mapping = default_country_regions()
    assert mapping["KE"] == "africa-east"
    assert mapping["EG"] == "north-africa"
    assert mapping["JO"] == "middle-east"
    assert mapping["KZ"] == "central-asia"
    assert mapping["GB"] == "europe-north"  # its ISO2 is a pattern in the source data
    assert mapping["GR"] == "europe-south"
    assert mapping["NA"] == "africa-south"  # Namibia, not "not available"
    assert mapping["BR"] == "south-america"
    assert mapping["CA"] == "north-america"
    assert mapping["CY"] == "europe-south"  # federation convention over M49


def test_load_regions_loads_every_country_once_and_is_idempotent(capsys):
    call_command("load_regions")
    first = capsys.readouterr().out
    regions = Region.objects.count()
    assert regions == len(DEFAULT_REGIONS)
    assert CountryRegion.objects.count() == len(countries)
    assert "24 created" in first

    call_command("load_regions")
    assert "Regions: 0 created. Countries mapped: 0 created." in capsys.readouterr().out
    assert Region.objects.count() == regions
    assert CountryRegion.objects.count() == len(countries)


def test_load_regions_keeps_edits_made_in_the_admin():
    load_default_regions()
    europe = Region.objects.get(code="europe")
    europe.name = "Europe and the Caucasus"
    europe.save()
    CountryRegion.objects.filter(country="TR").update(region=Region.objects.get(code="middle-east"))

    result = load_default_regions()

    assert (result.regions_created, result.countries_created) == (0, 0)
    assert Region.objects.get(code="europe").name == "Europe and the Caucasus"
    assert CountryRegion.objects.get(country="TR").region.code == "middle-east"


def test_sub_regions_hang_under_their_parent(regions):
    assert regions["africa-west"].parent == regions["africa"]
    assert regions["africa"].parent is None


def test_load_regions_names_each_region_in_four_languages_and_fills_only_empty_translations():
    load_default_regions()
    africa = Region.objects.get(code="africa-west")
    assert (africa.name, africa.name_ar, africa.name_fr, africa.name_tr) == (
        "West Africa",
        "غرب أفريقيا",
        "Afrique de l'Ouest",
        "Batı Afrika",
    )
    assert not Region.objects.filter(name_ar="").exists()
    assert not Region.objects.filter(name_fr="").exists()
    assert not Region.objects.filter(name_tr="").exists()
    Region.objects.filter(code="europe").update(name_fr="Europe (continent)")
    Region.objects.filter(code="mena").update(name_ar="", name_tr="")  # a registry from before translations

    result = load_default_regions()

    assert result.translations_filled == 2
    assert Region.objects.get(code="europe").name_fr == "Europe (continent)"
    mena = Region.objects.get(code="mena")
    assert (mena.name_ar, mena.name_tr) == ("الشرق الأوسط وشمال أفريقيا", "Orta Doğu ve Kuzey Afrika")


def test_a_region_is_named_in_the_active_language_and_in_english_without_a_translation(regions):
    from django.utils import translation

    region = regions["south-america"]
    with translation.override("fr"):
        assert region.localized_name == str(region) == "Amérique du Sud"
    with translation.override("ar"):
        assert region.localized_name == "أمريكا الجنوبية"
    region.name_tr = ""
    with translation.override("tr"):
        assert region.localized_name == "South America"
    with translation.override("en"):
        assert region.localized_name == "South America"
