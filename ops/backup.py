"""Backups of the registry and of the federation's decisions, as one JSON document.

``export_registry()`` writes, in a fixed order so that the same data gives the same
bytes: the regions (with their parent's code), the country → region mapping, the
organizations (by slug), their memberships (with their dated suspensions and yearly
returns, from which good standing is computed, and its dues ledger: invoices with their credit
notes and waivers, payments and reversals with their allocations), the decisions: every application in
a final state (admitted, rejected, withdrawn) with its dates and each vote round's
rules, tally, outcome and voting mode, followed by the decisions restored earlier
(``registry.ArchivedDecision``), merged in one order; the dues schedule and the invoice counters;
and the Executive Committee's meetings (times, place, officers, agenda with the rounds voted on each
item, attendance, and the minutes with their record and SHA-256 as stored), followed by the meetings
restored earlier (``meetings.ArchivedMeeting``), merged in one order.

``import_registry()`` loads such a document into a database whose registry is empty
(or, with ``replace``, after deleting the registry), in one transaction, keeping every
timestamp; decisions become ``ArchivedDecision`` rows, meetings ``ArchivedMeeting`` rows (a
meeting refers to accounts, applications and motions that a backup does not hold: its people are
named as the minutes name them, its subjects by organization), whose minutes keep the record and
hash they had, approved or not. Every section is written with ``bulk_create`` in batches. Export →
import into a fresh database → export gives the same bytes. A document of format version 1 (before
memberships had a state and an end reason), 2 (before regions' translated names and a union's name
in Latin script) or 3 (before dues, meetings and voting modes) is read too, and upgraded
(``_upgrade_v1``, ``_upgrade_v2``, ``_upgrade_v3``). A document that is not valid raises
``BackupError`` with every problem found, and nothing is written.

What a backup does not hold: user accounts, applications still open, the applicants'
contact persons, documents, reviews and named ballots (a named round's votes are in its meeting's
minutes), motions on members, the outbox, the unions' representatives, invitations and change
requests (people's accounts), who filed a yearly return or recorded a ledger entry, the files of
agenda papers (their names and sizes are kept), the membership certificates issued (a database
that has some is not restored into), and the change history of organizations and memberships (the
import starts a new one). A database with meetings is not restored into either.
"""

import contextlib
import datetime
import decimal
import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, ProtectedError, Q

from accounts.people import display_name
from dues.models import Allocation, CreditNote, DuesRate, Invoice, InvoiceCounter, Payment, Waiver
from meetings.models import AgendaItem, ArchivedMeeting, Meeting, MeetingState, Minutes, record_hash
from registry import bulk, feed
from registry.models import (
    ArchivedDecision,
    Certificate,
    CountryRegion,
    Membership,
    MembershipState,
    MembershipSuspension,
    Organization,
    Region,
    YearlyReturn,
)
from workflows.models import FINAL_STATES, MembershipApplication, VoteMode, VoteOutcome, VoteRound

FORMAT = "federation-registry-backup"
VERSION = 4
# Older versions this one reads, upgrading them first.
READABLE_VERSIONS = (1, 2, 3, VERSION)
REGION_FIELDS = ("code", "name", "name_ar", "name_fr", "name_tr", "parent")

ORGANIZATION_FIELDS = (
    "slug",
    "name",
    "name_latin",
    "acronym",
    "country",
    "region",
    "city",
    "website",
    "email",
    "founded_year",
    "students_represented",
    "kind",
    "description",
    "social_links",
    "created_at",
    "updated_at",
)
MEMBERSHIP_FIELDS = (
    "organization",
    "category",
    "state",
    "admitted_on",
    "ended_on",
    "end_reason",
    "created_at",
    "updated_at",
    "suspensions",
    "returns",
    "invoices",
    "payments",
)
SUSPENSION_FIELDS = ("starts_on", "ends_on", "reason")
RETURN_FIELDS = ("year", "filed_at", "data")
DECISION_FIELDS = (
    "name",
    "acronym",
    "country",
    "region",
    "city",
    "kind",
    "organization",
    "state",
    "created_at",
    "submitted_at",
    "decided_at",
    "vote_rounds",
)
ROUND_FIELDS = (
    "number",
    "category",
    "opened_at",
    "deadline",
    "closed_at",
    "rules",
    "outcome",
    "is_void",
    "yes",
    "no",
    "abstain",
    "eligible",
    "mode",
    "recorded_at",
)
ROUND_OUTCOMES = ("", *VoteOutcome.values)
INVOICE_FIELDS = (
    "number",
    "year",
    "seq",
    "issued_on",
    "due_on",
    "amount_minor",
    "currency",
    "pro_rata",
    "category",
    "students_from",
    "created_at",
    "credit_note",
    "waivers",
)
CREDIT_NOTE_FIELDS = ("booked_on", "amount_minor", "reason", "created_at")
WAIVER_FIELDS = ("booked_on", "amount_minor", "reason", "by_motion", "created_at")
PAYMENT_FIELDS = (
    "paid_on",
    "booked_on",
    "amount",
    "currency",
    "rate",
    "amount_minor",
    "method",
    "reference",
    "note",
    "created_at",
    "reverses",
    "allocations",
)
ALLOCATION_FIELDS = ("invoice", "amount_minor", "booked_on")
DUES_RATE_FIELDS = ("year", "category", "students_from", "amount_minor", "currency")
MEETING_FIELDS = (
    "uid",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "state",
    "sequence",
    "chair",
    "minute_taker",
    "created_at",
    "updated_at",
    "agenda",
    "attendance",
    "minutes",
)
MINUTES_FIELDS = (
    "record",
    "sha256",
    "summaries",
    "generated_at",
    "generated_by",
    "circulated_at",
    "approved_at",
    "approved_by",
)
SECTIONS_V3 = ("regions", "countries", "organizations", "memberships", "decisions")
SECTIONS = (*SECTIONS_V3, "dues_rates", "invoice_counters", "meetings")


