"""Reads of the dues ledger: what is open on an invoice on a date, a union's financial standing on
any date, the ledger's totals. Every figure for a date counts only the entries booked by the end
of that day (``booked_on``), so the answer for a past date does not change."""

import datetime
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from registry.models import Membership

from .models import Allocation, CreditNote, Invoice, Payment, Waiver


class Standing(StrEnum):
    """A union's (or an invoice's) financial standing on a day, from best to worst."""

    SETTLED = "settled"  # nothing open
    DUE = "due"  # open, not past its due date
    OVERDUE = "overdue"  # open after the due date, within DUES_GRACE_DAYS
    ARREARS = "arrears"  # open more than DUES_GRACE_DAYS after the due date


_ORDER = list(Standing)

STANDING_LABELS = {
    Standing.SETTLED: gettext_lazy("settled"),
    Standing.DUE: gettext_lazy("due"),
    Standing.OVERDUE: gettext_lazy("overdue"),
    Standing.ARREARS: gettext_lazy("in arrears"),
}


def _booked_sum(model, on: datetime.date) -> Coalesce:
    rows = (
        model.objects.filter(invoice=OuterRef("pk"), booked_on__lte=on)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=BigIntegerField()), Value(0))


def invoices_with_open_amount(on: datetime.date) -> QuerySet[Invoice]:
    """Invoices issued by ``on``, each with ``open_minor``: its amount less what was credited,
    waived and paid (net of reversals) by the end of ``on``."""
    return Invoice.objects.filter(issued_on__lte=on).annotate(
        open_minor=F("amount_minor")
        - _booked_sum(CreditNote, on)
        - _booked_sum(Waiver, on)
        - _booked_sum(Allocation, on)
    )


def arrears_after(due_on: datetime.date) -> datetime.date:
    """The first day an invoice due on ``due_on`` and still open is in arrears."""
    return due_on + datetime.timedelta(days=settings.DUES_GRACE_DAYS + 1)


def no_arrears_q(on: datetime.date) -> Q:
    """Memberships with no invoice in arrears on ``on``: a condition of good standing."""
    late = invoices_with_open_amount(on).filter(
        membership=OuterRef("pk"),
        open_minor__gt=0,
        due_on__lt=on - datetime.timedelta(days=settings.DUES_GRACE_DAYS),
    )
    return ~Exists(late)


def invoice_standing(*, due_on: datetime.date, open_minor: int, on: datetime.date) -> Standing:
    """The standing of one invoice on ``on``, from its due date and what is open on it that day."""
    if open_minor <= 0:
        return Standing.SETTLED
    if on <= due_on:
        return Standing.DUE
    if on < arrears_after(due_on):
        return Standing.OVERDUE
    return Standing.ARREARS


def worst_standing(standings) -> Standing:
    """The worst of ``standings`` (a union's is its invoices' worst); settled when there are none."""
    return max(standings, key=_ORDER.index, default=Standing.SETTLED)


class Statement(NamedTuple):
    standing: Standing
    invoices: list[Invoice]  # issued by the day, each with ``open_minor`` and ``standing``
    open_minor: int  # receivable: what is open on the invoices
    credit_minor: int  # paid but not allocated to any invoice


def statement(membership: Membership, on: datetime.date) -> Statement:
    """A union's account on ``on``: its invoices with what is open on each, its standing (the worst
    of its invoices'), the receivable and its unallocated credit. Three queries."""
    invoices = list(
        invoices_with_open_amount(on).filter(membership=membership).order_by("issued_on", "year", "seq")
    )
    for invoice in invoices:
        invoice.standing = invoice_standing(due_on=invoice.due_on, open_minor=invoice.open_minor, on=on)
    standing = worst_standing(i.standing for i in invoices)
    paid = Payment.objects.filter(membership=membership, booked_on__lte=on).aggregate(
        t=Coalesce(Sum("amount_minor"), 0)
    )
    allocated = Allocation.objects.filter(payment__membership=membership, booked_on__lte=on).aggregate(
        t=Coalesce(Sum("amount_minor"), 0)
    )
    return Statement(
        standing,
        invoices,
        sum(i.open_minor for i in invoices),
        paid["t"] - allocated["t"],
    )


def financial_standing(membership: Membership, on: datetime.date) -> Standing:
    """``statement(membership, on).standing``."""
    return statement(membership, on).standing


class LedgerTotals(NamedTuple):
    invoiced: int
    credited: int
    waived: int
    paid: int  # payments less reversals
    allocated: int
    receivable: int  # the open amounts of every invoice
    credit: int  # paid and not allocated


def ledger_totals(on: datetime.date | None = None) -> LedgerTotals:
    """The whole ledger's totals in minor units (as of ``on``; today's books by default)."""
    on = on or datetime.date.max

    def total(model, **filters) -> int:
        return model.objects.filter(booked_on__lte=on, **filters).aggregate(
            t=Coalesce(Sum("amount_minor"), 0)
        )["t"]

    invoiced = Invoice.objects.filter(issued_on__lte=on).aggregate(t=Coalesce(Sum("amount_minor"), 0))["t"]
    receivable = sum(i.open_minor for i in invoices_with_open_amount(on).only("amount_minor"))
    paid, allocated = total(Payment), total(Allocation)
    return LedgerTotals(
        invoiced, total(CreditNote), total(Waiver), paid, allocated, receivable, paid - allocated
    )


