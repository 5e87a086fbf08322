"""CSV files that are safe to open in a spreadsheet: every CSV the project writes goes through here.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some treat a leading tab or carriage return the same way; a name such as
``=HYPERLINK("https://evil.example", "Click")`` typed into an application would run on
the secretariat's or a partner's computer. Following OWASP ("CSV Injection"), a text cell
that starts with one of those characters is written with a ``'`` in front, which
spreadsheets show as text and do not evaluate. Nothing else changes: the rest of the cell,
other cells, and numbers (``int``, ``float``, ``Decimal``: written as numbers, they cannot
hold a formula) are written as they are.

The project's own function rather than ``defusedcsv``: defusedcsv 3.0 leaves tab, carriage
return and negative numbers written as text (``-2``) alone, also escapes ``|`` and ``%``,
and rewrites ``|`` inside a cell as ``\\|``, which changes the data.

This module is the lowest layer's (``registry``) so that every app may use it: the API's
affiliate export (``api.views``), the public decisions (``portal.views.decisions``) and the
statistics' tables (``registry.statistics``).

**Streaming.** An export as long as the directory (75,000 rows and more) is read and written a few
hundred rows at a time, so that the process's memory does not grow with the number of rows:
``streamed_rows`` reads a query's rows ``FETCH_ROWS`` at a time (one query: a server-side cursor on
PostgreSQL, chunked reads of the cursor on SQLite), and ``csv_lines`` hands the text over
``CHUNK_ROWS`` rows at a time. Both sizes are what keeps the peak flat (README "## Performance",
``csv_export_memory``): Django reads the next batch while holding the previous one, so about two
batches of rows are alive at once (some 1.6 KB each as a directory row and its copy in the
driver), and chunks of 500 rows (about 115 KB of text, twice: the text and its UTF-8 bytes) left
the C allocator's heap growing a little with every chunk, where chunks of 100 rows do not.
"""

import csv
import decimal
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

# Cells starting with one of these are formulas to a spreadsheet (OWASP: CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"

# Rows read from the database at a time by ``streamed_rows``: about two batches are alive at once.
FETCH_ROWS = 250
# Rows of CSV text per chunk handed to a ``StreamingHttpResponse`` (about 23 KB of the directory).
CHUNK_ROWS = 100


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a CSV cell that a spreadsheet will not evaluate (see the module's docstring)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return ESCAPE + text
    return text


class SafeWriter:
    """``csv.writer`` (Excel dialect) whose rows go through ``spreadsheet_safe``, cell by cell."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _Echo:
    """A file-like object that hands back what is written: lets a CSV writer produce strings."""

    def write(self, value: str) -> str:
        return value


def streamed_rows(queryset: QuerySet, *, batch: int | None = None) -> Iterator[Any]:
    """The rows of ``queryset`` in its order, read ``batch`` (default ``FETCH_ROWS``) at a time
    from the one query that selects them (see the module's docstring), for a streamed CSV."""
    return queryset.iterator(chunk_size=batch or FETCH_ROWS)


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]], *, batch: int | None = None) -> Iterator[str]:
    """The header and rows as CSV text, ``batch`` (default ``CHUNK_ROWS``) rows per chunk (for a
    ``StreamingHttpResponse``)."""
    batch = batch or CHUNK_ROWS
    writer = SafeWriter(_Echo())
    yield writer.writerow(header)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= batch:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
