"""Search by the start of words (``registry.search``): the same answers on SQLite and PostgreSQL,
through the API, the directory and the directory as of a date; PostgreSQL answers from the GIN index
of the words (migration 0012)."""

import importlib

import pytest
from django.db import connection

from registry.search import words_tsvector_sql
from registry.selectors import affiliate_list
from registry.text import MAX_WORD_LENGTH, search_words
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


def _affiliate(slug, regions, **organization):
    return MembershipFactory(
        organization__slug=slug,
        organization__region=regions["africa-west"],
        **{f"organization__{k}": v for k, v in organization.items()},
    ).organization


@pytest.fixture
def unions(regions):
    _affiliate("krakow", regions, name="Uniwersytet Jagielloński Samorząd", acronym="UJ", city="Kraków")
    _affiliate("ufhb", regions, name="Université Félix Houphouët-Boigny", acronym="UFHB", city="Abidjan")
    _affiliate("ucad", regions, name="Université Cheikh Anta Diop (UCAD)", city="Dakar")
    _affiliate("ivoire", regions, name="Fédération estudiantine de Côte d'Ivoire", city="Abidjan")
    _affiliate("ouaga", regions, name="Union des étudiants", acronym="UGEB", city="Ouagadougou")


def _found(client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200, response.content
    return sorted(item["slug"] for item in response.json()["results"])


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("univ", ["ucad", "ufhb"]),  # the start of a word
        ("UNIVERSITÉ", ["ucad", "ufhb"]),
        ("kraków", ["krakow"]),
        ("krakow", ["krakow"]),
        ("KRAK", ["krakow"]),
        ("ouaga", ["ouaga"]),
        ("ugeb", ["ouaga"]),  # the acronym
        ("boigny", ["ufhb"]),  # after a hyphen
        ("houphouet-boigny", ["ufhb"]),
        ("ivoire", ["ivoire"]),  # after an apostrophe
        ("d'ivoire", ["ivoire"]),
        ("ucad", ["ucad"]),  # inside parentheses
        ("univ abidjan", ["ufhb"]),  # every word
        ("abidjan univ", ["ufhb"]),
        ("abidjan", ["ivoire", "ufhb"]),
        ("univ krak", []),
    ],
)
def test_a_word_finds_the_names_acronyms_and_cities_with_a_word_that_starts_with_it(
    client, unions, query, slugs
):
    assert _found(client, query) == slugs


@pytest.mark.parametrize("query", ["niversite", "rakow", "gadougou", "oigny", "voire", "cad", "niv abidjan"])
def test_a_word_inside_another_finds_nothing(client, unions, query):
    assert _found(client, query) == []


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("univ%", ["ucad", "ufhb"]),
        ("univ_", ["ucad", "ufhb"]),
        ("univ\\", ["ucad", "ufhb"]),
        ("'univ'", ["ucad", "ufhb"]),
        ("univ:*", ["ucad", "ufhb"]),
        ("!univ", ["ucad", "ufhb"]),
        ("univ | krak", []),  # two words, both needed
        ("univ & !x", []),
        ("100%", []),
        ("%_", ["ivoire", "krakow", "ouaga", "ucad", "ufhb"]),  # no word: no search
    ],
)
def test_characters_of_like_patterns_and_tsquery_are_plain_text(client, unions, query, slugs):
    assert _found(client, query) == slugs


def test_an_arabic_word_is_still_found_inside_a_word(regions):
    _affiliate("tunis", regions, name="الاتحاد العام لطلبة تونس", city="تونس", country="TN")

    assert list(affiliate_list(search="طلبه").values_list("slug", flat=True)) == ["tunis"]  # "لطلبة"


def test_a_word_longer_than_the_index_takes_is_stored_and_found_by_its_start(regions):
    _affiliate(
        "long", regions, name="Union " + "\ufb03" * 100
    )  # the ligature folds to "ffi": a 300-letter word
    _affiliate("wide", regions, name="Union " + "\u337f" * 190)  # each folds to 4 letters of 3 bytes

    def found(query):
        return list(affiliate_list(search=query).values_list("slug", flat=True))

    long_word = "ffi" * 100
    assert found(long_word) == ["long"]
    assert found(long_word[:MAX_WORD_LENGTH] + "x") == ["long"]  # beyond the cut: not compared
    assert found("ffiffi") == ["long"]
    assert found("un " + "\u337f" * 100) == ["wide"]


def test_the_query_is_cut_into_words_at_spaces_and_separators():
    assert search_words("Félix  HOUPHOUËT-boigny (UFHB) d'Ivoire") == [
        "felix",
        "houphouet",
        "boigny",
        "ufhb",
        "d",
        "ivoire",
    ]
    assert search_words(" - ' ") == []


def test_the_directory_and_the_directory_as_of_a_date_search_the_same_way(client, unions):
    from registry import feed
    from registry.selectors import today

    feed.publish_all()
    page = client.get("/directory/", {"q": "univ"}).content.decode()
    assert "Université Cheikh Anta Diop" in page
    assert "Uniwersytet" not in client.get("/directory/", {"q": "niwersytet"}).content.decode()

    day = today().isoformat()
    for query, slugs in (("krak", ["krakow"]), ("rakow", []), ("univ abidjan", ["ufhb"])):
        page = client.get(URL, {"q": query, "as_of": day})
        assert [item["slug"] for item in page.json()["results"]] == slugs


def test_the_migration_indexes_the_expression_the_search_uses():
    migration = importlib.import_module("registry.migrations.0012_organization_word_prefix_search_index")
    assert words_tsvector_sql("search_text") == migration.WORDS


@pytest.mark.postgres
def test_postgresql_finds_the_words_by_the_gin_index(unions):
    sql, params = affiliate_list(search="univ abidjan").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: a scan would be as cheap
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    index_scan = plan[plan.index("Bitmap Index Scan on registry_org_search_words_idx") :]
    assert "''univ'':* & ''abidjan'':*" in index_scan.splitlines()[1]  # its Index Cond
