"""The directory's change feed: every change to what ``GET /api/v1/affiliates/`` shows, in commit order.

A partner that reads the feed from the start and applies each event (``affiliate`` null: remove
``slug``; otherwise remove ``previous_slug`` if given and store ``affiliate`` under its slug) holds
exactly the directory.

**Why no event is ever skipped.** An event's number (``DirectoryEvent.seq``) is taken from one
counter row (``DirectoryFeedCounter``) that the recording transaction locks and keeps locked until
it commits. The next number can only be taken once that transaction has ended, so numbers are
handed out in commit order, without gaps (a rolled-back transaction gives its number back), and a
reader that sees event *n* sees every event before it. The cursor is simply the last number read.
An id from a sequence would not do: on PostgreSQL a transaction can take id 7, commit after the
one that took 8, and a reader that passed 8 would never see 7.

**Why the events are exact.** ``publish`` compares the directory entry *now* with the one the
feed last published for that organization, and records the difference; it reads both after
taking the counter lock, so it sees everything published before it. Every writer publishes as
the last step of its transaction, after its other locks (taking a row lock while holding the
counter could deadlock with a transaction that holds that row and waits for the counter). What a
writer forgets, and what changes with the calendar alone (good standing when a return falls due),
the daily ``publish_all`` records.

**The directory as of a date** (``registry.history``) is read from the same events: each event
that lists an organization holds its entry from ``occurred_at`` until the organization's next
event (``valid_until``, set here when that next event is recorded), with the entry's filtered and
ordered columns copied beside it (``columns_of``).

**Who else hears of an event.** ``events_recorded`` is sent inside the recording transaction, after
the events are written; a receiver must not query or lock there (it would hold the counter longer):
partners' webhooks only ask, on commit, for a fan-out that reads the events after its cursor.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.dispatch import Signal
from django.utils import timezone

from . import bulk
from .models import (
    DirectoryEvent,
    DirectoryEventType,
    DirectoryFeedCounter,
    Membership,
    MembershipState,
    MembershipSuspension,
    Organization,
)
from .selectors import AFFILIATE_ROW_FIELDS, affiliate_rows
from .text import fold_for_search

# The fields of a directory row the feed keeps: the row's, less the database id.
ENTRY_FIELDS = tuple(field for field in AFFILIATE_ROW_FIELDS if field != "id")
# Directory fields as the API names them, for ``changed``.
_PUBLIC_NAMES = {
    "region__code": "region",
    "region__name": "region",
    "region__name_ar": "region",
    "region__name_fr": "region",
    "region__name_tr": "region",
}

# Sent with ``events`` (the recorded DirectoryEvents) in the recording transaction (module docstring).
events_recorded = Signal()


def entry_of(row: dict) -> dict[str, Any]:
    """A directory row as the feed stores it (JSON: dates as ISO text)."""
    entry = {field: row[field] for field in ENTRY_FIELDS}
    entry["admitted_on"] = row["admitted_on"].isoformat()
    entry["updated_at"] = row["updated_at"].astimezone(datetime.UTC).isoformat()
    entry["in_good_standing"] = bool(row["in_good_standing"])
    return entry


# Fields an entry recorded before they were added to the directory row reads as empty (the name in
# Latin script; the region's name in Arabic, French and Turkish): no event for an empty new field.
_ADDED_LATER = {"name_latin": "", "region__name_ar": "", "region__name_fr": "", "region__name_tr": ""}


def row_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The stored entry back as a directory row (``api.serializers.affiliate_item`` reads it)."""
    return {
        **_ADDED_LATER,
        **entry,
        "admitted_on": datetime.date.fromisoformat(entry["admitted_on"]),
        "updated_at": datetime.datetime.fromisoformat(entry["updated_at"]),
    }


def columns_of(entry: dict[str, Any] | None, region_id: int | None) -> dict[str, Any]:
    """The event's copies of ``entry``'s columns (``DirectoryEvent``: the directory as of a date);
    empty for an event that removes the organization."""
    if entry is None:
        return {column: "" if column in TEXT_COLUMNS else None for column in HISTORY_COLUMNS}
    row = row_of(entry)
    return {
        "name": row["name"],
        "country": row["country"],
        "region_id": region_id,
        "category": row["category"],
        "admitted_on": row["admitted_on"],
        "updated_at": row["updated_at"],
        "in_good_standing": row["in_good_standing"],
        # As Organization.build_search_text, so that ``q`` finds what it found that day.
        "search_text": fold_for_search(" ".join(filter(None, [row["name"], row["acronym"], row["city"]]))),
    }


