"""The public directory in pages: a keyset cursor over the order the page shows.

**The order.** Top-level region by name, then the affiliate's name in lower case, then its id (the
organization's id, today and as of a date), so the order is total and stable. The database computes
the keys (``Coalesce`` of the parent region's name and the region's own; ``Lower`` of the name) and
compares them, so a page starts exactly where the previous one ended whatever the database's
collation. No index holds this order (the top-level region is a join away), so the database sorts the
matching rows for each page, keeping the first ``page_size + 1`` (a top-N sort): one query reading a
page's columns as plain values, no model instance, whatever the number of affiliates.

**The cursor** holds the keys of the row where a page ended (or, for ``previous``, began) and is
signed, so it cannot be forged; a cursor that does not decode is a form error (400). Rows added or
removed meanwhile never make a row appear twice or be skipped.

**The counts** of the page (the total and each region's) come from one grouped query, or, for the
directory of today unfiltered, from the counts the region chart already reads.
"""

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import CharField, Count, F, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Lower
from django_countries.fields import Country

from . import history
from .selectors import affiliate_list

_SALT = "registry.directory_pages.cursor"

# The columns of a page's row today (``affiliate_list``'s annotations among them).
ROW_FIELDS = (
    "id",
    "slug",
    "name",
    "name_latin",
    "acronym",
    "city",
    "country",
    "category",
    "in_good_standing",
)


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class DirectoryCursor:
    """The keys of one row: its top-level region's name, its name in lower case, its organization id."""

    region: str
    name: str
    pk: int
    backwards: bool = False  # a `previous` cursor: the page ends just before this row


def encode_cursor(cursor: DirectoryCursor) -> str:
    return signing.dumps([cursor.region, cursor.name, cursor.pk, int(cursor.backwards)], salt=_SALT)


def decode_cursor(raw: str) -> DirectoryCursor:
    """The cursor in ``raw``; ``InvalidCursor`` if it was not made by ``encode_cursor``."""
    try:
        region, name, pk, backwards = signing.loads(raw, salt=_SALT)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise InvalidCursor(raw) from exc
    if not (
        isinstance(region, str)
        and isinstance(name, str)
        and isinstance(pk, int)
        and not isinstance(pk, bool)
        and pk >= 0
        and backwards in (0, 1)
    ):
        raise InvalidCursor(raw)
    return DirectoryCursor(region=region, name=name, pk=pk, backwards=bool(backwards))


def page_size() -> int:
    return settings.DIRECTORY_PAGE_SIZE


# --- the rows: today and as of a date, with the same keys -------------------------------------------


def _keyed(rows: QuerySet, *, entry_region: bool) -> QuerySet:
    """``rows`` with the ordering keys ``top_region`` and ``name_key``; as of a date, a region deleted
    since then sorts (and is headed) by the name its entry recorded."""
    names = ["region__parent__name", "region__name"]
    if entry_region:
        names.append(KeyTextTransform("region__name", "entry"))  # the key is "region__name"
    return rows.annotate(top_region=Coalesce(*names, output_field=CharField()), name_key=Lower("name"))


def directory_rows(filters: dict) -> QuerySet:
    """Today's affiliates (``affiliate_list`` with ``filters``) as plain rows with their ordering keys."""
    rows = _keyed(affiliate_list(**filters), entry_region=False)
    return rows.values(*ROW_FIELDS, "top_region", "name_key", key=F("id"))


def directory_rows_as_of(day, filters: dict) -> QuerySet:
    """The affiliates listed at the end of ``day`` (``registry.history``), as plain rows: the entry
    the feed published, the organization's id as ``key``, the ordering keys."""
    rows = _keyed(history.affiliate_rows_as_of(day, **filters), entry_region=True)
    return rows.values("entry", "top_region", "name_key", key=F("organization_id"))


def region_counts(rows: QuerySet) -> dict[str, int]:
    """Rows per top-level region name (one grouped query): each heading's count and the total."""
    grouped = rows.order_by().values("top_region").annotate(n=Count("*")).values_list("top_region", "n")
    return dict(grouped)


# --- one page ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryPage:
    rows: list[dict[str, Any]]
    next: DirectoryCursor | None
    previous: DirectoryCursor | None
    # The top-level region of the row just before the page, when known: the page's first heading
    # continues that region's list when it is the same one.
    region_before: str | None


def _beyond(cursor: DirectoryCursor, *, backwards: bool) -> Q:
    """Rows strictly after (or before) the cursor's row in the page's order."""
    op = "lt" if backwards else "gt"
    return (
        Q(**{f"top_region__{op}": cursor.region})
        | Q(top_region=cursor.region, **{f"name_key__{op}": cursor.name})
        | Q(top_region=cursor.region, name_key=cursor.name, **{f"key__{op}": cursor.pk})
    )


def _cursor_at(row: dict, *, backwards: bool) -> DirectoryCursor:
    return DirectoryCursor(region=row["top_region"], name=row["name_key"], pk=row["key"], backwards=backwards)


def _from(cursor: DirectoryCursor, *, backwards: bool) -> DirectoryCursor:
    """For a page whose rows have all gone meanwhile: a cursor the other way that takes in the
    cursor's own row (the id just beyond it: no other row lies between), so the page still leads on."""
    return replace(cursor, pk=cursor.pk - 1 if cursor.backwards else cursor.pk + 1, backwards=backwards)


def directory_page(rows: QuerySet, *, cursor: DirectoryCursor | None, size: int) -> DirectoryPage:
    """One page of ``rows`` (``directory_rows`` or ``directory_rows_as_of``) in one query, which
    asks for one row more than ``size`` to know whether there is a page beyond."""
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        rows = rows.filter(_beyond(cursor, backwards=backwards))
    order = ("-top_region", "-name_key", "-key") if backwards else ("top_region", "name_key", "key")
    fetched = list(rows.order_by(*order)[: size + 1])
    more = len(fetched) > size
    page = fetched[:size]
    if backwards:
        page.reverse()
        region_before = fetched[size]["top_region"] if more else None
        previous = _cursor_at(page[0], backwards=True) if more else None
        following = _cursor_at(page[-1], backwards=False) if page else _from(cursor, backwards=False)
    else:
        region_before = cursor.region if cursor is not None else None
        following = _cursor_at(page[-1], backwards=False) if more else None
        if cursor is None:
            previous = None
        else:
            previous = _cursor_at(page[0], backwards=True) if page else _from(cursor, backwards=True)
    return DirectoryPage(rows=page, next=following, previous=previous, region_before=region_before)


def shown_row(row: dict) -> dict[str, Any]:
    """A row as the page reads it: today's columns, or the entry the feed published as of a date."""
    if "entry" in row:
        entry = row["entry"]
        shown = {field: entry.get(field, "") for field in ("slug", "name", "name_latin", "acronym", "city")}
        shown.update(category=entry["category"], in_good_standing=entry["in_good_standing"])
        shown.update(country=Country(entry["country"]), region_code=entry["region__code"])
    else:
        shown = {**row, "country": Country(row["country"])}
    shown["top_region"] = row["top_region"]
    return shown
