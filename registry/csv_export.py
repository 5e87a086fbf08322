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
affiliate export (``api.views``) today, statistics and the treasurer's reports later.
"""

import csv
import decimal
from collections.abc import Iterable, Iterator
from typing import Any

# Cells starting with one of these are formulas to a spreadsheet (OWASP: CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


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


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]], *, batch: int = 500) -> Iterator[str]:
    """The header and rows as CSV text, ``batch`` rows per chunk (for a ``StreamingHttpResponse``)."""
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