HISTORY_COLUMNS = (
    "name",
    "country",
    "region_id",
    "category",
    "admitted_on",
    "updated_at",
    "in_good_standing",
    "search_text",
)
TEXT_COLUMNS = ("name", "country", "category", "search_text")


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    names = []
    for field in ENTRY_FIELDS:
        name = _PUBLIC_NAMES.get(field, field)
        if before.get(field) != after.get(field) and name not in names and name != "updated_at":
            names.append(name)
    return names


def _membership_notes(organization_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Why each of these organizations left the directory: its latest membership's state, since
    when, and for an ended one the reason (an ``EndReason``; a suspension's reasons are the
    committee's, not public). One query for the memberships, one for the open suspensions of those
    not ended (none when all ended), however many organizations."""
    # An organization without a membership: deleted in the admin.
    notes = {pk: {"state": None, "since": None, "reason": None} for pk in organization_ids}
    if not organization_ids:
        return notes
    latest: dict[int, Membership] = {}
    memberships = Membership.objects.filter(organization_id__in=organization_ids).order_by(
        "-admitted_on", "-pk"
    )
    for membership in memberships:
        latest.setdefault(membership.organization_id, membership)
    opened: dict[int, MembershipSuspension] = {}
    held = [m.pk for m in latest.values() if m.state != MembershipState.ENDED]
    if held:
        suspensions = MembershipSuspension.objects.filter(membership_id__in=held, ends_on__isnull=True)
        for suspension in suspensions.order_by("starts_on", "pk"):
            opened.setdefault(suspension.membership_id, suspension)
    for organization_id, membership in latest.items():
        if membership.state == MembershipState.ENDED:
            note = {
                "state": "ended",
                "since": membership.ended_on.isoformat(),
                "reason": membership.end_reason,
            }
        else:
            suspension = opened.get(membership.pk)
            since = suspension.starts_on.isoformat() if suspension else None
            note = {"state": membership.state, "since": since, "reason": None}
        notes[organization_id] = note
    return notes


def _event(
    organization_id: int,
    before: DirectoryEvent | None,
    entry: dict[str, Any] | None,
    notes: dict[int, dict[str, Any]],
) -> DirectoryEvent | None:
    """The event that takes the published state ``before`` to ``entry``; None if nothing changed.
    ``notes``: the membership note of each organization that leaves the directory (``_removed``)."""
    listed_before = before is not None and before.entry is not None
    if not listed_before and entry is None:
        return None
    if entry is None:
        note = notes[organization_id]
        kind = DirectoryEventType.SUSPENDED if note["state"] == "suspended" else DirectoryEventType.ENDED
        return DirectoryEvent(
            type=kind, organization_id=organization_id, slug=before.entry["slug"], membership=note
        )
    if not listed_before:
        kind = (
            DirectoryEventType.REINSTATED
            if before is not None and before.type == DirectoryEventType.SUSPENDED
            else DirectoryEventType.ADMITTED
        )
        return DirectoryEvent(type=kind, organization_id=organization_id, slug=entry["slug"], entry=entry)
    published = {**_ADDED_LATER, **before.entry}  # an entry from before a field was added: empty
    if entry == published:
        return None
    changed = _changed(published, entry)
    if "category" in changed:
        kind = DirectoryEventType.CATEGORY_CHANGED
    elif changed == ["in_good_standing"]:
        kind = DirectoryEventType.STANDING_CHANGED
    else:
        kind = DirectoryEventType.UPDATED
    previous_slug = before.entry["slug"] if before.entry["slug"] != entry["slug"] else ""
    return DirectoryEvent(
        type=kind,
        organization_id=organization_id,
        slug=entry["slug"],
        previous_slug=previous_slug,
        entry=entry,
        changed=changed,
    )


def _lock_counter() -> DirectoryFeedCounter:
    """The counter row, locked until the caller's transaction ends (created by the first caller)."""
    counter = DirectoryFeedCounter.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        DirectoryFeedCounter.objects.get_or_create(pk=1)
        counter = DirectoryFeedCounter.objects.select_for_update().get(pk=1)
    return counter


def _latest_seqs(organization_ids: Iterable[int] | None) -> QuerySet:
    """The number of each organization's latest event (of those given; of all when None)."""
    organizations = Organization.objects.all()
    if organization_ids is not None:
        organizations = organizations.filter(pk__in=list(organization_ids))
    newest = DirectoryEvent.objects.filter(organization=OuterRef("pk")).order_by("-seq").values("seq")[:1]
    return organizations.annotate(last=Subquery(newest)).filter(last__isnull=False).values("last")


def _last_published(organization_ids: Iterable[int] | None) -> dict[int, DirectoryEvent]:
    """The latest event of each organization (of those given; of all that have one when None)."""
    events = DirectoryEvent.objects.filter(seq__in=_latest_seqs(organization_ids))
    events = events.only("seq", "type", "organization_id", "slug", "entry", "occurred_at")
    return {event.organization_id: event for event in events.iterator(2000)}


def _record(
    counter: DirectoryFeedCounter,
    candidates: "Entries",
    decision: dict | None,
    at: datetime.datetime,
) -> list[DirectoryEvent]:
    """Record the events that take each organization's published state to ``candidates[id]``, and
    close the entry each replaces (``valid_until``).

    The caller locked ``counter`` before it read ``candidates``; the numbers follow on from it. An
    event never occurs before its organization's previous one (a clock set back), so that each
    organization's entries follow one another in time as in number. The same queries for one
    organization as for all: the last events (one), the notes of those that leave (``_removed``),
    the events written (``registry.bulk.insert``: COPY on PostgreSQL), the entries closed (``_close``)
    and the counter.
    """
    latest = _last_published(candidates.keys() if len(candidates) == 1 else None)
    notes = _membership_notes(_removed(candidates, latest))
    events, closed = [], []
    for organization_id in sorted(candidates):
        before = latest.get(organization_id)
        event = _event(organization_id, before, candidates[organization_id], notes)
        if event is None:
            continue
        counter.last += 1
        event.seq, event.decision = counter.last, decision
        event.occurred_at = at if before is None else max(at, before.occurred_at)
        for column, value in columns_of(event.entry, candidates.region_ids.get(organization_id)).items():
            setattr(event, column, value)
        if before is not None:
            closed.append((before.seq, event.occurred_at))
        events.append(event)
    if events:
        bulk.insert(events)
        _close(closed)
        counter.save(update_fields=["last"])
        events_recorded.send(sender=DirectoryEvent, events=events)
    return events


def _removed(candidates: "Entries", latest: dict[int, DirectoryEvent]) -> list[int]:
    """The organizations the directory listed and no longer lists."""
    return [
        organization_id
        for organization_id, entry in candidates.items()
        if entry is None and organization_id in latest and latest[organization_id].entry is not None
    ]


def _close(closed: list[tuple[int, datetime.datetime]]) -> None:
    """Set ``valid_until`` of the events replaced: on PostgreSQL one UPDATE from the pairs, elsewhere
    one per moment (one for a publish) and thousand events."""
    if not closed:
        return
    connection = connections[DirectoryEvent.objects.db]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(DirectoryEvent._meta.db_table)
        seqs, untils = zip(*closed, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS event SET valid_until = closed.until "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS closed (seq, until) WHERE event.seq = closed.seq",
                [list(seqs), list(untils)],
            )
        return
    by_moment: dict[datetime.datetime, list[int]] = {}
    for seq, until in closed:
        by_moment.setdefault(until, []).append(seq)
    for until, seqs in by_moment.items():
        for start in range(0, len(seqs), 1000):
            DirectoryEvent.objects.filter(seq__in=seqs[start : start + 1000]).update(valid_until=until)


class Entries(dict):
    """Organization id → its directory entry now (None: not listed); ``region_ids`` beside it."""

    region_ids: dict[int, int]


def _entries(organization_ids: Iterable[int] | None) -> Entries:
    rows = affiliate_rows().values(*AFFILIATE_ROW_FIELDS, "region_id")
    entries = Entries()
    entries.region_ids = {}
    if organization_ids is not None:
        ids = list(organization_ids)
        rows = rows.filter(pk__in=ids)
        entries.update(dict.fromkeys(ids))
    for row in rows.order_by().iterator(2000):
        entries[row["id"]] = entry_of(row)
        entries.region_ids[row["id"]] = row["region_id"]
    return entries


@transaction.atomic
def publish(organization: Organization | int, *, decision: dict | None = None) -> DirectoryEvent | None:
    """Record what changed in ``organization``'s directory entry since the feed last published it;
    None if nothing did. Call it last in the transaction that made the change (module docstring).

    Lock the counter; read the entry and the last event; insert the new event (with its columns for
    the directory as of a date); close the last one (``valid_until``); move the counter on.

    ``decision`` names what caused it: ``{"type": "application" | "motion" | "change_request", "id": …}``.
    """
    organization_id = organization if isinstance(organization, int) else organization.pk
    counter = _lock_counter()  # before reading the entry: see the module's docstring
    events = _record(counter, _entries([organization_id]), decision, timezone.now())
    return events[0] if events else None


@transaction.atomic
def publish_all() -> list[DirectoryEvent]:
    """Record every difference between the directory and what the feed published: the daily sweep
    (good standing follows the calendar), and after a restore or an import. One transaction."""
    counter = _lock_counter()  # before reading the directory: see the module's docstring
    entries = _entries(None)
    published = DirectoryEvent.objects.filter(entry__isnull=False).values_list("organization_id", flat=True)
    for organization_id in published.distinct():
        entries.setdefault(organization_id, None)
    return _record(counter, entries, None, timezone.now())


def events_after(seq: int, *, limit: int) -> list[DirectoryEvent]:
    """Up to ``limit`` events numbered after ``seq``, oldest first."""
    return list(DirectoryEvent.objects.filter(seq__gt=seq).order_by("seq")[:limit])


def last_seq() -> int:
    """The latest number handed out, as committed (0 before the first event)."""
    return DirectoryFeedCounter.objects.values_list("last", flat=True).first() or 0


def prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the events older than ``FEED_RETENTION_DAYS`` (kept forever when it is unset); how many.

    The oldest events go, up to the last one older than the cutoff, except each organization's
    latest of those: the directory at the cutoff, which the history (``registry.history``) starts
    from, and for an organization that has not changed since, what its next event is compared
    with. A cursor before the last one deleted can no longer be followed: ``cursor_expired`` says
    so, and the partner starts again from the directory.
    """
    days = settings.FEED_RETENTION_DAYS
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    with transaction.atomic():
        counter = _lock_counter()
        last_old = (
            DirectoryEvent.objects.filter(occurred_at__lt=cutoff)
            .order_by("-seq")
            .values_list("seq", "occurred_at")
            .first()
        )
        if last_old is None or last_old[0] <= counter.pruned_through:
            return 0
        through, through_at = last_old
        old = DirectoryEvent.objects.filter(seq__lte=through).exclude(seq__in=_latest_seqs_through(through))
        deleted, _ = old.delete()
        counter.pruned_through = through
        counter.history_from = max(through_at, counter.history_from or through_at)
        counter.save(update_fields=["pruned_through", "history_from"])
    return deleted


def _latest_seqs_through(seq: int) -> QuerySet:
    """The number of each organization's latest event numbered ``seq`` or less."""
    newest = (
        DirectoryEvent.objects.filter(organization=OuterRef("pk"), seq__lte=seq)
        .order_by("-seq")
        .values("seq")[:1]
    )
    return Organization.objects.annotate(last=Subquery(newest)).filter(last__isnull=False).values("last")


@transaction.atomic
def forget() -> None:
    """Delete every event, when a restore replaces the registry. No cursor from before can be
    followed (``cursor_expired``), not even the latest: a copy made from the old events holds
    organizations the restored registry may not have. The restore takes one number without an
    event, so that the number a partner starts again from is not one of the old cursors."""
    counter = _lock_counter()
    DirectoryEvent.objects.all().delete()
    counter.last += 1
    counter.pruned_through = counter.last
    counter.history_from = timezone.now()
    counter.save(update_fields=["last", "pruned_through", "history_from"])


def cursor_expired(after: int) -> bool:
    """Whether events after ``after`` may have been deleted (``prune``)."""
    pruned = DirectoryFeedCounter.objects.values_list("pruned_through", flat=True).first() or 0
    return after < pruned