class BackupError(Exception):
    """The document cannot be imported; ``problems`` lists why (at most ``MAX_PROBLEMS``)."""

    MAX_PROBLEMS = 20

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or []
        super().__init__(message)

    def __str__(self) -> str:
        lines = [self.args[0]]
        shown = self.problems[: self.MAX_PROBLEMS]
        lines += [f"  - {problem}" for problem in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  … and {len(self.problems) - len(shown)} more.")
        return "\n".join(lines)


# --- values -------------------------------------------------------------------------------------


def _timestamp(value: datetime.datetime | None) -> str | None:
    """UTC, to the microsecond, always the same spelling: 2024-05-01T12:00:00.000000Z."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _country(value) -> str:
    return getattr(value, "code", None) or (value or "")


def _canonical(value: Any) -> Any:
    """JSON with every object's keys sorted: PostgreSQL's jsonb does not keep their order."""
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _round_json(vote_round: dict[str, Any]) -> dict[str, Any]:
    """A round as stored in ``ArchivedDecision.vote_rounds``, in the export's key order."""
    return {key: _canonical(vote_round[key]) for key in ROUND_FIELDS}


def render(data: dict[str, Any]) -> str:
    """The document as text: UTF-8 JSON, two-space indent, keys in their given order, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- export ---------------------------------------------------------------------------------------


def _round_data(vote_round: VoteRound) -> dict[str, Any]:
    return {
        "number": vote_round.number,
        "category": vote_round.category,
        "opened_at": _timestamp(vote_round.opened_at),
        "deadline": _timestamp(vote_round.deadline),
        "closed_at": _timestamp(vote_round.closed_at),
        "rules": _canonical(vote_round.vote_rules),
        "outcome": vote_round.outcome,
        "is_void": vote_round.is_void,
        "yes": vote_round.yes_count,
        "no": vote_round.no_count,
        "abstain": vote_round.abstain_count,
        "eligible": vote_round.eligible_count,
        "mode": vote_round.mode,
        "recorded_at": _timestamp(vote_round.totals_recorded_at),
    }


def _decision_sort_key(decision: dict[str, Any]) -> tuple:
    return (decision["decided_at"] or "", decision["created_at"] or "", decision["name"], decision["country"])


def export_data() -> dict[str, Any]:
    """The whole backup as a dict (see the module's docstring), read in one consistent snapshot."""
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:  # the transaction's first statement: one snapshot for every query below
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _export_data()


def _export_data() -> dict[str, Any]:
    """The document: its frame, then each section in the module docstring's order."""
    region_codes = dict(Region.objects.values_list("pk", "code"))
    regions = _export_regions(region_codes)
    countries = _export_countries(region_codes)
    organizations, org_slugs = _export_organizations(region_codes)
    return {
        "format": FORMAT,
        "version": VERSION,
        "regions": regions,
        "countries": countries,
        "organizations": organizations,
        "memberships": _export_memberships(org_slugs),
        "decisions": _export_decisions(region_codes, org_slugs),
        "dues_rates": _export_dues_rates(),
        "invoice_counters": [
            {"year": year, "last": last}
            for year, last in InvoiceCounter.objects.order_by("year").values_list()
        ],
        "meetings": _export_meetings(org_slugs),
    }


def _export_regions(region_codes: dict[int, str]) -> list[dict[str, Any]]:
    """Every region with its parent's code, by code."""
    return sorted(
        (
            {
                "code": code,
                "name": name,
                "name_ar": name_ar,
                "name_fr": name_fr,
                "name_tr": name_tr,
                "parent": region_codes.get(parent_id),
            }
            for code, name, name_ar, name_fr, name_tr, parent_id in Region.objects.values_list(
                "code", "name", "name_ar", "name_fr", "name_tr", "parent_id"
            )
        ),
        key=lambda r: r["code"],
    )


def _export_countries(region_codes: dict[int, str]) -> list[dict[str, Any]]:
    """The country → region mapping, by country code."""
    return sorted(
        (
            {"country": _country(country), "region": region_codes[region_id]}
            for country, region_id in CountryRegion.objects.values_list("country", "region_id")
        ),
        key=lambda c: c["country"],
    )


def _export_organizations(region_codes: dict[int, str]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Every organization, by slug; and each one's slug by primary key, for the sections that refer to it."""
    org_slugs: dict[int, str] = {}
    organizations = []
    for org in Organization.objects.order_by("pk"):
        org_slugs[org.pk] = org.slug
        organizations.append(
            {
                "slug": org.slug,
                "name": org.name,
                "name_latin": org.name_latin,
                "acronym": org.acronym,
                "country": _country(org.country),
                "region": region_codes[org.region_id],
                "city": org.city,
                "website": org.website,
                "email": org.email,
                "founded_year": org.founded_year,
                "students_represented": org.students_represented,
                "kind": org.kind,
                "description": org.description,
                "social_links": list(org.social_links),
                "created_at": _timestamp(org.created_at),
                "updated_at": _timestamp(org.updated_at),
            }
        )
    organizations.sort(key=lambda o: o["slug"])
    return organizations, org_slugs


def _export_memberships(org_slugs: dict[int, str]) -> list[dict[str, Any]]:
    """Every membership, by organization, admission date and creation time, with its dated
    suspensions (by start) and yearly returns (by year)."""
    memberships = [
        {
            "organization": org_slugs[m.organization_id],
            "category": m.category,
            "state": m.state,
            "admitted_on": _date(m.admitted_on),
            "ended_on": _date(m.ended_on),
            "end_reason": m.end_reason,
            "created_at": _timestamp(m.created_at),
            "updated_at": _timestamp(m.updated_at),
            "suspensions": [
                {"starts_on": _date(s.starts_on), "ends_on": _date(s.ends_on), "reason": s.reason}
                for s in m.suspensions.all()
            ],
            "returns": [
                {"year": r.year, "filed_at": _timestamp(r.filed_at), "data": _canonical(r.data)}
                for r in sorted(m.yearly_returns.all(), key=lambda r: r.year)
            ],
            "invoices": [_invoice_data(i) for i in sorted(m.invoices.all(), key=lambda i: (i.year, i.seq))],
            "payments": _payments_data(sorted(m.payments.all(), key=lambda p: p.pk)),
        }
        for m in Membership.objects.order_by("pk").prefetch_related(
            "suspensions",
            "yearly_returns",
            "invoices__credit_note",
            "invoices__waivers",
            models.Prefetch("payments__allocations", Allocation.objects.select_related("invoice")),
        )
    ]
    # Stable sort: equal keys keep the database's order, which an import preserves.
    memberships.sort(key=lambda m: (m["organization"], m["admitted_on"], m["created_at"]))
    return memberships


def _invoice_data(invoice: Invoice) -> dict[str, Any]:
    """An invoice with its credit note (or null) and its waivers (in the order they were granted)."""
    credit = getattr(invoice, "credit_note", None)
    return {
        "number": invoice.number,
        "year": invoice.year,
        "seq": invoice.seq,
        "issued_on": _date(invoice.issued_on),
        "due_on": _date(invoice.due_on),
        "amount_minor": invoice.amount_minor,
        "currency": invoice.currency,
        "pro_rata": invoice.pro_rata,
        "category": invoice.category,
        "students_from": invoice.students_from,
        "created_at": _timestamp(invoice.created_at),
        "credit_note": None
        if credit is None
        else {
            "booked_on": _date(credit.booked_on),
            "amount_minor": credit.amount_minor,
            "reason": credit.reason,
            "created_at": _timestamp(credit.created_at),
        },
        "waivers": [
            {
                "booked_on": _date(w.booked_on),
                "amount_minor": w.amount_minor,
                "reason": w.reason,
                "by_motion": w.by_motion,
                "created_at": _timestamp(w.created_at),
            }
            for w in sorted(invoice.waivers.all(), key=lambda w: w.pk)
        ],
    }


def _decimal(value, field_name: str) -> str | None:
    """A money value as text with its field's decimal places (the same from SQLite and PostgreSQL)."""
    if value is None:
        return None
    return format(value, f".{Payment._meta.get_field(field_name).decimal_places}f")


def _payments_data(payments: list[Payment]) -> list[dict[str, Any]]:
    """A membership's payments and reversals in the order they were recorded (which the ledger's
    oldest-first allocation follows, and an import keeps); a reversal names its payment's position."""
    position = {payment.pk: index for index, payment in enumerate(payments)}
    return [
        {
            "paid_on": _date(p.paid_on),
            "booked_on": _date(p.booked_on),
            "amount": _decimal(p.amount, "amount"),
            "currency": p.currency,
            "rate": _decimal(p.rate, "rate"),
            "amount_minor": p.amount_minor,
            "method": p.method,
            "reference": p.reference,
            "note": p.note,
            "created_at": _timestamp(p.created_at),
            "reverses": position.get(p.reverses_id),
            "allocations": sorted(
                (
                    {
                        "invoice": a.invoice.number,
                        "amount_minor": a.amount_minor,
                        "booked_on": _date(a.booked_on),
                    }
                    for a in p.allocations.all()
                ),
                key=lambda a: (a["invoice"], a["booked_on"], a["amount_minor"]),
            ),
        }
        for p in payments
    ]


def _export_dues_rates() -> list[dict[str, Any]]:
    """The dues schedule, by year, category and band."""
    return [
        dict(zip(DUES_RATE_FIELDS, row, strict=True))
        for row in DuesRate.objects.order_by("year", "category", "students_from").values_list(
            *DUES_RATE_FIELDS
        )
    ]


def _export_decisions(region_codes: dict[int, str], org_slugs: dict[int, str]) -> list[dict[str, Any]]:
    """The final applications and the decisions restored earlier, merged in one order."""
    decisions = []
    applications = (
        MembershipApplication.objects.filter(state__in=FINAL_STATES)
        .prefetch_related("vote_rounds")
        .order_by("pk")
    )
    for application in applications:
        vote_rounds = [_round_data(r) for r in sorted(application.vote_rounds.all(), key=lambda r: r.number)]
        decisions.append(_decision_data(application, vote_rounds, region_codes, org_slugs))
    for archived in ArchivedDecision.objects.order_by("pk"):
        # A round restored from a version 3 backup or earlier was voted online.
        vote_rounds = [
            _round_json({"mode": VoteMode.ONLINE.value, "recorded_at": None, **r})
            for r in archived.vote_rounds
        ]
        decisions.append(_decision_data(archived, vote_rounds, region_codes, org_slugs))
    decisions.sort(key=_decision_sort_key)
    return decisions


def _decision_data(
    decision: MembershipApplication | ArchivedDecision,
    vote_rounds: list[dict[str, Any]],
    region_codes: dict[int, str],
    org_slugs: dict[int, str],
) -> dict[str, Any]:
    """One decision's entry: an application and an archived decision have the same fields."""
    return {
        "name": decision.name,
        "acronym": decision.acronym,
        "country": _country(decision.country),
        "region": region_codes.get(decision.region_id),
        "city": decision.city,
        "kind": decision.kind,
        "organization": org_slugs.get(decision.organization_id),
        "state": decision.state,
        "created_at": _timestamp(decision.created_at),
        "submitted_at": _timestamp(decision.submitted_at),
        "decided_at": _timestamp(decision.decided_at),
        "vote_rounds": vote_rounds,
    }


def _export_meetings(org_slugs: dict[int, str]) -> list[dict[str, Any]]:
    """Every meeting of the committee and every meeting restored earlier, by start and calendar UID."""
    meetings = [
        _meeting_data(meeting, org_slugs)
        for meeting in Meeting.objects.order_by("pk")
        .select_related("chair", "minute_taker", "minutes__generated_by", "minutes__approved_by")
        .prefetch_related(
            models.Prefetch(
                "agenda_items",
                AgendaItem.objects.select_related(
                    "application", "motion__membership", "minutes__meeting"
                ).prefetch_related("vote_rounds", "papers"),
            ),
            "attendance__member",
        )
    ]
    meetings += [
        {key: _canonical(archived.data[key]) for key in MEETING_FIELDS}
        for archived in ArchivedMeeting.objects.order_by("pk")
    ]
    meetings.sort(key=lambda m: (m["starts_at"], m["uid"]))
    return meetings


def _meeting_data(meeting: Meeting, org_slugs: dict[int, str]) -> dict[str, Any]:
    """One meeting: people by the name the minutes give them, subjects by organization."""
    minutes = getattr(meeting, "minutes", None)
    items = sorted(meeting.agenda_items.all(), key=lambda item: item.position)
    return {
        "uid": str(meeting.uid),
        "title": meeting.title,
        "starts_at": _timestamp(meeting.starts_at),
        "ends_at": _timestamp(meeting.ends_at),
        "place": meeting.place,
        "online_link": meeting.online_link,
        "state": meeting.state,
        "sequence": meeting.sequence,
        "chair": display_name(meeting.chair),
        "minute_taker": display_name(meeting.minute_taker),
        "created_at": _timestamp(meeting.created_at),
        "updated_at": _timestamp(meeting.updated_at),
        "agenda": _canonical([_agenda_item_data(item, org_slugs) for item in items]),
        "attendance": _canonical(
            sorted(
                (
                    {
                        "name": display_name(row.member),
                        "status": row.status,
                        "recorded_at": _timestamp(row.recorded_at),
                    }
                    for row in meeting.attendance.all()
                ),
                key=lambda row: (row["name"], row["status"], row["recorded_at"]),
            )
        ),
        "minutes": None if minutes is None else _canonical(_minutes_data(minutes, items)),
    }


def _agenda_item_data(item: AgendaItem, org_slugs: dict[int, str]) -> dict[str, Any]:
    if item.application_id is not None:
        application = item.application
        subject = {
            "name": application.name,
            "acronym": application.acronym,
            "country": _country(application.country),
            "state": application.state,
        }
    elif item.motion_id is not None:
        motion = item.motion
        subject = {
            "motion_kind": motion.kind,
            "organization": org_slugs[motion.membership.organization_id],
            "state": motion.state,
            "reason": motion.reason,
        }
    elif item.minutes_id is not None:
        subject = {"minutes_of": str(item.minutes.meeting.uid)}
    else:
        subject = {}
    return {
        "position": item.position,
        "kind": item.kind,
        "title": item.title,
        "text": item.text,
        "subject": subject,
        "added_at": _timestamp(item.added_at),
        "rounds": [_round_data(r) for r in sorted(item.vote_rounds.all(), key=lambda r: r.number)],
        "papers": [
            {
                "name": paper.name,
                "size": paper.size,
                "content_type": paper.content_type,
                "uploaded_at": _timestamp(paper.uploaded_at),
            }
            for paper in sorted(item.papers.all(), key=lambda paper: (paper.uploaded_at, paper.pk))
        ],
    }


def _minutes_data(minutes: Minutes, items: list[AgendaItem]) -> dict[str, Any]:
    """The minutes as stored (record and hash unchanged); the summaries by agenda position."""
    positions = {str(item.pk): str(item.position) for item in items}
    return {
        "record": minutes.record,
        "sha256": minutes.sha256,
        "summaries": {positions.get(key, key): text for key, text in minutes.summaries.items()},
        "generated_at": _timestamp(minutes.generated_at),
        "generated_by": display_name(minutes.generated_by),
        "circulated_at": _timestamp(minutes.circulated_at),
        "approved_at": _timestamp(minutes.approved_at),
        "approved_by": display_name(minutes.approved_by) if minutes.approved_by_id else None,
    }


def export_registry() -> str:
    return render(export_data())


# --- import: reading and checking the document ------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def from_validation(self, where: str, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                for error in errors:
                    self.add(where, error if field == "__all__" else f"{field}: {error}")
        else:
            for error in exc.messages:
                self.add(where, error)


# --- import: checking rows without a query each -------------------------------------------------------
#
# ``Model.full_clean()`` checks each CheckConstraint with one SELECT per constraint and row (Django's
# ``Q.check``): at 100k organizations that was most of a restore's time. The same conditions are
# evaluated here in memory, with SQL's three-valued logic (a comparison with NULL is unknown, and a
# CHECK passes on unknown, as ``Q.check`` counts it); the database's constraints still decide on insert,
# inside the transaction. A condition this does not understand is checked by the database, row by row.

_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


class _Unsupported(Exception):
    """A condition that ``_compiled`` cannot evaluate in memory."""


def _value_of(obj: models.Model, name: str) -> Any:
    if name == "pk":
        return obj.pk
    value = getattr(obj, obj._meta.get_field(name).attname)
    return getattr(value, "code", value)  # a CountryField's Country: its code, as stored


def _three_valued(results: list[bool | None], connector: str, negated: bool) -> bool | None:
    if connector == Q.AND:
        result = False if False in results else None if None in results else True
    else:
        result = True if True in results else None if None in results else False
    return (None if result is None else not result) if negated else result


def _compiled(condition: Any) -> Callable[[models.Model], bool | None]:
    """``condition`` (a ``Q`` or one of its children) as a function of a row: True, False or None
    (unknown). Raise ``_Unsupported`` for a condition it cannot evaluate in memory."""
    if isinstance(condition, Q):
        children = [_compiled(child) for child in condition.children]
        connector, negated = condition.connector, condition.negated
        return lambda obj: _three_valued([child(obj) for child in children], connector, negated)
    if not isinstance(condition, tuple):
        raise _Unsupported(condition)
    path, expected = condition
    name, _, lookup = path.partition("__")
    lookup = lookup or "exact"
    if hasattr(expected, "resolve_expression") and not isinstance(expected, F):
        raise _Unsupported(condition)
    if lookup == "isnull":
        return lambda obj: (_value_of(obj, name) is None) == bool(expected)
    if lookup == "in":
        return lambda obj: None if (value := _value_of(obj, name)) is None else value in expected
    if lookup not in _COMPARE:
        raise _Unsupported(condition)
    compare = _COMPARE[lookup]
    other = (lambda obj: _value_of(obj, expected.name)) if isinstance(expected, F) else (lambda obj: expected)

    def holds(obj: models.Model) -> bool | None:
        value, against = _value_of(obj, name), other(obj)
        return None if value is None or against is None else compare(value, against)

    return holds


def _referenced(condition: Any) -> set[str]:
    """The field names a condition reads (its lookups' and its ``F()``s')."""
    if isinstance(condition, Q):
        return set().union(*(_referenced(child) for child in condition.children))
    path, expected = condition
    names = {path.split("__", 1)[0]}
    if isinstance(expected, F):
        names.add(expected.name)
    return names


# ``Field.validate`` walks a field's choices on every call, and a ``CountryField`` builds its list of
# 249 countries each time: at 100k organizations that was two thirds of a restore. Each text field's
# choices are read once, as a set, for the length of a restore (``_clean_field``).
_choice_sets: dict[models.Field, frozenset] = {}
_checks: dict[int, tuple[set[str], Callable | None]] = {}


def _choice_set(field: models.Field) -> frozenset:
    values = _choice_sets.get(field)
    if values is None:
        values = _choice_sets[field] = frozenset(str(key) for key, _label in field.flatchoices)
    return values


# Most values of a restore are plain text, whole numbers and dates that their field gives back
# unchanged: such a value that passes ``_as_is_test(field)`` is taken without ``field.clean``, which
# a value that does not pass still goes through, for its error. A test holds only where
# ``field.clean`` would return the value itself without an error: the field's own kind (not a
# subclass with checks of its own), no validators but lengths and bounds, and for text one of its
# choices if it has any.
_INTEGER_FIELDS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)
_as_is_tests: dict[models.Field, Callable[[Any], bool] | None] = {}


def _bounds(field: models.Field) -> tuple[int | None, int | None, int | None] | None:
    """The field's most characters, least and most value, from its validators; None when it has
    a validator of another kind or a bound that is computed."""
    longest = least = most = None
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if callable(limit):
            return None
        if type(validator) is validators.MaxLengthValidator:
            longest = limit if longest is None else min(longest, limit)
        elif type(validator) is validators.MinValueValidator:
            least = limit if least is None else max(least, limit)
        elif type(validator) is validators.MaxValueValidator:
            most = limit if most is None else min(most, limit)
        else:
            return None
    return longest, least, most


def _as_is_test(field: models.Field) -> Callable[[Any], bool] | None:
    kind, bounds = type(field), _bounds(field)
    if bounds is None:
        return None
    longest, least, most = bounds
    if kind in (models.CharField, models.TextField):
        longest = float("inf") if longest is None else longest
        allowed = _choice_set(field) if field.choices is not None else None
        return lambda value: (
            type(value) is str
            and len(value) <= longest
            and (field.blank or value != "")
            and (allowed is None or value in allowed)
        )
    if field.choices is not None:
        return None
    if kind in _INTEGER_FIELDS:
        least = float("-inf") if least is None else least
        most = float("inf") if most is None else most
        return lambda value: type(value) is int and least <= value <= most
    simple = {
        models.DateField: datetime.date,
        models.DateTimeField: datetime.datetime,
        models.BooleanField: bool,
    }
    if kind in simple:
        return lambda value, plain=simple[kind]: type(value) is plain
    return None


def _clean_field(field: models.Field, value: Any, obj: models.Model) -> Any:
    """``field.clean(value, obj)``, with the same errors; a value its field gives back unchanged taken
    as it is (``_as_is_test``); a text field's choices looked up in a set."""
    if field in _as_is_tests:
        as_is = _as_is_tests[field]
    else:
        as_is = _as_is_tests[field] = _as_is_test(field)
    if as_is is not None and as_is(value):
        return value
    if field.choices is None or not isinstance(field, models.CharField) or getattr(field, "multiple", False):
        return field.clean(value, obj)
    value = field.to_python(value)
    if field.editable and value not in field.empty_values and value not in _choice_set(field):
        raise ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
    if value is None and not field.null:
        raise ValidationError(field.error_messages["null"], code="null")
    if not field.blank and value in field.empty_values:
        raise ValidationError(field.error_messages["blank"], code="blank")
    field.run_validators(value)
    return value


def _clean_fields(obj: models.Model, exclude: set[str]) -> dict[str, list]:
    """``obj.clean_fields(exclude)`` (Django's loop), each field cleaned by ``_clean_field``: the errors."""
    errors = {}
    for f in obj._meta.fields:
        if f.name in exclude or f.generated:
            continue
        raw_value = getattr(obj, f.attname)
        if f.blank and raw_value in f.empty_values:
            continue
        try:
            setattr(obj, f.attname, _clean_field(f, raw_value, obj))
        except ValidationError as e:
            errors[f.name] = e.error_list
    return errors


def _check_of(constraint: models.CheckConstraint) -> tuple[set[str], Callable | None]:
    """The fields ``constraint`` reads, and its condition compiled (``_compiled``), or None when it
    must be checked by the database: worked out once per constraint for the length of a restore."""
    check = _checks.get(id(constraint))
    if check is None:
        try:
            holds = _compiled(constraint.condition)
        except _Unsupported:
            holds = None
        check = _checks[id(constraint)] = (_referenced(constraint.condition), holds)
    return check


def _clean(obj: models.Model, *, exclude: list[str], constraints: bool = True) -> None:
    """``obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=constraints)``
    with the same errors in the same order, its choices looked up in sets and its check constraints
    evaluated in memory (see above). Raise ``ValidationError``."""
    errors: dict[str, list] = _clean_fields(obj, set(exclude))
    try:
        obj.clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    skipped = set(exclude) | (set(errors) - {NON_FIELD_ERRORS})
    for constraint in obj._meta.constraints if constraints else ():
        if not isinstance(constraint, models.CheckConstraint):
            continue  # unique constraints: each is checked across the document, or on a field excluded
        referenced, holds = _check_of(constraint)
        if referenced & skipped:
            continue  # as full_clean: a constraint on a field excluded or already in error is not checked
        if holds is None:
            try:
                constraint.validate(type(obj), obj, exclude=skipped)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        elif holds(obj) is False:
            error = ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            )
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _parse_timestamp(value: Any, *, required: bool = True) -> datetime.datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValueError("a timestamp (text such as 2024-05-01T12:00:00.000000Z) is required")
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"the timestamp {value!r} has no time zone")
    return parsed.astimezone(datetime.UTC)


