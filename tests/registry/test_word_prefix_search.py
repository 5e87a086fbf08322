"""Search by the start of words (``registry.search``): the same answers on SQLite and PostgreSQL,
through the API, the directory and the directory as of a date, in every order and page by page;
PostgreSQL answers from the GIN index of the words (migration 0012), the matches sorted before they
are joined to their memberships."""

import datetime
import importlib
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import EndReason, MembershipState, Organization
from registry.search import words_tsvector_sql
from registry.selectors import affiliate_list
from registry.text import MAX_WORD_LENGTH, search_words
from tests.api.conftest import bulk_affiliates
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


@pytest.fixture
def many_unions(regions):
    """Forty affiliates, "Universite NN" one in four (some names twice), the others "Association NN";
    and two "Universite" unions that are not affiliates (suspended, ended)."""

    def name(i):
        return f"Universite {i % 7:02d}" if i % 4 == 0 else f"Association {i:02d}"

    affiliates = bulk_affiliates(40, region=regions["africa-west"], name=name)
    ended = {"ended_on": datetime.date(2024, 1, 1), "end_reason": EndReason.WITHDRAWN}
    for i, (state, more) in enumerate([(MembershipState.SUSPENDED, {}), (MembershipState.ENDED, ended)]):
        MembershipFactory(
            organization__name=f"Universite {i:02d}",
            organization__region=regions["africa-west"],
            state=state,
            **more,
        )
    return affiliates


def _pages(client, url, params=None, *, direction="next"):
    """Each page's slugs, from ``url`` following ``direction`` links; and the last page's body."""
    pages, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["slug"] for item in body["results"]])
        if not body[direction]:
            return pages, body
        response = client.get(body[direction])


@pytest.mark.parametrize("ordering", ["name", "-name", "admitted_on", "-admitted_on", "updated_at"])
def test_a_search_pages_through_its_matches_in_the_lists_order_both_ways(client, many_unions, ordering):
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    matches = [union for union in many_unions if union.name.startswith("Universite")]
    admitted = {union.pk: union.memberships.get().admitted_on for union in matches}

    def key(union):
        return (admitted[union.pk] if field == "admitted_on" else getattr(union, field), union.pk)

    expected = [union.slug for union in sorted(matches, key=key, reverse=descending)]

    forwards, last = _pages(client, URL, {"q": "univ", "ordering": ordering, "page_size": 3})
    assert [slug for page in forwards for slug in page] == expected
    assert len(forwards) == 4  # 10 matches
    backwards, _ = _pages(client, last["previous"], direction="previous")
    assert backwards == forwards[-2::-1]


def test_a_search_keeps_the_other_filters(client, many_unions, regions):
    bulk_affiliates(3, region=regions["europe-north"], country="SE", name=lambda i: f"Universite Uppsala {i}")
    since = (many_unions[0].updated_at + datetime.timedelta(microseconds=1)).isoformat()

    def slugs(**params):
        pages, _ = _pages(client, URL, {"q": "universite", "page_size": 100, **params})
        return sorted(pages[0])

    assert len(slugs()) == 13
    assert slugs(country="SE") == slugs(region="europe") == slugs(q="universite uppsala")
    assert len(slugs(country="SE")) == 3
    assert many_unions[0].slug not in slugs(updated_since=since)
    assert affiliate_list(search="universite").count() == 13
    inside = Organization.objects.filter(pk__in=affiliate_list(search="uppsala").values("pk"))  # relabelled
    assert sorted(inside.values_list("name", flat=True)) == [f"Universite Uppsala {i}" for i in range(3)]


@pytest.mark.postgres
def test_postgresql_sorts_the_matches_then_joins_them_until_the_page_is_full(client, many_unions):
    """What PostgreSQL does at scale (scans of whole tables, hash joins and merge joins priced out,
    as at 100,000 rows):
    the matches from the GIN index, sorted by name, joined to their memberships one by one until the
    page is full, not all of them first and the page sorted after."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, {"q": "universite", "page_size": 2}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # nor the name index walked: a few rows
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + captured.captured_queries[-1]["sql"])
        (plan,) = cursor.fetchone()
    top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]

    nodes = list(_nodes(top))
    assert top["Node Type"] == "Limit"
    assert top["Plans"][0]["Node Type"] != "Sort"  # no sort after the joins
    (words,) = [node for node in nodes if _index_names(node) == ["registry_org_search_words_idx"]]
    assert words["Actual Rows"] == 12  # every match, affiliate or not
    (sort,) = [node for node in nodes if node["Node Type"] == "Sort"]
    assert sort["Sort Key"][0] == "registry_organization.name"
    assert sort["Actual Rows"] < 12  # the page was full before the last match
    memberships = [node for node in nodes if node.get("Relation Name") == "registry_membership"]
    assert memberships
    assert all(node["Actual Loops"] < 12 for node in memberships)


def _index_names(node):
    return [child.get("Index Name") for child in node.get("Plans", [])]


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        if child.get("Parent Relationship") != "SubPlan":
            yield from _nodes(child)


@pytest.mark.postgres
def test_postgresql_fetches_the_matches_without_parallel_workers(unions):
    """Migration 0015: the organization table is scanned by one process, even where parallel workers
    would be free (their start-up and the pages priced at nothing here, and no index to read
    instead); the other tables keep the server's setting."""
    parallel_scan = re.compile(r"Parallel [A-Za-z ]+ on (registry_\w+)")

    def parallel_scans(sql: str, params=()) -> set[str]:
        with connection.cursor() as cursor:
            # Reading the pages costs nothing either: otherwise, on a table of a few rows, what
            # the workers would share is within the planner's margin of equal costs.
            for setting in (
                "parallel_setup_cost",
                "parallel_tuple_cost",
                "min_parallel_table_scan_size",
                "seq_page_cost",
            ):
                cursor.execute(f"SET LOCAL {setting} = 0")
            for scan in ("indexscan", "indexonlyscan", "bitmapscan"):
                cursor.execute(f"SET LOCAL enable_{scan} = off")
            cursor.execute("EXPLAIN " + sql, params)
            return {match for (line,) in cursor.fetchall() for match in parallel_scan.findall(line)}

    def counted(table: str) -> set[str]:
        return parallel_scans(f"SELECT count(*) FROM {table} WHERE id > 0")

    assert "registry_organization" not in parallel_scans(
        *affiliate_list(search="universite").query.sql_with_params()
    )
    assert counted("registry_organization") == set()
    assert counted("registry_membership") == {"registry_membership"}
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's deferred checks, which block ALTER
        cursor.execute("ALTER TABLE registry_organization RESET (parallel_workers)")
    assert counted("registry_organization") == {"registry_organization"}
