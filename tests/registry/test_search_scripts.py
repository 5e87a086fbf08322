"""Search across scripts: one folding (``registry.text.fold_for_search``) for the stored column, the
query and these tests; Arabic vowel marks, tatweel and letter variants, Turkish dotted and dotless i,
and a union's name in Latin script beside its own."""

import pytest
from django.utils import translation

from registry.models import Organization
from registry.selectors import affiliate_list
from registry.text import fold_for_search
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("الجَامِعَةُ", "الجامعة"),  # tashkeel (fatha, kasra, damma) ignored
        ("اتحـــاد", "اتحاد"),  # tatweel ignored
        ("أحمد", "احمد"),  # alef with hamza above
        ("إسلام", "اسلام"),  # alef with hamza below
        ("آمال", "امال"),  # alef with madda
        ("ٱلقدس", "القدس"),  # alef wasla
        ("مصطفى", "مصطفي"),  # alef maqsura and yaa
        ("الجامعة", "الجامعه"),  # taa marbuta and haa
        ("رحمٰن", "رحمن"),  # superscript alef
        ("٢٠٢٤", "2024"),  # Arabic-Indic digits
        ("İstanbul", "istanbul"),  # dotted capital I: i plus a combining dot, the dot dropped
        ("ISTANBUL", "istanbul"),
        ("Ilgaz", "ılgaz"),  # dotless i meets i
        ("Université Côte d'Ivoire", "UNIVERSITE cote D'IVOIRE"),
    ],
)
def test_folding_makes_variants_of_one_word_one(one, other):
    assert fold_for_search(one) == fold_for_search(other)


def test_folding_keeps_distinct_letters_distinct():
    assert fold_for_search("سلام") != fold_for_search("كلام")
    assert fold_for_search("Ankara") != fold_for_search("Ankora")
    assert fold_for_search("  a \u200f b ") == "a b"  # a direction mark is not a character of a word


def _affiliate(slug, regions, **organization):
    return MembershipFactory(
        organization__slug=slug,
        organization__region=regions["north-africa"],
        **{f"organization__{k}": v for k, v in organization.items()},
    ).organization


def _found(query):
    return sorted(affiliate_list(search=query).values_list("slug", flat=True))


@pytest.fixture
def unions(regions):
    _affiliate(
        "ugte",
        regions,
        name="الاتحاد العامّ لطلبة تونس",
        name_latin="Union Générale des Étudiants de Tunisie",
        acronym="UGET",
        city="تونس",
        country="TN",
    )
    _affiliate("jordan", regions, name="اتحاد طلبة الجامعة الأردنية", city="عمّان", country="JO")
    _affiliate(
        "yildiz", regions, name="Yıldız Teknik Üniversitesi Öğrenci Konseyi", city="İstanbul", country="TR"
    )
    _affiliate("ilgaz", regions, name="ILGAZ ÖĞRENCI BIRLIĞI", city="Çankırı", country="TR")
    _affiliate("paris", regions, name="Fédération des étudiants de Paris", city="Paris", country="FR")


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("الاتحاد العام", ["ugte"]),  # without the shadda the name has
        ("الاتّحاد العامّ", ["ugte"]),  # with more marks than the name has
        ("طلبه", ["jordan", "ugte"]),  # taa marbuta typed as haa
        ("الجامعه الاردنيه", ["jordan"]),  # alef without hamza, haa for taa marbuta
        ("الجامِعة الأردنيّة", ["jordan"]),
        ("عمان", ["jordan"]),
        ("istanbul", ["yildiz"]),
        ("ISTANBUL", ["yildiz"]),
        ("yildiz", ["yildiz"]),
        ("YILDIZ", ["yildiz"]),
        ("ılgaz", ["ilgaz"]),
        ("Ilgaz öğrenci", ["ilgaz"]),
        ("cankiri", ["ilgaz"]),
        ("union generale etudiants", ["ugte"]),  # the name in Latin script finds the Arabic-named union
        ("Générale", ["ugte"]),
        ("etudiants", ["paris", "ugte"]),
        ("uget", ["ugte"]),
    ],
)
def test_search_finds_arabic_turkish_and_french_names_however_typed(unions, query, slugs):
    assert _found(query) == slugs


def test_the_stored_search_text_folds_the_name_in_latin_script_and_follows_its_change(regions):
    organization = _affiliate(
        "algiers", regions, name="الاتحاد الوطني للطلبة الجزائريين", acronym="", city="الجزائر", country="DZ"
    )
    assert _found("algerien") == []

    organization.name_latin = "Union nationale des étudiants algériens"
    organization.save(update_fields=["name_latin"])

    assert Organization.objects.get(pk=organization.pk).search_text == fold_for_search(
        "الاتحاد الوطني للطلبة الجزائريين Union nationale des étudiants algériens الجزائر"
    )
    assert _found("algeriens") == ["algiers"]


def test_the_directory_and_the_affiliate_page_show_the_latin_name_beside_the_own_script_one(client, unions):
    directory = client.get("/directory/").content.decode()
    assert "<bdi>الاتحاد العامّ لطلبة تونس</bdi>" in directory
    assert '<span class="name-latin"><bdi>Union Générale des Étudiants de Tunisie</bdi></span>' in directory

    page = client.get("/directory/ugte/").content.decode()
    assert '<p class="name-latin"><bdi>Union Générale des Étudiants de Tunisie</bdi></p>' in page


@pytest.fixture
def english_after():
    """A request's language stays active after it (LocaleMiddleware): back to English for later tests."""
    yield
    translation.activate("en")


def test_the_directory_names_regions_in_the_reader_language(client, unions, english_after):
    arabic = client.get("/directory/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "شمال أفريقيا" in arabic
    french = client.get("/directory/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Afrique du Nord" in french


def test_the_stored_search_text_migration_folds_as_the_function_does():
    import importlib

    migration = importlib.import_module("registry.migrations.0011_organization_search_text_arabic_turkish")
    for text in ("الجَامِعَةُ الأردنيّة", "İstanbul Yıldız", "Université Côte d'Ivoire", "اتحـــاد ٢٠٢٤ مصطفى"):
        assert migration._fold(text) == fold_for_search(text)
