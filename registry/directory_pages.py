"""The public directory in pages: a keyset cursor over the order the page shows.

**The order.** Top-level region by name, then the affiliate's name in lower case, then its id (the
organization's id, today and as of a date), so the order is total and stable. The database computes
the keys (``Coalesce`` of the parent region's name and the region's own; ``Lower`` of the name) and
compares them, so a page starts exactly where the previous one ended whatever the database's
collation. No index holds this order (the top-level region is a join away). Today, on a database that
orders and limits the parts of a ``UNION ALL`` (PostgreSQL), a page is one query of one part per
region, each walking the index of its region's affiliates by name (``region``, ``Lower(name)``, ``id``)
with its top-level region's name as a constant, and keeping the first ``page_size + 1``; the database
merges those few rows: the cost of a page does not grow with the affiliates. Elsewhere (SQLite), and
as of a date, the database sorts the matching rows, keeping the first ``page_size + 1`` (a top-N sort).
Either way one query reads a page's columns as plain values, no model instance; good standing is
read after it for the page's rows alone (``with_standing``: one query).

**The cursor** holds the keys of the row where a page ended (or, for ``previous``, began) and is
signed, so it cannot be forged; a cursor that does not decode is a form error (400). Rows added or
removed meanwhile never make a row appear twice or be skipped.

**The counts** of the page (the total and each region's) come from one grouped query, or, for the
directory of today unfiltered, from the counts the region chart already reads.

**The aggregates over every affiliate** (per country: the map and the filter's countries; per region:
the chart) are cached (``directory_aggregates``) under the registry's version (``registry.directory_cache``:
the change feed's last event number, today's date, the regions). Every change of the directory
records an event in the transaction that makes it, so the next request reads new counts.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connections
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Lower
from django_countries.fields import Country

from . import history
from .directory_cache import cached_for_version
from .models import MembershipState, Organization, Region
from .selectors import affiliate_counts_by_country, affiliate_list, organization_good_standing, today

_SALT = "registry.directory_pages.cursor"

# The columns of a page's row today (``affiliate_list``'s ``category`` among them; ``in_good_standing``
# is read for the page's rows alone: ``with_standing``).
ROW_FIELDS = (
    "id",
    "slug",
    "name",
    "name_latin",
    "acronym",
    "city",
    "country",
    "category",
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


def region_tops(tree: Iterable[tuple[Region, int]]) -> dict[int, str]:
    """Each region's id and the name its affiliates are listed under (``_keyed``'s ``top_region``):
    its parent's name, or its own for a region without a parent. ``tree``: ``selectors.region_tree``."""
    regions = [region for region, _depth in tree]
    names = {region.pk: region.name for region in regions}
    return {region.pk: names[region.parent_id] if region.parent_id else region.name for region in regions}


def _within(region: Region | None, tree: list[tuple[Region, int]]) -> list[int]:
    """The ids of ``region`` and of the regions below it (``tree`` is depth first); all without one."""
    if region is None:
        return [node.pk for node, _depth in tree]
    ids, depth_of_region = [], None
    for node, depth in tree:
        if depth_of_region is not None and depth <= depth_of_region:
            break
        if node.pk == region.pk:
            depth_of_region = depth
        if depth_of_region is not None:
            ids.append(node.pk)
    return ids


def directory_rows_by_region(filters: dict, tree: list[tuple[Region, int]]) -> list[QuerySet] | None:
    """Today's rows (``directory_rows``) as one part per region of ``tree`` (and of ``filters``'
    region), with the top-level region's name as a constant, for ``directory_page`` to walk each
    part by the index of the region's names and merge them in one query. None where the database
    cannot order and limit the parts of a union (SQLite), and for a country, a search or a standing:
    those keep few rows, which their own indexes find and the database sorts (``directory_rows``),
    where walking each region's names would read the region's every union to find them."""
    if any(filters.get(name) is not None for name in ("country", "search", "good_standing")):
        return None
    base = affiliate_list(**{**filters, "region": None})
    if not connections[base.db].features.supports_slicing_ordering_in_compound:
        return None
    tops = region_tops(tree)
    return [
        base.filter(region_id=region_id)
        .annotate(top_region=Value(tops[region_id], output_field=CharField()), name_key=Lower("name"))
        .values(*ROW_FIELDS, "top_region", "name_key", key=F("id"))
        for region_id in _within(filters.get("region"), tree)
    ]


