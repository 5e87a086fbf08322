"""The directory as it was at the end of a past day, read from the change feed's events.

**What "as of D" means.** The directory at the end of day ``D`` in UTC (the registry's time zone,
``TIME_ZONE``; the daily sweep that records changes of good standing runs just after midnight UTC):
for each organization its latest event that occurred before ``D + 1`` 00:00 UTC, if that event
lists it. Today is allowed (the directory as the feed has it now); a later date is not.

**Why the events carry copies of their columns.** An event that lists an organization holds its
entry from ``occurred_at`` until ``valid_until`` (the organization's next event; null while it is
the latest), so one day's directory is the events with ``occurred_at < t <= valid_until`` — no
"latest per organization" to compute (a DISTINCT ON over every event, unusable at 100k members).
The columns the API filters and orders by are copied beside the entry (``registry.feed.columns_of``)
and indexed with the organization id, as ``Organization``'s are, so that a page of a past directory
is one indexed query walking the ordering, like today's. The entry itself is what the page shows:
exactly what the feed published. A separate table of versions would hold the same rows twice.

**Former slugs.** A union renamed keeps the slug it had in the directory of the days before, and the
links a partner or a page made from that directory name it. The events hold every slug the kept
history lists (``DirectoryEvent.slug``, indexed), so ``organizations_listed_as`` finds whom a slug
named, and a former slug still resolves (``current_slug``, ``affiliate_row_as_of``) for as long as
the events that listed it are kept: every slug an ``as_of`` answer can show. A slug freed by a
rename may be taken by another union later: the union that has it now comes first, then the latest
to have had it.

**When the records begin.** At the first event kept; after old events were deleted
(``FEED_RETENTION_DAYS``, ``registry.feed.prune``; a restore, ``registry.feed.forget``) at the
moment from which the kept ones give the whole directory (``DirectoryFeedCounter.history_from``).
"""

import datetime
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Subquery

from .models import LISTED, DirectoryEvent, DirectoryFeedCounter, Organization, Region
from .search import words_found
from .selectors import affiliate_list, region_with_descendants_ids, search_words, today


def end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` (UTC): the directory as of ``day`` is the one held then."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)


def first_day() -> datetime.date | None:
    """The first day the directory can be given for (one query); None before the first event."""
    since = DirectoryFeedCounter.objects.filter(pk=1).values("history_from")[:1]
    found = DirectoryEvent.objects.aggregate(first=Min("occurred_at"), since=Max(Subquery(since)))
    if found["first"] is None:
        return None
    start = max(found["first"], found["since"] or found["first"])
    return start.astimezone(datetime.UTC).date()


class OutOfRecords(ValueError):
    """A date the directory cannot be given for; ``first`` is the first one it can (or None)."""

    def __init__(self, kind: str, first: datetime.date | None):
        super().__init__(kind)
        self.kind, self.first = kind, first


def check_day(day: datetime.date) -> None:
    """Raise ``OutOfRecords`` unless the directory can be given as of ``day``: "future" after today,
    "before_records" before ``first_day()`` (or when there is no event at all). One query."""
    if day > today():
        raise OutOfRecords("future", None)
    first = first_day()
    if first is None or day < first:
        raise OutOfRecords("before_records", first)


def held_on(day: datetime.date) -> QuerySet[DirectoryEvent]:
    """The events that list an organization at the end of ``day``: one per organization listed."""
    moment = end_of(day)
    return DirectoryEvent.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=moment),
        entry__isnull=False,
        occurred_at__lt=moment,
    )


def affiliate_rows_as_of(
    day: datetime.date,
    *,
    region: Region | None = None,
    country: str | None = None,
    category: str | None = None,
    search: str | None = None,
    updated_since: datetime.datetime | None = None,
    good_standing: bool | None = None,
) -> QuerySet[dict]:
    """``registry.selectors.affiliate_rows`` as of ``day``, with the same filters: dicts with
    ``organization_id`` (the key of its pages: ``api.pagination``'s ``key``), the ordering columns and ``entry`` (``registry.feed.row_of``).

    ``region`` is the region as it is now, with its sub-regions now; the others compare with the
    values of that day."""
    events = held_on(day)
    if region is not None:
        events = events.filter(region_id__in=region_with_descendants_ids(region=region))
    if country:
        events = events.filter(country=country)
    if category:
        events = events.filter(category=category)
    if words := search_words(search or ""):
        events = events.filter(words_found(words))
    if updated_since is not None:
        events = events.filter(updated_at__gte=updated_since)
    if good_standing is not None:
        events = events.filter(in_good_standing=good_standing)
    return events.values("organization_id", "name", "admitted_on", "updated_at", "region_id", "entry")


def affiliate_row_as_of(day: datetime.date, *, slug: str) -> dict[str, Any] | None:
    """The entry of the affiliate listed under ``slug`` at the end of ``day``; failing that, the entry
    that day of the union that has ``slug`` now or had it before (renamed since, or before then:
    module docstring, "Former slugs"), with the slug it had that day; None if it was not listed then.
    One query when ``slug`` was that day's; four otherwise."""
    held = held_on(day)
    entry = held.filter(slug=slug).values_list("entry", flat=True).first()
    if entry is not None:
        return entry
    named = [
        *Organization.objects.filter(slug=slug).values_list("pk", flat=True),
        *organizations_listed_as(slug),
    ]
    if not named:
        return None
    found = dict(held.filter(organization_id__in=named).values_list("organization_id", "entry"))
    return next((found[pk] for pk in named if pk in found), None)


def organizations_listed_as(slug: str) -> list[int]:
    """The ids of the organizations the kept history lists under ``slug``, the latest first (one query)."""
    rows = (
        DirectoryEvent.objects.filter(LISTED, slug=slug)
        .order_by()
        .values("organization_id")
        .annotate(last=Max("seq"))
        .order_by("-last")
    )
    return [row["organization_id"] for row in rows]


def current_slug(slug: str) -> str | None:
    """The slug now of the affiliate the directory listed under ``slug`` before, a former slug (the
    union renamed since): of those listed under it, the latest to be an affiliate today. None if
    none is, or if ``slug`` is its own still. Two queries (one when no event names ``slug``)."""
    named = organizations_listed_as(slug)
    if not named:
        return None
    now = dict(affiliate_list().filter(pk__in=named).values_list("pk", "slug"))
    return next((now[pk] for pk in named if pk in now and now[pk] != slug), None)


def affiliate_counts_by_region_as_of(day: datetime.date) -> dict[int, int]:
    """``registry.selectors.affiliate_counts_by_region`` as of ``day``, in the regions' tree of now."""
    direct = dict(
        held_on(day).order_by().values_list("region_id").annotate(n=Count("pk")).values_list("region_id", "n")
    )
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    totals: dict[int, int] = dict.fromkeys(parents, 0)
    for region_id, n in direct.items():
        node: int | None = region_id
        while node is not None and node in totals:
            totals[node] += n
            node = parents.get(node)
    return totals


def affiliate_counts_by_country_as_of(day: datetime.date) -> dict[str, int]:
    """Affiliates per country code at the end of ``day`` (one query): the directory's map."""
    rows = held_on(day).order_by().values("country").annotate(n=Count("pk")).values_list("country", "n")
    return dict(rows)