def _parse_date(value: Any, *, required: bool = True) -> datetime.date | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValueError("a date (text such as 2024-05-01) is required")
    return datetime.date.fromisoformat(value)


def parse(text: str | bytes) -> dict[str, Any]:
    """Decode a document and check its frame (format, version, sections); raise ``BackupError``."""
    try:
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise BackupError(f"The file is not UTF-8 text: {exc.reason}.") from None
    except json.JSONDecodeError as exc:
        raise BackupError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f'The file is not a Federation Registry backup (its "format" is not "{FORMAT}").')
    version = data.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise BackupError(
            f"The backup's format version is {version!r}; this version of the registry reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}."
        )
    sections = SECTIONS if version == VERSION else SECTIONS_V3
    problems = [
        f'"{section}" must be a list.' for section in sections if not isinstance(data.get(section), list)
    ]
    if problems:
        raise BackupError("The backup is incomplete.", problems)
    if version == 1:
        data = _upgrade_v1(data)
    if version in (1, 2):
        data = _upgrade_v2(data)
    return _upgrade_v3(data) if version in (1, 2, 3) else data


def _upgrade_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 → 4: a backup holds the dues ledger (the schedule, the invoice counters, and each
    membership's invoices and payments) and the committee's meetings, and a vote round says how its
    votes were recorded (``mode``) and when a count in the room was entered (``recorded_at``). A
    version 3 file has none of them: no dues, no meetings, every round voted online."""
    for section in ("dues_rates", "invoice_counters", "meetings"):
        data.setdefault(section, [])
    for item in data["memberships"]:
        if isinstance(item, dict):
            item.setdefault("invoices", [])
            item.setdefault("payments", [])
    for item in data["decisions"]:
        rounds = item.get("vote_rounds") if isinstance(item, dict) else None
        for vote_round in rounds if isinstance(rounds, list) else []:
            if isinstance(vote_round, dict):
                vote_round.setdefault("mode", VoteMode.ONLINE.value)
                vote_round.setdefault("recorded_at", None)
    return data


def _upgrade_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 → 3: a region has its name in Arabic, French and Turkish, an organization its name in
    Latin script; a version 2 file has none of them (empty). Records that are not objects are left for
    the checks to report."""
    for item in data["regions"]:
        if isinstance(item, dict):
            for field in ("name_ar", "name_fr", "name_tr"):
                item.setdefault(field, "")
    for item in data["organizations"]:
        if isinstance(item, dict):
            item.setdefault("name_latin", "")
    return data


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: a membership's "standing" (active, suspended, withdrawn) becomes its "state"
    (active, suspended, ended) with an "end_reason"; a withdrawn one without an end date ended when
    it was last changed (as migration registry 0004 does). Version 1 had no dated suspensions nor
    yearly returns; an organization had no description nor social links. Records that are not
    objects are left for the checks to report."""
    for item in data["organizations"]:
        if isinstance(item, dict):
            item.setdefault("description", "")
            item.setdefault("social_links", [])
    for item in data["memberships"]:
        if not isinstance(item, dict) or "standing" not in item:
            continue
        standing = item.pop("standing")
        item.setdefault("end_reason", "")
        item.setdefault("suspensions", [])
        item.setdefault("returns", [])
        if standing == "withdrawn":
            item["state"], item["end_reason"] = MembershipState.ENDED.value, "withdrawn"
            if item.get("ended_on") is None and isinstance(item.get("updated_at"), str):
                item["ended_on"] = max(item.get("admitted_on") or "", item["updated_at"][:10])
        else:
            item["state"] = standing
    return data


@dataclass
class _Plan:
    """The rows to create, built and checked before anything is written."""

    regions: list[Region]
    region_parents: list[tuple[Region, str]]
    countries: list[tuple[CountryRegion, Region]]
    organizations: list[Organization]
    organization_times: list[tuple[datetime.datetime, datetime.datetime]]
    memberships: list[tuple[Membership, str]]
    membership_times: list[tuple[datetime.datetime, datetime.datetime]]
    decisions: list[tuple[ArchivedDecision, str | None, str | None]]
    dues_rates: list[DuesRate]
    invoice_counters: list[InvoiceCounter]
    meetings: list[ArchivedMeeting]


def _record(problems: _Problems, section: str, index: int, item: Any, fields: tuple[str, ...]) -> bool:
    where = f"{section}[{index}]"
    if not isinstance(item, dict):
        problems.add(where, "must be an object")
        return False
    missing = [field for field in fields if field not in item]
    unknown = sorted(set(item) - set(fields))
    if missing:
        problems.add(where, f"missing {', '.join(missing)}")
    if unknown:
        problems.add(where, f"unknown {', '.join(unknown)}")
    return not missing and not unknown


def _text(item: dict[str, Any], key: str) -> str:
    value = item[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


def _optional_int(item: dict[str, Any], key: str) -> int | None:
    value = item[key]
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError(f"{key} must be a whole number or null")
    return value


def _import_plan(data: dict[str, Any]) -> _Plan:
    """Build and check the rows of every section, in the document's order; raise ``BackupError``
    listing every problem found, before anything is written."""
    problems = _Problems()
    regions, parents = _plan_regions(problems, data["regions"])
    countries = _plan_countries(problems, data["countries"], regions)
    organizations, organization_times = _plan_organizations(problems, data["organizations"], regions)
    memberships, membership_times = _plan_memberships(problems, data["memberships"], organizations)
    decisions = _plan_decisions(problems, data["decisions"], regions, organizations)
    dues_rates = _plan_rows(problems, "dues_rates", data["dues_rates"], DUES_RATE_FIELDS, _dues_rate)
    counters = _plan_rows(problems, "invoice_counters", data["invoice_counters"], ("year", "last"), _counter)
    meetings = _plan_meetings(problems, data["meetings"])
    if problems.items:
        raise BackupError("The backup cannot be imported; nothing was changed.", problems.items)
    return _Plan(
        regions=list(regions.values()),
        region_parents=[(regions[code], parent) for code, parent in parents.items()],
        countries=countries,
        organizations=list(organizations.values()),
        organization_times=organization_times,
        memberships=memberships,
        membership_times=membership_times,
        decisions=decisions,
        dues_rates=dues_rates,
        invoice_counters=counters,
        meetings=meetings,
    )


def _region_of(
    problems: _Problems, regions: dict[str, Region], where: str, code: Any, *, required: bool = True
) -> Region | None:
    """The region a record refers to by code, or ``None`` (a problem when the code is unknown)."""
    if code is None and not required:
        return None
    if not isinstance(code, str) or code not in regions:
        problems.add(where, f"unknown region code {code!r}")
        return None
    return regions[code]


def _plan_regions(problems: _Problems, items: list[Any]) -> tuple[dict[str, Region], dict[str, str]]:
    """The regions by code, and each one's parent code: codes unique, parents known, no cycle."""
    regions: dict[str, Region] = {}
    parents: dict[str, str] = {}
    for index, item in enumerate(items):
        if not _record(problems, "regions", index, item, REGION_FIELDS):
            continue
        where = f"regions[{index}]"
        try:
            code, name = _text(item, "code"), _text(item, "name")
            translations = {field: _text(item, field) for field in ("name_ar", "name_fr", "name_tr")}
            parent = item["parent"]
            if parent is not None and not isinstance(parent, str):
                raise ValueError("parent must be a region code or null")
        except ValueError as exc:
            problems.add(where, str(exc))
            continue
        if code in regions:
            problems.add(where, f"the region code {code!r} appears twice")
            continue
        region = Region(code=code, name=name, **translations)
        try:
            region.full_clean(exclude=["parent"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems.from_validation(where, exc)
        regions[code] = region
        if parent is not None:
            parents[code] = parent
    _check_region_tree(problems, regions, parents)
    names = Counter(r.name for r in regions.values())
    problems.items += [f"regions: the name {n!r} appears {c} times" for n, c in names.items() if c > 1]
    return regions, parents


def _check_region_tree(problems: _Problems, regions: dict[str, Region], parents: dict[str, str]) -> None:
    """Every parent code names a region of the document, and no region is its own ancestor."""
    for code, parent in parents.items():
        if parent not in regions:
            problems.add(f"region {code!r}", f"unknown parent region code {parent!r}")
    for start in parents:
        node, steps = parents.get(start), 0
        while node is not None and node != start and steps <= len(parents):
            node, steps = parents.get(node), steps + 1
        if node == start:
            problems.add(f"region {start!r}", "its parent regions form a cycle")


def _plan_countries(
    problems: _Problems, items: list[Any], regions: dict[str, Region]
) -> list[tuple[CountryRegion, Region]]:
    """The country → region rows, each country once, with its region."""
    countries: list[tuple[CountryRegion, Region]] = []
    seen_countries: set[str] = set()
    for index, item in enumerate(items):
        if not _record(problems, "countries", index, item, ("country", "region")):
            continue
        where = f"countries[{index}]"
        region = _region_of(problems, regions, where, item["region"])
        country = item["country"]
        if not isinstance(country, str):
            problems.add(where, "country must be a country code")
            continue
        if country in seen_countries:
            problems.add(where, f"the country {country!r} appears twice")
            continue
        seen_countries.add(country)
        row = CountryRegion(country=country)
        try:
            _clean(row, exclude=["region"], constraints=False)
        except ValidationError as exc:
            problems.from_validation(where, exc)
        if region is not None:
            countries.append((row, region))
    return countries


def _plan_organizations(
    problems: _Problems, items: list[Any], regions: dict[str, Region]
) -> tuple[dict[str, Organization], list[tuple[datetime.datetime, datetime.datetime]]]:
    """The organizations by slug (each slug once), and their (created, updated) times in the same order."""
    organizations: dict[str, Organization] = {}
    organization_times = []
    for index, item in enumerate(items):
        if not _record(problems, "organizations", index, item, ORGANIZATION_FIELDS):
            continue
        where = f"organizations[{index}]"
        slug = item["slug"]
        if not isinstance(slug, str):
            problems.add(where, "slug must be text")
            continue
        if slug in organizations:
            problems.add(where, f"the slug {slug!r} appears twice")
            continue
        region = _region_of(problems, regions, where, item["region"])
        try:
            org = _organization(item)
            times = (_parse_timestamp(item["created_at"]), _parse_timestamp(item["updated_at"]))
        except ValueError as exc:
            problems.add(where, str(exc))
            continue
        try:
            _clean(org, exclude=["region"])
        except ValidationError as exc:
            problems.from_validation(where, exc)
        if region is not None:
            org.region = region
        organizations[slug] = org
        organization_times.append(times)
    return organizations, organization_times


def _organization(item: dict[str, Any]) -> Organization:
    """An organization from its record, without its region; ``ValueError`` when a value has the wrong type."""
    return Organization(
        slug=_text(item, "slug"),
        name=_text(item, "name"),
        name_latin=_text(item, "name_latin"),
        acronym=_text(item, "acronym"),
        country=_text(item, "country"),
        city=_text(item, "city"),
        website=_text(item, "website"),
        email=_text(item, "email"),
        founded_year=_optional_int(item, "founded_year"),
        students_represented=_optional_int(item, "students_represented"),
        kind=_text(item, "kind"),
        description=_text(item, "description"),
        social_links=_links(item, "social_links"),
    )


def _links(item: dict[str, Any], key: str) -> list[str]:
    value = item[key]
    if not isinstance(value, list) or not all(isinstance(link, str) for link in value):
        raise ValueError(f"{key} must be a list of text")
    return value


def _plan_memberships(
    problems: _Problems, items: list[Any], organizations: dict[str, Organization]
) -> tuple[list[tuple[Membership, str]], list[tuple[datetime.datetime, datetime.datetime]]]:
    """The memberships with their organization's slug (at most one active per organization),
    and their (created, updated) times in the same order."""
    memberships = []
    membership_times = []
    active: Counter[str] = Counter()
    invoice_numbers: set[str] = set()
    for index, item in enumerate(items):
        if not _record(problems, "memberships", index, item, MEMBERSHIP_FIELDS):
            continue
        where = f"memberships[{index}]"
        slug = item["organization"]
        if not isinstance(slug, str) or slug not in organizations:
            problems.add(where, f"unknown organization slug {slug!r}")
            continue
        try:
            membership = Membership(
                category=_text(item, "category"),
                state=_text(item, "state"),
                admitted_on=_parse_date(item["admitted_on"]),
                ended_on=_parse_date(item["ended_on"], required=False),
                end_reason=_text(item, "end_reason"),
            )
            times = (_parse_timestamp(item["created_at"]), _parse_timestamp(item["updated_at"]))
        except ValueError as exc:
            problems.add(where, str(exc))
            continue
        try:
            _clean(membership, exclude=["organization"])
        except ValidationError as exc:
            problems.from_validation(where, exc)
        membership._backup_suspensions = _plan_dated_rows(
            problems, where, item["suspensions"], "suspensions", SUSPENSION_FIELDS, _suspension
        )
        membership._backup_returns = _plan_dated_rows(
            problems, where, item["returns"], "returns", RETURN_FIELDS, _yearly_return
        )
        membership._backup_invoices = _plan_dated_rows(
            problems, where, item["invoices"], "invoices", INVOICE_FIELDS, _invoice
        )
        membership._backup_payments = _plan_dated_rows(
            problems, where, item["payments"], "payments", PAYMENT_FIELDS, _payment
        )
        _check_reversals(problems, where, membership._backup_payments)
        for invoice in membership._backup_invoices:
            if invoice.number in invoice_numbers:
                problems.add(where, f"the invoice number {invoice.number!r} appears twice")
            invoice_numbers.add(invoice.number)
        if membership.state == "active":
            active[slug] += 1
            if active[slug] == 2:
                problems.add(where, f"the organization {slug!r} has more than one active membership")
        memberships.append((membership, slug))
        membership_times.append(times)
    for membership, _slug in memberships:
        for payment in membership._backup_payments:
            for allocation in payment._backup_allocations:
                if allocation._backup_invoice not in invoice_numbers:
                    problems.add(
                        f"memberships (organization {_slug!r})",
                        f"a payment is allocated to an unknown invoice {allocation._backup_invoice!r}",
                    )
    return memberships, membership_times


def _plan_dated_rows(problems: _Problems, where: str, items: Any, section: str, fields, build) -> list:
    """A membership's suspensions or returns, each built by ``build(item)`` and checked."""
    if not isinstance(items, list):
        problems.add(where, f"{section} must be a list")
        return []
    rows = []
    for index, item in enumerate(items):
        if not _record(problems, f"{where}.{section}", index, item, fields):
            continue
        try:
            row = build(item)
            _clean(row, exclude=["membership", "filed_by", "created_by", "reverses"])
        except ValueError as exc:
            problems.add(f"{where}.{section}[{index}]", str(exc))
            continue
        except ValidationError as exc:
            problems.from_validation(f"{where}.{section}[{index}]", exc)
            continue
        rows.append(row)
    if section == "returns" and len({row.year for row in rows}) < len(rows):
        problems.add(where, "more than one return for the same year")
    return rows


def _suspension(item: dict[str, Any]) -> MembershipSuspension:
    return MembershipSuspension(
        starts_on=_parse_date(item["starts_on"]),
        ends_on=_parse_date(item["ends_on"], required=False),
        reason=_text(item, "reason"),
    )


def _yearly_return(item: dict[str, Any]) -> YearlyReturn:
    year, data = item["year"], item["data"]
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2999:
        raise ValueError("year must be a whole number from 1900 to 2999")
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    return YearlyReturn(year=year, filed_at=_parse_timestamp(item["filed_at"]), data=data)


def _whole(item: dict[str, Any], key: str, *, null: bool = False) -> int | None:
    value = item[key]
    if value is None and null:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} must be a whole number")
    return value


def _decimal_of(item: dict[str, Any], key: str, *, null: bool = False) -> decimal.Decimal | None:
    value = item[key]
    if value is None and null:
        return None
    try:
        if not isinstance(value, str):
            raise decimal.InvalidOperation
        return decimal.Decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f'{key} must be a decimal number as text, such as "120.000"') from None


def _entry_time(row: models.Model, item: dict[str, Any]) -> models.Model:
    """``row`` with the creation time its record gives (kept on insert, see ``_times_as_given``)."""
    row.created_at = _parse_timestamp(item["created_at"])
    return row


def _sub_rows(item: dict[str, Any], key: str, fields: tuple[str, ...], build) -> list:
    """The records under ``item[key]`` (a list of objects with exactly ``fields``), each built and checked."""
    rows = []
    values = item[key]
    if not isinstance(values, list):
        raise ValueError(f"{key} must be a list")
    for index, value in enumerate(values):
        if not isinstance(value, dict) or set(value) != set(fields):
            raise ValueError(f"{key}[{index}] must have exactly: {', '.join(fields)}")
        row = build(value)
        try:
            _clean(row, exclude=["invoice", "payment", "created_by"])
        except ValidationError as exc:
            raise ValueError(f"{key}[{index}]: {'; '.join(exc.messages)}") from None
        rows.append(row)
    return rows


def _invoice(item: dict[str, Any]) -> Invoice:
    """An invoice with its credit note and waivers (kept on the row until they are written)."""
    invoice = _entry_time(
        Invoice(
            number=_text(item, "number"),
            year=_whole(item, "year"),
            seq=_whole(item, "seq"),
            issued_on=_parse_date(item["issued_on"]),
            due_on=_parse_date(item["due_on"]),
            amount_minor=_whole(item, "amount_minor"),
            currency=_text(item, "currency"),
            pro_rata=item["pro_rata"] is True,
            category=_text(item, "category"),
            students_from=_whole(item, "students_from"),
        ),
        item,
    )
    if not isinstance(item["pro_rata"], bool):
        raise ValueError("pro_rata must be true or false")
    credit = item["credit_note"]
    invoice._backup_credit_notes = _sub_rows(
        {"credit_note": [] if credit is None else [credit]}, "credit_note", CREDIT_NOTE_FIELDS, _credit_note
    )
    invoice._backup_waivers = _sub_rows(item, "waivers", WAIVER_FIELDS, _waiver)
    return invoice


def _credit_note(item: dict[str, Any]) -> CreditNote:
    return _entry_time(
        CreditNote(
            booked_on=_parse_date(item["booked_on"]),
            amount_minor=_whole(item, "amount_minor"),
            reason=_text(item, "reason"),
        ),
        item,
    )


def _waiver(item: dict[str, Any]) -> Waiver:
    return _entry_time(
        Waiver(
            booked_on=_parse_date(item["booked_on"]),
            amount_minor=_whole(item, "amount_minor"),
            reason=_text(item, "reason"),
            by_motion=_whole(item, "by_motion", null=True),
        ),
        item,
    )


def _payment(item: dict[str, Any]) -> Payment:
    """A payment or a reversal (``_backup_reverses``: its payment's position), with its allocations."""
    payment = _entry_time(
        Payment(
            paid_on=_parse_date(item["paid_on"]),
            booked_on=_parse_date(item["booked_on"]),
            amount=_decimal_of(item, "amount"),
            currency=_text(item, "currency"),
            rate=_decimal_of(item, "rate", null=True),
            amount_minor=_whole(item, "amount_minor"),
            method=_text(item, "method"),
            reference=_text(item, "reference"),
            note=_text(item, "note"),
        ),
        item,
    )
    payment._backup_reverses = _whole(item, "reverses", null=True)
    payment._backup_allocations = _sub_rows(item, "allocations", ALLOCATION_FIELDS, _allocation)
    return payment


def _allocation(item: dict[str, Any]) -> Allocation:
    allocation = Allocation(
        amount_minor=_whole(item, "amount_minor"), booked_on=_parse_date(item["booked_on"])
    )
    allocation._backup_invoice = _text(item, "invoice")
    return allocation


def _check_reversals(problems: _Problems, where: str, payments: list[Payment]) -> None:
    """A reversal names an earlier payment of the same membership that is not itself a reversal,
    and no payment is reversed twice."""
    reversed_ = set()
    for index, payment in enumerate(payments):
        target = payment._backup_reverses
        if target is None:
            continue
        if not 0 <= target < index or payments[target]._backup_reverses is not None or target in reversed_:
            problems.add(
                f"{where}.payments[{index}]", f"reverses {target}: not an earlier payment of its own"
            )
        reversed_.add(target)


def _dues_rate(item: dict[str, Any]) -> DuesRate:
    return DuesRate(
        year=_whole(item, "year"),
        category=_text(item, "category"),
        students_from=_whole(item, "students_from"),
        amount_minor=_whole(item, "amount_minor"),
        currency=_text(item, "currency"),
    )


def _counter(item: dict[str, Any]) -> InvoiceCounter:
    return InvoiceCounter(year=_whole(item, "year"), last=_whole(item, "last"))


def _plan_rows(problems: _Problems, section: str, items: list[Any], fields: tuple[str, ...], build) -> list:
    """The rows of a section that refers to nothing else, each built by ``build(item)`` and checked."""
    rows = []
    for index, item in enumerate(items):
        if not _record(problems, section, index, item, fields):
            continue
        try:
            row = build(item)
            _clean(row, exclude=[])
        except ValueError as exc:
            problems.add(f"{section}[{index}]", str(exc))
            continue
        except ValidationError as exc:
            problems.from_validation(f"{section}[{index}]", exc)
            continue
        rows.append(row)
    return rows


def _plan_meetings(problems: _Problems, items: list[Any]) -> list[ArchivedMeeting]:
    """The meetings, each restored as an ``ArchivedMeeting`` holding its record: a calendar UID once,
    times with their zone, a known state, and minutes (if any) whose record has the hash they carry."""
    meetings = []
    uids: set[str] = set()
    for index, item in enumerate(items):
        if not _record(problems, "meetings", index, item, MEETING_FIELDS):
            continue
        where = f"meetings[{index}]"
        try:
            meeting = _archived_meeting(item)
        except ValueError as exc:
            problems.add(where, str(exc))
            continue
        if str(meeting.uid) in uids:
            problems.add(where, f"the calendar UID {item['uid']!r} appears twice")
            continue
        uids.add(str(meeting.uid))
        try:
            _clean(meeting, exclude=[])
        except ValidationError as exc:
            problems.from_validation(where, exc)
        meetings.append(meeting)
    return meetings


def _archived_meeting(item: dict[str, Any]) -> ArchivedMeeting:
    """A meeting from its record; ``ValueError`` when a value is wrong."""
    try:
        uid = uuid.UUID(_text(item, "uid"))
    except ValueError:
        raise ValueError("uid must be a UUID") from None
    if item["state"] not in MeetingState.values:
        raise ValueError(f"state must be one of {', '.join(MeetingState.values)}")
    for key in ("ends_at", "created_at", "updated_at"):
        _parse_timestamp(item[key])
    for key in ("agenda", "attendance"):
        if not isinstance(item[key], list) or not all(isinstance(row, dict) for row in item[key]):
            raise ValueError(f"{key} must be a list of objects")
    minutes = item["minutes"]
    if minutes is not None:
        if not isinstance(minutes, dict) or set(minutes) != set(MINUTES_FIELDS):
            raise ValueError(f"minutes must be null or have exactly: {', '.join(MINUTES_FIELDS)}")
        if not isinstance(minutes["record"], dict) or record_hash(minutes["record"]) != minutes["sha256"]:
            raise ValueError("the minutes' record does not have the SHA-256 that they carry")
    return ArchivedMeeting(
        uid=uid,
        title=_text(item, "title"),
        starts_at=_parse_timestamp(item["starts_at"]),
        state=item["state"],
        data={key: item[key] for key in MEETING_FIELDS},
    )


def _plan_decisions(
    problems: _Problems,
    items: list[Any],
    regions: dict[str, Region],
    organizations: dict[str, Organization],
) -> list[tuple[ArchivedDecision, str | None, str | None]]:
    """The archived decisions, each with its region code and organization slug (either may be null)."""
    decisions = []
    for index, item in enumerate(items):
        if not _record(problems, "decisions", index, item, DECISION_FIELDS):
            continue
        where = f"decisions[{index}]"
        _region_of(problems, regions, where, item["region"], required=False)
        slug = item["organization"]
        if slug is not None and (not isinstance(slug, str) or slug not in organizations):
            problems.add(where, f"unknown organization slug {slug!r}")
            continue
        try:
            decision = _archived_decision(item)
        except ValueError as exc:
            problems.add(where, str(exc))
            continue
        try:
            _clean(decision, exclude=["organization", "region", "imported_at"], constraints=False)
        except ValidationError as exc:
            problems.from_validation(where, exc)
        decisions.append((decision, item["region"], slug))
    return decisions


def _archived_decision(item: dict[str, Any]) -> ArchivedDecision:
    """A decision from its record, without its region and organization; ``ValueError`` when a value is wrong."""
    return ArchivedDecision(
        name=_text(item, "name"),
        acronym=_text(item, "acronym"),
        country=_text(item, "country"),
        city=_text(item, "city"),
        kind=_text(item, "kind"),
        state=_text(item, "state"),
        created_at=_parse_timestamp(item["created_at"]),
        submitted_at=_parse_timestamp(item["submitted_at"], required=False),
        decided_at=_parse_timestamp(item["decided_at"], required=False),
        vote_rounds=_vote_rounds(item["vote_rounds"]),
    )


def _vote_rounds(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ValueError("vote_rounds must be a list")
    for number, vote_round in enumerate(value):
        if not isinstance(vote_round, dict) or set(vote_round) != set(ROUND_FIELDS):
            raise ValueError(f"vote_rounds[{number}] must have exactly: {', '.join(ROUND_FIELDS)}")
        for key in ("opened_at", "deadline", "closed_at"):
            _parse_timestamp(vote_round[key], required=key == "opened_at")
        for key in ("number", "yes", "no", "abstain", "eligible"):
            count = vote_round[key]
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(f"vote_rounds[{number}].{key} must be a whole number ≥ 0")
        if vote_round["outcome"] not in ROUND_OUTCOMES:
            raise ValueError(
                f"vote_rounds[{number}].outcome must be one of {', '.join(map(repr, ROUND_OUTCOMES))}"
            )
        if not isinstance(vote_round["is_void"], bool) or not isinstance(vote_round["category"], str):
            raise ValueError(f"vote_rounds[{number}]: is_void must be true or false, category text")
        if vote_round["mode"] not in VoteMode.values:
            raise ValueError(
                f"vote_rounds[{number}].mode must be one of {', '.join(map(repr, VoteMode.values))}"
            )
        _parse_timestamp(vote_round["recorded_at"], required=False)
    return [_round_json(vote_round) for vote_round in value]


# --- import: writing ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    regions: int
    countries: int
    organizations: int
    memberships: int
    decisions: int
    invoices: int = 0
    payments: int = 0
    meetings: int = 0


def registry_counts() -> dict[str, int]:
    """What the registry holds now; an import needs every count at zero (or ``replace``)."""
    return {
        "regions": Region.objects.count(),
        "countries": CountryRegion.objects.count(),
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "archived decisions": ArchivedDecision.objects.count(),
        "dues rates": DuesRate.objects.count(),
        "invoice counters": InvoiceCounter.objects.count(),
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
        "archived meetings": ArchivedMeeting.objects.count(),
    }


def _delete_registry() -> None:
    feed.forget()
    ArchivedDecision.objects.all().delete()
    ArchivedMeeting.objects.all().delete()
    Allocation.objects.all().delete()
    Payment.objects.filter(reverses__isnull=False).delete()
    Payment.objects.all().delete()
    Waiver.objects.all().delete()
    CreditNote.objects.all().delete()
    Invoice.objects.all().delete()
    InvoiceCounter.objects.all().delete()
    DuesRate.objects.all().delete()
    YearlyReturn.objects.all().delete()
    Membership.objects.all().delete()
    Organization.objects.all().delete()
    CountryRegion.objects.all().delete()
    Region.objects.update(parent=None)
    Region.objects.all().delete()


@bulk.cyclic_gc_paused()
def import_registry(text: str | bytes, *, replace: bool = False) -> ImportResult:
    """Load a backup in one transaction; raise ``BackupError`` (nothing written) when it cannot."""
    data = parse(text)
    plan = _import_plan(data)
    with transaction.atomic():
        applications = MembershipApplication.objects.count()
        if applications:
            raise BackupError(
                f"The database has {applications} membership applications: a backup is restored into a "
                "database without any (they refer to the registry, which the import creates or replaces)."
            )
        issued = Certificate.objects.count()
        if issued:
            raise BackupError(
                f"The database has {issued} membership certificates: a backup is restored into a database "
                "without any (they are records of the memberships that the import would replace)."
            )
        meetings = Meeting.objects.count()
        if meetings:
            raise BackupError(
                f"The database has {meetings} meetings: a backup is restored into a database without any "
                "(they refer to the committee's accounts and to applications, which a backup does not hold)."
            )
        counts = registry_counts()
        if any(counts.values()):
            if not replace:
                held = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
                raise BackupError(
                    f"The registry is not empty ({held}). Import into an empty database, "
                    "or use --replace to delete the registry first."
                )
            try:
                _delete_registry()
            except ProtectedError as exc:
                raise BackupError(f"The registry cannot be deleted: {exc.args[0]}") from None
        try:
            _write(plan)
        except IntegrityError as exc:
            raise BackupError(
                f"The backup breaks a rule of the database: {exc}. Nothing was changed."
            ) from None
        feed.publish_all()
    return ImportResult(
        regions=len(plan.regions),
        countries=len(plan.countries),
        organizations=len(plan.organizations),
        memberships=len(plan.memberships),
        decisions=len(plan.decisions),
        invoices=sum(len(m._backup_invoices) for m, _ in plan.memberships),
        payments=sum(len(m._backup_payments) for m, _ in plan.memberships),
        meetings=len(plan.meetings),
    )


# Rows per INSERT of the restore's smaller tables (SQLite lowers it to its own limit on variables); the
# organizations, memberships and decisions go by ``registry.bulk.insert`` (COPY on PostgreSQL).
BATCH_SIZE = 1000


@contextlib.contextmanager
def _times_as_given(model: type[models.Model]):
    """Inserts of ``model`` that keep the times the rows carry: its ``auto_now`` and ``auto_now_add``
    fields are off until the block ends (rather than an UPDATE of every row after the insert). The
    switch is the process's: a restore runs alone, in its command's process."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _write_dated_rows(memberships: list[Membership]) -> None:
    """Each membership's suspensions and yearly returns, as planned."""
    suspensions, returns = [], []
    for membership in memberships:
        for row in membership._backup_suspensions:
            row.membership = membership
            suspensions.append(row)
        for row in membership._backup_returns:
            row.membership = membership
            returns.append(row)
    MembershipSuspension.objects.bulk_create(suspensions, batch_size=BATCH_SIZE)
    YearlyReturn.objects.bulk_create(returns, batch_size=BATCH_SIZE)


def _write_ledger(memberships: list[Membership]) -> None:
    """Each membership's invoices (with credit notes and waivers), payments and their allocations,
    as planned, with the creation times they carry."""
    invoices = [invoice for m in memberships for invoice in m._backup_invoices]
    payments = [payment for m in memberships for payment in m._backup_payments]
    for m in memberships:
        for invoice in m._backup_invoices:
            invoice.membership = m
        for payment in m._backup_payments:
            payment.membership = m
            if payment._backup_reverses is not None:
                payment.reverses = m._backup_payments[payment._backup_reverses]
    with _times_as_given(Invoice), _times_as_given(CreditNote), _times_as_given(Waiver):
        Invoice.objects.bulk_create(invoices, batch_size=BATCH_SIZE)
        credit_notes, waivers = [], []
        for invoice in invoices:
            for row in invoice._backup_credit_notes:
                row.invoice = invoice
                credit_notes.append(row)
            for row in invoice._backup_waivers:
                row.invoice = invoice
                waivers.append(row)
        CreditNote.objects.bulk_create(credit_notes, batch_size=BATCH_SIZE)
        Waiver.objects.bulk_create(waivers, batch_size=BATCH_SIZE)
    with _times_as_given(Payment):
        _bulk_create_in_order(payments, lambda p: p.reverses if p._backup_reverses is not None else None)
    by_number = {invoice.number: invoice for invoice in invoices}
    allocations = []
    for payment in payments:
        for row in payment._backup_allocations:
            row.payment, row.invoice = payment, by_number[row._backup_invoice]
            allocations.append(row)
    Allocation.objects.bulk_create(allocations, batch_size=BATCH_SIZE)


def _bulk_create_in_order(rows: list[models.Model], refers_to) -> None:
    """``bulk_create`` of ``rows`` in their order (their keys follow it), where a row may refer to an
    earlier one (``refers_to(row)``): a batch ends before a row whose reference is not written yet.
    One INSERT per ``BATCH_SIZE`` rows, and one more per such reference (a payment's reversal)."""
    batch: list[models.Model] = []
    for row in rows:
        earlier = refers_to(row)
        if len(batch) == BATCH_SIZE or (earlier is not None and earlier.pk is None):
            type(row).objects.bulk_create(batch)
            batch = []
        batch.append(row)
    if batch:
        type(batch[0]).objects.bulk_create(batch)


def _write(plan: _Plan) -> None:
    reason = "Restored from a backup (import_registry)"
    Region.objects.bulk_create(plan.regions)
    by_code = {region.code: region for region in plan.regions}
    for region, parent in plan.region_parents:
        region.parent = by_code[parent]
    Region.objects.bulk_update([region for region, _ in plan.region_parents], ["parent"])

    countries = []
    for row, region in plan.countries:
        row.region = by_code[region.code]
        countries.append(row)
    CountryRegion.objects.bulk_create(countries)

    for org, (created, updated) in zip(plan.organizations, plan.organization_times, strict=True):
        org.search_text = org.build_search_text()  # bulk_create does not call save()
        org.created_at, org.updated_at = created, updated
    with _times_as_given(Organization):
        bulk.insert(plan.organizations)
    bulk.insert_history(Organization, plan.organizations, reason)

    orgs = {org.slug: org for org in plan.organizations}
    memberships = []
    for membership, slug in plan.memberships:
        membership.organization = orgs[slug]
        memberships.append(membership)
    for membership, (created, updated) in zip(memberships, plan.membership_times, strict=True):
        membership.created_at, membership.updated_at = created, updated
    with _times_as_given(Membership):
        bulk.insert(memberships)
    bulk.insert_history(Membership, memberships, reason)
    _write_dated_rows(memberships)
    DuesRate.objects.bulk_create(plan.dues_rates, batch_size=BATCH_SIZE)
    InvoiceCounter.objects.bulk_create(plan.invoice_counters, batch_size=BATCH_SIZE)
    _write_ledger(memberships)
    ArchivedMeeting.objects.bulk_create(plan.meetings, batch_size=BATCH_SIZE)

    decisions = []
    for decision, region_code, slug in plan.decisions:
        decision.region = by_code.get(region_code) if region_code else None
        decision.organization = orgs.get(slug) if slug else None
        decisions.append(decision)
    bulk.insert(decisions)