def is_membership_closed(membership: Membership, on: datetime.date) -> bool:
    """An ended membership with nothing left open: its account takes no more payments."""
    if membership.ended_on is None or membership.ended_on > on:
        return False
    return not invoices_with_open_amount(on).filter(membership=membership, open_minor__gt=0).exists()


def _membership_sum(queryset: QuerySet, group: str = "membership") -> Coalesce:
    rows = queryset.order_by().values(group).annotate(total=Sum("amount_minor")).values("total")
    return Coalesce(Subquery(rows, output_field=BigIntegerField()), Value(0))


def memberships_with_accounts(on: datetime.date) -> QuerySet[Membership]:
    """Memberships, each with its account on ``on`` as annotations, so a list of any length is one
    query (filterable by standing): ``dues_standing`` (a ``Standing`` value, the worst of its open
    invoices'), ``dues_open_minor`` (receivable), ``dues_credit_minor`` (paid and not allocated)
    and ``dues_balance_minor`` (what the union owes: receivable less credit; negative when in
    credit). Counts the entries booked by the end of ``on``, as ``statement`` does."""
    open_invoices = invoices_with_open_amount(on).filter(membership=OuterRef("pk"), open_minor__gt=0)
    grace = datetime.timedelta(days=settings.DUES_GRACE_DAYS)
    receivable = (
        open_invoices.order_by().values("membership").annotate(total=Sum("open_minor")).values("total")
    )
    paid = Payment.objects.filter(membership=OuterRef("pk"), booked_on__lte=on)
    allocated = Allocation.objects.filter(payment__membership=OuterRef("pk"), booked_on__lte=on)
    return Membership.objects.annotate(
        dues_standing=Case(
            When(Exists(open_invoices.filter(due_on__lt=on - grace)), then=Value(Standing.ARREARS.value)),
            When(Exists(open_invoices.filter(due_on__lt=on)), then=Value(Standing.OVERDUE.value)),
            When(Exists(open_invoices), then=Value(Standing.DUE.value)),
            default=Value(Standing.SETTLED.value),
            output_field=CharField(),
        ),
        dues_open_minor=Coalesce(Subquery(receivable, output_field=BigIntegerField()), Value(0)),
        dues_credit_minor=_membership_sum(paid) - _membership_sum(allocated, "payment__membership"),
    ).annotate(dues_balance_minor=F("dues_open_minor") - F("dues_credit_minor"))


# --- what the union reads: the lines of its invoices, its payments ----------------------------------


class EntryKind(StrEnum):
    CREDIT_NOTE = "credit_note"
    WAIVER = "waiver"
    PAYMENT = "payment"  # part of a payment allocated to the invoice
    REVERSAL = "reversal"  # a reversed payment taking its allocation back (a negative amount)


class InvoiceLine(NamedTuple):
    """One entry that changed what is open on an invoice: ``amount_minor`` is what it took off
    (negative for a reversal, which gives it back)."""

    kind: EntryKind
    booked_on: datetime.date
    amount_minor: int
    reference: str  # a payment's reference, a credit note's or waiver's reason


def invoice_lines(invoice_ids: list[int], on: datetime.date) -> dict[int, list[InvoiceLine]]:
    """The credit notes, waivers and allocations booked on each of ``invoice_ids`` by the end of
    ``on``, in the order they were booked. Three queries, however many invoices."""
    lines: dict[int, list[InvoiceLine]] = {pk: [] for pk in invoice_ids}
    for note in CreditNote.objects.filter(invoice_id__in=invoice_ids, booked_on__lte=on).order_by("pk"):
        lines[note.invoice_id].append(
            InvoiceLine(EntryKind.CREDIT_NOTE, note.booked_on, note.amount_minor, note.reason)
        )
    for waiver in Waiver.objects.filter(invoice_id__in=invoice_ids, booked_on__lte=on).order_by("pk"):
        lines[waiver.invoice_id].append(
            InvoiceLine(EntryKind.WAIVER, waiver.booked_on, waiver.amount_minor, waiver.reason)
        )
    allocations = (
        Allocation.objects.filter(invoice_id__in=invoice_ids, booked_on__lte=on)
        .select_related("payment")
        .order_by("pk")
    )
    for allocation in allocations:
        kind = EntryKind.REVERSAL if allocation.payment.reverses_id else EntryKind.PAYMENT
        lines[allocation.invoice_id].append(
            InvoiceLine(kind, allocation.booked_on, allocation.amount_minor, allocation.payment.reference)
        )
    for entries in lines.values():
        entries.sort(key=lambda line: line.booked_on)
    return lines


def payments_booked(membership: Membership, on: datetime.date) -> QuerySet[Payment]:
    """The union's payments and reversals booked by the end of ``on``, oldest first (one query)."""
    return Payment.objects.filter(membership=membership, booked_on__lte=on).order_by(
        "booked_on", "paid_on", "pk"
    )


def invoice_as_of(invoice_id: int, on: datetime.date) -> Invoice:
    """One invoice with ``open_minor`` and ``standing`` on ``on``, its membership and organization
    joined (one query). Raises ``Invoice.DoesNotExist``."""
    invoice = (
        Invoice.objects.select_related("membership__organization")
        .annotate(
            open_minor=F("amount_minor")
            - _booked_sum(CreditNote, on)
            - _booked_sum(Waiver, on)
            - _booked_sum(Allocation, on)
        )
        .get(pk=invoice_id)
    )
    invoice.standing = invoice_standing(due_on=invoice.due_on, open_minor=invoice.open_minor, on=on)
    return invoice
