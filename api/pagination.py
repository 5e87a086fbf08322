"""Keyset (cursor) pagination for the affiliate list.

Rows are ordered by (sort field, id), both in the same direction, so the order
is total and stable. A cursor holds the sort value and id of the row where a
page ended (or began, for ``previous``) and is signed, so it cannot be forged;
the next page starts strictly after it. Rows added or removed meanwhile never
make a row appear twice or be skipped. No COUNT(*): one query per page, which
asks for one row more than the page size to know whether there is a next page.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core import signing
from django.core.signals import setting_changed
from django.db import router
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.utils.urls import replace_query_param

from registry.models import Organization
from registry.selectors import affiliate_list_version, affiliate_rows
from registry.statements import CompiledValues

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
DEFAULT_ORDERING = "name"

# ordering parameter → (row field, descending)
ORDERINGS: dict[str, tuple[str, bool]] = {
    "name": ("name", False),
    "-name": ("name", True),
    "admitted_on": ("admitted_on", False),
    "-admitted_on": ("admitted_on", True),
    "updated_at": ("updated_at", False),
}

_SALT = "api.pagination.cursor"


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    ordering: str
    value: Any  # str (name), date (admitted_on) or aware datetime (updated_at)
    pk: int
    backwards: bool = False  # a `previous` cursor: the page ends just before this row


def _dump_value(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _load_value(field: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        raise TypeError(raw)
    if field == "admitted_on":
        return datetime.date.fromisoformat(raw)
    if field == "updated_at":
        value = datetime.datetime.fromisoformat(raw)
        if timezone.is_naive(value):
            raise ValueError(raw)
        return value
    return raw


def encode_cursor(cursor: Cursor) -> str:
    payload = [cursor.ordering, _dump_value(cursor.value), cursor.pk, int(cursor.backwards)]
    return signing.dumps(payload, salt=_SALT)


def decode_cursor(raw: str, *, ordering: str) -> Cursor:
    """The cursor in ``raw``; ``InvalidCursor`` with a message for the client if it is not usable."""
    try:
        made_for, value, pk, backwards = signing.loads(raw, salt=_SALT)
        field, _descending = ORDERINGS[made_for]
        value = _load_value(field, value)
        if not isinstance(pk, int) or isinstance(pk, bool) or pk < 1 or backwards not in (0, 1):
            raise ValueError(pk)
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidCursor(
            _(
                "This cursor is not valid. Use the 'next' or 'previous' link of a response as it is, "
                "or start again from the first page."
            )
        ) from exc
    if made_for != ordering:
        raise InvalidCursor(
            _("This cursor was made for ordering '%(cursor)s', not '%(ordering)s'. Keep the same ordering.")
            % {"cursor": made_for, "ordering": ordering}
        )
    return Cursor(ordering=made_for, value=value, pk=pk, backwards=bool(backwards))


@dataclass(frozen=True)
class KeysetPage:
    rows: list[dict]
    next: Cursor | None
    previous: Cursor | None


def _beyond(field: str, value: Any, pk: int, *, descending: bool, key: str = "pk") -> Q:
    """Rows strictly after (value, pk) in the given direction, written so an index on (field, id) serves it."""
    if descending:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(**{f"{key}__lt": pk}))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(**{f"{key}__gt": pk}))


def _order_by(field: str, *, descending: bool, key: str = "pk") -> tuple[str, str]:
    return (f"-{field}", f"-{key}") if descending else (field, key)


def ordered(rows: QuerySet, ordering: str, *, key: str = "pk") -> QuerySet:
    """``rows`` in the total order of ``ordering``: (field, id), both in the same direction.
    ``key`` is the id's column: the row's own, or (the directory as of a date) the organization's."""
    field, descending = ORDERINGS[ordering]
    return rows.order_by(*_order_by(field, descending=descending, key=key))


