"""The treasurer's reports: what is receivable on a day by region and by category, the payments of a
federation year by month, what was invoiced and collected each month, the unions in arrears, and the
members long enough in arrears to lapse (``DUES_LAPSE_YEARS``).

Every figure is read with aggregate queries (or one query of the rows in arrears, grouped in
Python): a fixed number of queries however many members. Amounts are minor units of the ledger's
currency, as the ledger keeps them; a foreign payment counts at the value recorded with it. The
report for a day counts only the entries booked by the end of that day, as ``dues.selectors`` does,
so ``receivables(on)`` adds up to ``ledger_totals(on).receivable``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from registry.models import CURRENT_STATES, Membership, MembershipCategory
from registry.selectors import year_start
from registry.statistics import region_tree_tops

from .models import Invoice, Payment
from .money import from_minor, ledger_currency
from .selectors import arrears_after, invoices_with_open_amount

_RECEIVED = Q(reverses__isnull=True)  # a payment, not the reversal of one


def in_arrears_q(on: datetime.date) -> dict:
    """The filter of invoices in arrears on ``on``: open, due more than ``DUES_GRACE_DAYS`` before."""
    return {"open_minor__gt": 0, "due_on__lt": on - datetime.timedelta(days=settings.DUES_GRACE_DAYS)}


# --- receivables on a day ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receivables:
    on: datetime.date
    by_region: list[tuple[str, int, int]]  # (top-level region, invoices open, open minor units)
    by_category: list[tuple[str, int, int]]  # (category label, invoices open, open minor units)
    total_minor: int


def receivables(on: datetime.date) -> Receivables:
    """What is open on every invoice issued by ``on``, by top-level region and by category (of the
    membership). Three queries: the regions, and one aggregate per grouping."""
    tree = region_tree_tops()
    names = {region.pk: region.localized_name for region in tree.top}
    invoices = invoices_with_open_amount(on).order_by()

    def grouped(key: str) -> list[tuple[object, int, int]]:
        return [
            (row[key], row["count"], row["total"])
            for row in invoices.values(key).annotate(
                count=Count("pk", filter=Q(open_minor__gt=0)), total=Coalesce(Sum("open_minor"), 0)
            )
        ]

    regions: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for region_id, count, total in grouped("membership__organization__region_id"):
        top = tree.top_of.get(region_id, region_id)
        regions[top][0] += count
        regions[top][1] += total
    by_region = sorted(
        ((names.get(pk, str(pk)), count, total) for pk, (count, total) in regions.items()),
        key=lambda row: str(row[0]),
    )
    categories = {key: (count, total) for key, count, total in grouped("membership__category")}
    by_category = [
        (str(label), *categories[value]) for value, label in MembershipCategory.choices if value in categories
    ]
    return Receivables(on, by_region, by_category, sum(row[2] for row in by_region))


# --- payments and collection over a federation year -----------------------------------------------------


def year_months(year: int) -> list[datetime.date]:
    """The first day of each of federation year ``year``'s twelve months (the year may start mid-month:
    its first month is the calendar month it starts in)."""
    start = year_start(year).replace(day=1)
    return [
        datetime.date(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 1)
        for n in range(12)
    ]


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return year_start(year), year_start(year + 1) - datetime.timedelta(days=1)


def _month(day) -> datetime.date:
    return day.date() if isinstance(day, datetime.datetime) else day


@dataclass(frozen=True)
class MonthPayments:
    month: datetime.date
    count: int  # payments received (reversals not counted)
    received_minor: int
    reversed_minor: int  # positive: what reversals booked that month took back
    net_minor: int


def payments_by_month(year: int) -> list[MonthPayments]:
    """The payments booked in federation year ``year``, month by month, at their value in the ledger's
    currency: received, reversed, net. One query."""
    first, last = _year_bounds(year)
    rows = (
        Payment.objects.filter(booked_on__range=(first, last))
        .annotate(month=TruncMonth("booked_on"))
        .order_by()
        .values("month")
        .annotate(
            count=Count("pk", filter=_RECEIVED),
            received=Coalesce(Sum("amount_minor", filter=_RECEIVED), 0),
            reversed=Coalesce(Sum("amount_minor", filter=~_RECEIVED), 0),
        )
    )
    by_month = {_month(row["month"]): row for row in rows}
    months = []
    for month in year_months(year):
        row = by_month.get(month, {"count": 0, "received": 0, "reversed": 0})
        months.append(
            MonthPayments(
                month, row["count"], row["received"], -row["reversed"], row["received"] + row["reversed"]
            )
        )
    return months


@dataclass(frozen=True)
class MonthCollection:
    month: datetime.date
    invoiced_minor: int  # invoices issued that month, at their amount
    collected_minor: int  # payments booked that month, net of reversals


def collection_by_month(year: int) -> list[MonthCollection]:
    """What was invoiced and what was collected in each month of federation year ``year``. Two
    queries."""
    first, last = _year_bounds(year)
    invoiced = {
        _month(row["month"]): row["total"]
        for row in Invoice.objects.filter(issued_on__range=(first, last))
        .annotate(month=TruncMonth("issued_on"))
        .order_by()
        .values("month")
        .annotate(total=Sum("amount_minor"))
    }
    collected = {row.month: row.net_minor for row in payments_by_month(year)}
    return [MonthCollection(m, invoiced.get(m, 0), collected.get(m, 0)) for m in year_months(year)]


# --- arrears and the lapse list -------------------------------------------------------------------------


@dataclass
class Arrears:
    """One membership's invoices in arrears on a day."""

    membership: Membership
    invoices: list[Invoice] = field(default_factory=list)  # oldest first, each with ``open_minor``
    open_minor: int = 0

    @property
    def open_amount(self):
        return from_minor(self.open_minor, ledger_currency())

    @property
    def since(self) -> datetime.date:
        """The first day of the oldest invoice's arrears."""
        return arrears_after(min(invoice.due_on for invoice in self.invoices))

    @property
    def years(self) -> list[int]:
        """The federation years of the invoices in arrears."""
        return sorted({invoice.year for invoice in self.invoices})


