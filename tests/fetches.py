"""The batches in which queries' rows are read from the database, for tests of streamed exports.

``fetches()`` records every ``fetchmany`` of a Django cursor while it is open: the size asked for,
the rows it returned, and the cursor's name (a PostgreSQL server-side cursor has one; a client-side
cursor, which holds the whole result from the start, and SQLite's have none). Django reads every
query's rows through ``fetchmany`` (100 at a time when nothing asks for another size).
"""

import contextlib
from dataclasses import dataclass
from unittest import mock

from django.db.backends.utils import CursorWrapper


@dataclass(frozen=True)
class Fetch:
    size: int
    rows: int
    cursor_name: str | None


@contextlib.contextmanager
def fetches():
    calls: list[Fetch] = []

    def fetchmany(self, size):
        rows = self.cursor.fetchmany(size)
        calls.append(Fetch(size=size, rows=len(rows), cursor_name=getattr(self.cursor, "name", None)))
        return rows

    with mock.patch.object(CursorWrapper, "fetchmany", fetchmany, create=True):
        yield calls


def rows_read_in_batches_of(calls: list[Fetch], size: int) -> list[int]:
    """The number of rows of each fetch that asked for ``size`` rows, in order."""
    return [call.rows for call in calls if call.size == size]