def with_standing(rows: list[dict]) -> list[dict]:
    """Today's rows with ``in_good_standing`` (``selectors.organization_good_standing``), read for
    these rows alone: one query (none for no rows)."""
    if not rows:
        return rows
    good = dict(
        Organization.objects.filter(pk__in=[row["key"] for row in rows])
        .annotate(good=organization_good_standing(today()))
        .values_list("pk", "good")
    )
    return [{**row, "in_good_standing": good[row["key"]]} for row in rows]


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
    """Rows strictly after (or before) the cursor's row in the page's order. The last condition
    follows from the others; it lets a region's part start its walk at the cursor's name."""
    op = "lt" if backwards else "gt"
    return (
        Q(**{f"top_region__{op}": cursor.region})
        | Q(top_region=cursor.region, **{f"name_key__{op}": cursor.name})
        | Q(top_region=cursor.region, name_key=cursor.name, **{f"key__{op}": cursor.pk})
    ) & (Q(**{f"top_region__{op}": cursor.region}) | Q(**{f"name_key__{op}e": cursor.name}))


def _cursor_at(row: dict, *, backwards: bool) -> DirectoryCursor:
    return DirectoryCursor(region=row["top_region"], name=row["name_key"], pk=row["key"], backwards=backwards)


def _from(cursor: DirectoryCursor, *, backwards: bool) -> DirectoryCursor:
    """For a page whose rows have all gone meanwhile: a cursor the other way that takes in the
    cursor's own row (the id just beyond it: no other row lies between), so the page still leads on."""
    return replace(cursor, pk=cursor.pk - 1 if cursor.backwards else cursor.pk + 1, backwards=backwards)


def _fetch(rows: QuerySet, parts: list[QuerySet] | None, order: tuple[str, ...], limit: int) -> list[dict]:
    """The first ``limit`` rows in ``order``: of ``rows`` sorted, or of ``parts`` (each a region's,
    its top-level region constant) each walked in the rest of the order, merged in one query."""
    if parts is None:
        return list(rows.order_by(*order)[:limit])
    walked = [part.order_by(*order[1:])[:limit] for part in parts]
    if len(walked) < 2:
        return [row for part in walked for row in part]
    return list(walked[0].union(*walked[1:], all=True).order_by(*order)[:limit])


def directory_page(
    rows: QuerySet,
    *,
    cursor: DirectoryCursor | None,
    size: int,
    parts: list[QuerySet] | None = None,
) -> DirectoryPage:
    """One page of ``rows`` (``directory_rows`` or ``directory_rows_as_of``; today, ``parts`` of the
    same rows from ``directory_rows_by_region`` when the database can merge them) in one query,
    which asks for one row more than ``size`` to know whether there is a page beyond."""
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        beyond = _beyond(cursor, backwards=backwards)
        rows = rows.filter(beyond)
        if parts is not None:
            parts = [part.filter(beyond) for part in parts]
    order = ("-top_region", "-name_key", "-key") if backwards else ("top_region", "name_key", "key")
    fetched = _fetch(rows, parts, order, size + 1)
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


# --- the aggregates over every affiliate, cached under the registry's version ------------------------


@dataclass(frozen=True)
class DirectoryAggregates:
    by_country: dict[str, int]  # affiliates per country code, only countries that have some
    by_region: dict[int, int]  # affiliates per region id, not counting its sub-regions


def _affiliates_per_region() -> dict[int, int]:
    active = Organization.objects.filter(memberships__state=MembershipState.ACTIVE)
    return dict(
        active.order_by().values_list("region_id").annotate(n=Count("id")).values_list("region_id", "n")
    )


def directory_aggregates() -> DirectoryAggregates:
    """The affiliates per country and per region, from the cache when this version's are there
    (one query: the version, ``registry.directory_cache``), else counted (two more) and kept."""
    return cached_for_version(
        "directory_pages.aggregates",
        lambda: DirectoryAggregates(
            by_country=affiliate_counts_by_country(), by_region=_affiliates_per_region()
        ),
    )


def counts_by_region(aggregates: DirectoryAggregates, tree: list[tuple[Region, int]]) -> dict[int, int]:
    """Affiliates per region id, each region counting its sub-regions too, in ``tree`` (the regions
    as they are now: ``selectors.region_tree``); what ``selectors.affiliate_counts_by_region`` gives."""
    parents = {region.pk: region.parent_id for region, _depth in tree}
    totals = dict.fromkeys(parents, 0)
    for region_id, n in aggregates.by_region.items():
        node: int | None = region_id
        while node is not None and node in totals:
            totals[node] += n
            node = parents[node]
    return totals