def arrears(on: datetime.date, *, current_only: bool = False) -> list[Arrears]:
    """Every membership with an invoice in arrears on ``on`` (ended ones too unless ``current_only``:
    a member's invoices stay receivable), the longest in arrears first. One query."""
    rows = (
        invoices_with_open_amount(on)
        .filter(**in_arrears_q(on))
        .select_related("membership__organization__region")
        .order_by("membership_id", "due_on", "year", "seq")
    )
    if current_only:
        rows = rows.filter(membership__state__in=CURRENT_STATES, membership__admitted_on__lte=on)
    by_membership: dict[int, Arrears] = {}
    for invoice in rows:
        entry = by_membership.setdefault(invoice.membership_id, Arrears(invoice.membership))
        entry.invoices.append(invoice)
        entry.open_minor += invoice.open_minor
    return sorted(
        by_membership.values(), key=lambda a: (a.since, a.membership.organization.name, a.membership.pk)
    )


def lapse_list(on: datetime.date) -> list[Arrears]:
    """The current members in arrears on ``on`` for ``DUES_LAPSE_YEARS`` federation years or more:
    the committee may end their membership as lapsed (``workflows``' lapse motion). One query."""
    return [a for a in arrears(on, current_only=True) if len(a.years) >= settings.DUES_LAPSE_YEARS]


def on_lapse_list(membership: Membership, on: datetime.date) -> bool:
    """Whether ``membership`` is on ``lapse_list(on)``. One query."""
    years = (
        invoices_with_open_amount(on)
        .filter(membership=membership, **in_arrears_q(on))
        .order_by()
        .values("year")
        .distinct()
        .count()
    )
    return membership.state in CURRENT_STATES and years >= settings.DUES_LAPSE_YEARS