def paginate(
    rows: QuerySet, *, ordering: str, page_size: int, cursor: Cursor | None, key: str = "pk"
) -> KeysetPage:
    """One page of ``rows`` (dicts with ``id``, or ``key``, and the sort field), in one query."""
    fetched = list(page_query(rows, ordering=ordering, page_size=page_size, cursor=cursor, key=key))
    return keyset_page(fetched, ordering=ordering, page_size=page_size, cursor=cursor, key=key)


def page_query(
    rows: QuerySet, *, ordering: str, page_size: int, cursor: Cursor | None, key: str = "pk"
) -> QuerySet:
    """The query of one page of ``rows``: those beyond ``cursor``, in the order of the scan, one row
    more than ``page_size`` (to know whether there is another page)."""
    field, descending = ORDERINGS[ordering]
    backwards = cursor is not None and cursor.backwards
    scan_descending = descending != backwards
    if cursor is not None:
        rows = rows.filter(_beyond(field, cursor.value, cursor.pk, descending=scan_descending, key=key))
    return rows.order_by(*_order_by(field, descending=scan_descending, key=key))[: page_size + 1]


def keyset_page(
    fetched: list[dict], *, ordering: str, page_size: int, cursor: Cursor | None, key: str = "pk"
) -> KeysetPage:
    """The page out of the rows ``page_query`` fetched, with the cursors of its neighbours."""
    field, _descending = ORDERINGS[ordering]
    row_key = "id" if key == "pk" else key
    backwards = cursor is not None and cursor.backwards
    more = len(fetched) > page_size
    page = fetched[:page_size]
    if backwards:
        page.reverse()

    def at(row: dict, *, backwards: bool) -> Cursor:
        return Cursor(ordering=ordering, value=row[field], pk=row[row_key], backwards=backwards)

    if backwards:
        previous = at(page[0], backwards=True) if more else None
        following = at(page[-1], backwards=False) if page else Cursor(ordering, cursor.value, cursor.pk)
    else:
        following = at(page[-1], backwards=False) if more else None
        if cursor is None:
            previous = None
        else:
            previous = (
                at(page[0], backwards=True) if page else Cursor(ordering, cursor.value, cursor.pk, True)
            )
    return KeysetPage(rows=page, next=following, previous=previous)


def affiliate_page(*, filters: dict, ordering: str, page_size: int, cursor: Cursor | None) -> KeysetPage:
    """A page of today's ``affiliate_rows(**filters)``, as ``paginate`` gives it.

    Without a region (whose sub-regions are read each time), the page's SQL is compiled once per
    database, day, filters, ordering, size and cursor, and run again as it is (``CompiledValues``)."""
    if filters["region"] is not None:
        rows = affiliate_rows(**filters)
        return paginate(rows, ordering=ordering, page_size=page_size, cursor=cursor)
    statement = _affiliate_page_statement(
        router.db_for_read(Organization),
        affiliate_list_version(),
        tuple(filters.items()),
        ordering,
        page_size,
        cursor,
    )
    return keyset_page(statement.rows(), ordering=ordering, page_size=page_size, cursor=cursor)


@lru_cache(maxsize=256)
def _affiliate_page_statement(
    alias: str, version: tuple, filters: tuple, ordering: str, page_size: int, cursor: Cursor | None
) -> CompiledValues:
    rows = affiliate_rows(**dict(filters)).using(alias)
    return CompiledValues(page_query(rows, ordering=ordering, page_size=page_size, cursor=cursor))


@receiver(setting_changed)
def _forget_page_statements(**kwargs) -> None:
    _affiliate_page_statement.cache_clear()


def page_links(request, page: KeysetPage) -> dict[str, str | None]:
    """``next`` and ``previous`` as absolute URLs: this request's URL with the cursor replaced."""
    url = request.build_absolute_uri()

    def link(cursor: Cursor | None) -> str | None:
        return None if cursor is None else replace_query_param(url, "cursor", encode_cursor(cursor))

    return {"next": link(page.next), "previous": link(page.previous)}
