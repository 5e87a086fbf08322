"""The dues ledger's actions: invoice a membership for a year, cancel an invoice by a credit note,
waive part of it, record a payment, reverse one. Each runs in one transaction with the
membership's row locked first (then, to number an invoice, the year's counter), so two people
acting on one union's account at once are serialized; a refusal (``DuesError``) changes nothing.

Entries are booked on ``on`` (today by default): what standing on a date reads.
"""

import datetime
import logging
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from registry import feed
from registry.models import Membership
from registry.selectors import federation_year, today, year_start

from . import money, notices
from .errors import DuesError, DuesErrorCode
from .models import Allocation, CreditNote, DuesRate, Invoice, InvoiceCounter, Payment, PaymentMethod, Waiver
from .selectors import invoices_with_open_amount, is_membership_closed

logger = logging.getLogger(__name__)

MAX_AMOUNT = Decimal(10) ** 12  # what Payment.amount and the minor units hold, with room
MAX_RATE = Decimal(10) ** 9


def _lock(membership: Membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=membership.pk)


def _lock_counter(year: int) -> InvoiceCounter:
    """The year's counter row, locked until the caller's transaction ends (created by the first)."""
    InvoiceCounter.objects.get_or_create(year=year)
    return InvoiceCounter.objects.select_for_update().get(year=year)


# --- the schedule and what an invoice is for ------------------------------------------------------


def dues_rate(membership: Membership, year: int) -> DuesRate | None:
    """The schedule's rate for ``membership``'s category in ``year``: the band with the highest
    ``students_from`` not above its organization's students represented (unknown counts as 0)."""
    students = membership.organization.students_represented or 0
    return (
        DuesRate.objects.filter(year=year, category=membership.category, students_from__lte=students)
        .order_by("-students_from")
        .first()
    )


def year_days(year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of federation year ``year``."""
    return year_start(year), year_start(year + 1) - datetime.timedelta(days=1)


def pro_rata_minor(full_minor: int, *, year: int, admitted_on: datetime.date) -> int:
    """``full_minor`` for the days from ``admitted_on`` to the year's end, out of the year's days,
    rounded to the minor unit halves up."""
    first, last = year_days(year)
    days = (last - max(admitted_on, first)).days + 1
    share = Decimal(full_minor) * days / ((last - first).days + 1)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def invoice_amount_minor(membership: Membership, year: int) -> tuple[int, bool]:
    """What ``membership`` owes for ``year`` (minor units) and whether it is a pro rata share:
    0 without a rate in the schedule."""
    rate = dues_rate(membership, year)
    return (0, False) if rate is None else _priced(membership, year, rate)


def _priced(membership: Membership, year: int, rate: DuesRate) -> tuple[int, bool]:
    if settings.DUES_PRO_RATA and membership.admitted_on > year_start(year):
        return pro_rata_minor(rate.amount_minor, year=year, admitted_on=membership.admitted_on), True
    return rate.amount_minor, False


# --- invoices --------------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(*, membership: Membership, year: int, on: datetime.date | None = None) -> Invoice | None:
    """The invoice of ``membership`` for federation year ``year``, created if missing (idempotent).

    Lock the membership; return its invoice for the year if there is one; refuse a membership that
    is not a member on ``on``; nothing (``None``) without dues in the schedule; lock the year's
    counter and take its next number (``2026-0001``); save the invoice, issued ``on`` and due
    ``DUES_DUE_DAYS`` later, with the category and band it was priced for; apply the union's
    unallocated credit to it; send it to the union's representatives (``notices.invoice_issued``:
    after commit, its PDF attached).
    """
    on = on or today()
    membership = _lock(membership)
    existing = Invoice.objects.filter(membership=membership, year=year).first()
    if existing is not None:
        return existing
    if membership.admitted_on > on or (membership.ended_on is not None and membership.ended_on <= on):
        raise DuesError(DuesErrorCode.NOT_ALLOWED, _("This union is not a member on that day: no invoice."))
    rate = dues_rate(membership, year)
    amount_minor, pro_rata = (0, False) if rate is None else _priced(membership, year, rate)
    if amount_minor <= 0:
        return None
    counter = _lock_counter(year)
    counter.last += 1
    counter.save(update_fields=["last"])
    invoice = Invoice.objects.create(
        membership=membership,
        year=year,
        seq=counter.last,
        number=f"{year}-{counter.last:04d}",
        issued_on=on,
        due_on=on + datetime.timedelta(days=settings.DUES_DUE_DAYS),
        amount_minor=amount_minor,
        currency=money.ledger_currency(),
        pro_rata=pro_rata,
        category=membership.category,
        students_from=rate.students_from,
    )
    _apply_credit(membership, on)
    notices.invoice_issued(invoice, open_minor=_open_minor(invoice, on))
    return invoice


def invoice_on_admission(*, membership: Membership, on: datetime.date) -> Invoice | None:
    """A union admitted on ``on`` is invoiced for that federation year (in full, or pro rata with
    ``DUES_PRO_RATA``); nothing without dues in the schedule (then one query: the rate)."""
    year = federation_year(on)
    if dues_rate(membership, year) is None:
        return None
    return invoice_create(membership=membership, year=year, on=on)


def invoices_issue(*, on: datetime.date | None = None) -> list[Invoice]:
    """Invoice every member on ``on`` not yet invoiced for ``on``'s federation year (idempotent: the
    task runs daily, so a year's invoices go out on its first day, or the first day the task runs)."""
    on = on or today()
    year = federation_year(on)
    members = (
        Membership.objects.filter(admitted_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .exclude(invoices__year=year)
        .order_by("pk")
    )
    created = []
    for membership in members:
        invoice = invoice_create(membership=membership, year=year, on=on)
        if invoice is not None:
            created.append(invoice)
    return created


def _open_minor(invoice: Invoice, on: datetime.date) -> int:
    return invoices_with_open_amount(on).get(pk=invoice.pk).open_minor


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor, reason: str, on: datetime.date | None = None) -> CreditNote:
    """Cancel ``invoice`` by a credit note for what is still open on it (what was paid stays paid).

    Lock the membership; refuse without a reason, a second cancellation, or nothing left open;
    save the credit note; publish the union's directory entry (its standing may change).
    """
    on = on or today()
    _lock(invoice.membership)
    if not reason.strip():
        raise DuesError(DuesErrorCode.INVALID, _("Give the reason for cancelling this invoice."))
    if CreditNote.objects.filter(invoice=invoice).exists():
        raise DuesError(DuesErrorCode.CONFLICT, _("This invoice is already cancelled."))
    open_minor = _open_minor(invoice, on)
    if open_minor <= 0:
        raise DuesError(
            DuesErrorCode.NOT_ALLOWED, _("Nothing is open on this invoice: there is nothing to cancel.")
        )
    note = CreditNote.objects.create(
        invoice=invoice, amount_minor=open_minor, reason=reason.strip(), booked_on=on, created_by=actor
    )
    feed.publish(invoice.membership.organization_id)  # may restore good standing
    return note


@transaction.atomic
def waiver_grant(
    *,
    invoice: Invoice,
    actor,
    amount: Decimal,
    reason: str,
    on: datetime.date | None = None,
    by_motion: int | None = None,
    token: uuid.UUID | None = None,
) -> Waiver:
    """Waive ``amount`` of ``invoice`` for ``reason``, up to ``DUES_WAIVER_LIMIT`` unless the
    Executive Committee decided it: ``by_motion``, the id of the carried motion, lifts the limit
    and is recorded on the waiver.

    Lock the membership; refuse without a reason, a wrong amount, an amount above the limit (a
    larger waiver needs a decision of the committee) or above what is open; save the waiver;
    publish the union's directory entry.

    ``token`` is the granting form's one-time token: a second waiver with the same token (the
    form sent twice, by a double click or by two people from one page) is refused as a conflict.
    """
    on = on or today()
    _lock(invoice.membership)
    if token is not None and Waiver.objects.filter(token=token).exists():
        raise DuesError(DuesErrorCode.CONFLICT, _("This form was already sent: the waiver is recorded once."))
    if not reason.strip():
        raise DuesError(DuesErrorCode.INVALID, _("Give the reason for this waiver."))
    amount_minor = _amount_minor(amount, invoice.currency)
    if by_motion is None and amount_minor > waiver_limit_minor(invoice.currency):
        raise DuesError(
            DuesErrorCode.NOT_ALLOWED,
            _("A waiver above %(limit)s %(currency)s needs a decision of the Executive Committee.")
            % {"limit": settings.DUES_WAIVER_LIMIT, "currency": invoice.currency},
        )
    if amount_minor > _open_minor(invoice, on):
        raise DuesError(DuesErrorCode.NOT_ALLOWED, _("The waiver is more than is open on this invoice."))
    try:
        with transaction.atomic():
            waiver = Waiver.objects.create(
                invoice=invoice,
                amount_minor=amount_minor,
                reason=reason.strip(),
                booked_on=on,
                created_by=actor,
                by_motion=by_motion,
                token=token,
            )
    except IntegrityError:  # the same form or motion twice; the lock above makes this a backstop only
        raise DuesError(DuesErrorCode.CONFLICT, _("This waiver is already recorded.")) from None
    feed.publish(invoice.membership.organization_id)  # may restore good standing
    return waiver


def waiver_limit_minor(currency: str) -> int:
    """``DUES_WAIVER_LIMIT`` in minor units of ``currency``: the most the secretariat waives alone."""
    return money.to_minor(Decimal(settings.DUES_WAIVER_LIMIT), currency)


def waiver_amount_minor(amount, currency: str) -> int:
    """A waiver's ``amount`` in minor units, checked as ``waiver_grant`` checks it (``DuesError``)."""
    return _amount_minor(amount, currency)


# --- payments --------------------------------------------------------------------------------------


def _amount_minor(amount, currency: str) -> int:
    """``amount`` in whole minor units of ``currency``; refused unless a positive amount that is a
    whole number of them."""
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise DuesError(DuesErrorCode.INVALID, _("Enter the amount as a number.")) from None
    if not amount.is_finite() or amount <= 0:
        raise DuesError(DuesErrorCode.INVALID, _("The amount must be more than zero."))
    if amount >= MAX_AMOUNT:
        raise DuesError(DuesErrorCode.INVALID, _("The amount is too large."))
    if not money.has_minor_precision(amount, currency):
        raise DuesError(
            DuesErrorCode.INVALID,
            _("%(currency)s amounts have at most %(digits)s decimal places.")
            % {"currency": currency, "digits": money.minor_digits(currency)},
        )
    return money.to_minor(amount, currency)


def payment_value_minor(amount: Decimal, currency: str, rate: Decimal | None) -> int:
    """What a payment is worth in the ledger's currency (minor units): refused when it is not a
    positive amount, or in another currency without a positive exchange rate (units of the ledger's
    currency per unit paid); converted amounts are rounded halves up."""
    ledger = money.ledger_currency()
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise DuesError(DuesErrorCode.INVALID, _("Give the currency as its three-letter ISO code, e.g. EUR."))
    paid_minor = _amount_minor(amount, currency)
    if currency == ledger:
        if rate is not None and Decimal(rate) != 1:
            raise DuesError(
                DuesErrorCode.INVALID, _("A payment in the dues currency takes no exchange rate.")
            )
        return paid_minor
    if rate is None:
        raise DuesError(
            DuesErrorCode.INVALID,
            _("A payment in %(currency)s needs the exchange rate to %(ledger)s.")
            % {"currency": currency, "ledger": ledger},
        )
    try:
        rate = Decimal(rate)
    except (InvalidOperation, TypeError, ValueError):
        raise DuesError(DuesErrorCode.INVALID, _("Enter the exchange rate as a number.")) from None
    if not rate.is_finite() or rate <= 0:
        raise DuesError(DuesErrorCode.INVALID, _("The exchange rate must be more than zero."))
    if rate >= MAX_RATE or rate != rate.quantize(Decimal("1E-8")):
        raise DuesError(DuesErrorCode.INVALID, _("The exchange rate has at most 8 decimal places."))
    value = money.to_minor(Decimal(amount) * rate, ledger)
    if value <= 0:
        raise DuesError(
            DuesErrorCode.INVALID, _("At this rate the payment is worth nothing in the dues currency.")
        )
    return value


@transaction.atomic
def payment_record(
    *,
    membership: Membership,
    actor,
    paid_on: datetime.date,
    amount: Decimal,
    currency: str,
    method: str,
    reference: str,
    rate: Decimal | None = None,
    invoice: Invoice | None = None,
    note: str = "",
    token: uuid.UUID | None = None,
    on: datetime.date | None = None,
) -> Payment:
    """Record money received from ``membership``'s union and allocate it.

    Lock the membership; refuse a wrong amount, currency or rate (``payment_value_minor``), a day
    after ``on``, a missing reference or method, the same reference on the same day twice (someone
    recorded it first), a closed account (an ended membership with nothing open), more than is
    open on ``invoice`` (when named) or, for an ended membership, on the account; save the payment;
    allocate it to ``invoice`` if named, else to the oldest open invoices first; what is left is
    the union's credit, applied to its next invoice; publish the union's directory entry.

    ``token`` is the recording form's one-time token: a second payment with the same token (the
    form sent twice, by a double click or by two people from one page) is refused as a conflict.
    """
    on = on or today()
    membership = _lock(membership)
    if token is not None and Payment.objects.filter(token=token).exists():
        raise DuesError(
            DuesErrorCode.CONFLICT, _("This form was already sent: the payment is recorded once.")
        )
    value = payment_value_minor(amount, currency, rate)
    reference = (reference or "").strip()
    if paid_on > on:
        raise DuesError(DuesErrorCode.INVALID, _("A payment cannot be dated after today."))
    if not reference:
        raise DuesError(
            DuesErrorCode.INVALID, _("Give the payment's reference (bank reference, receipt number).")
        )
    if method not in PaymentMethod.values:
        raise DuesError(DuesErrorCode.INVALID, _("Choose bank transfer, cash or other as the method."))
    if Payment.objects.filter(
        membership=membership, paid_on=paid_on, reference=reference, reverses=None
    ).exists():
        raise DuesError(
            DuesErrorCode.CONFLICT, _("A payment with this reference on this day is already recorded.")
        )
    _check_payable(membership, value, invoice, on)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                membership=membership,
                paid_on=paid_on,
                amount=Decimal(amount),
                currency=currency,
                rate=None if currency == money.ledger_currency() else Decimal(rate),
                amount_minor=value,
                method=method,
                reference=reference,
                note=note,
                token=token,
                booked_on=on,
                created_by=actor,
            )
    except IntegrityError:  # the lock above makes this a backstop only
        raise DuesError(
            DuesErrorCode.CONFLICT, _("A payment with this reference on this day is already recorded.")
        ) from None
    if invoice is not None:
        Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=value, booked_on=on)
    _apply_credit(membership, on)
    feed.publish(membership.organization_id)  # may restore good standing
    return payment


def _check_payable(membership: Membership, value: int, invoice: Invoice | None, on: datetime.date) -> None:
    if is_membership_closed(membership, on):
        raise DuesError(
            DuesErrorCode.NOT_ALLOWED,
            _("This membership has ended and nothing is open on its account: no payment can be recorded."),
        )
    if invoice is not None:
        if invoice.membership_id != membership.pk:
            raise DuesError(DuesErrorCode.INVALID, _("This invoice is another union's."))
        if value > _open_minor(invoice, on):
            raise DuesError(DuesErrorCode.NOT_ALLOWED, _("The payment is more than is open on this invoice."))
    elif membership.ended_on is not None and membership.ended_on <= on:
        open_total = (
            invoices_with_open_amount(on).filter(membership=membership).aggregate(t=Sum("open_minor"))["t"]
            or 0
        )
        if value > open_total:
            raise DuesError(
                DuesErrorCode.NOT_ALLOWED,
                _("This membership has ended: the payment is more than is open on its account."),
            )


@transaction.atomic
def payment_reverse(*, payment: Payment, actor, reason: str, on: datetime.date | None = None) -> Payment:
    """Undo a mistaken payment by a counter-entry, never an edit.

    Lock the membership; refuse a reversal of a reversal, a second reversal, no reason; save the
    reversal (the payment's amounts negated) and take back each of the payment's allocations by a
    negative one; the invoices reopened take the union's other credit, oldest first; publish the
    union's directory entry.
    """
    on = on or today()
    membership = _lock(payment.membership)
    payment = Payment.objects.get(pk=payment.pk)
    if payment.reverses_id is not None:
        raise DuesError(DuesErrorCode.NOT_ALLOWED, _("A reversal cannot itself be reversed."))
    if Payment.objects.filter(reverses=payment).exists():
        raise DuesError(DuesErrorCode.CONFLICT, _("This payment is already reversed."))
    if not reason.strip():
        raise DuesError(DuesErrorCode.INVALID, _("Give the reason for reversing this payment."))
    reversal = Payment.objects.create(
        membership=membership,
        reverses=payment,
        paid_on=payment.paid_on,
        amount=-payment.amount,
        currency=payment.currency,
        rate=payment.rate,
        amount_minor=-payment.amount_minor,
        method=payment.method,
        reference=payment.reference,
        note=reason.strip(),
        booked_on=on,
        created_by=actor,
    )
    allocated = payment.allocations.order_by("invoice").values("invoice").annotate(total=Sum("amount_minor"))
    Allocation.objects.bulk_create(
        Allocation(payment=reversal, invoice_id=row["invoice"], amount_minor=-row["total"], booked_on=on)
        for row in allocated
        if row["total"]
    )
    _apply_credit(membership, on)
    feed.publish(membership.organization_id)  # may cost good standing
    return reversal


def allocate(credits: list[int], needs: list[int]) -> list[tuple[int, int, int]]:
    """Oldest first: ``credits`` (what each payment has unallocated, oldest first) to ``needs`` (what
    is open on each invoice, oldest first), as far as both go. Returns ``(credit index, need
    index, amount)`` in order. Pure, hence deterministic: the same amounts give the same answer."""
    left = list(credits)
    taken, source = [], 0
    for target, need in enumerate(needs):
        while need > 0 and source < len(left):
            take = min(need, left[source])
            if take > 0:
                taken.append((source, target, take))
            need -= take
            left[source] -= take
            if left[source] <= 0:
                source += 1
    return taken


def _apply_credit(membership: Membership, on: datetime.date) -> list[Allocation]:
    """Allocate the union's unallocated payments (oldest first) to its open invoices (oldest
    first), as far as both go (``allocate``)."""
    sources = [
        (payment, payment.amount_minor - (payment.allocated or 0))
        for payment in Payment.objects.filter(membership=membership, reverses=None, reversal=None)
        .annotate(allocated=Sum("allocations__amount_minor"))
        .order_by("booked_on", "paid_on", "pk")
    ]
    sources = [source for source in sources if source[1] > 0]
    if not sources:
        return []
    invoices = list(
        invoices_with_open_amount(on)
        .filter(membership=membership, open_minor__gt=0)
        .order_by("issued_on", "year", "seq")
    )
    taken = allocate([left for _payment, left in sources], [invoice.open_minor for invoice in invoices])
    return Allocation.objects.bulk_create(
        Allocation(payment=sources[s][0], invoice=invoices[i], amount_minor=amount, booked_on=on)
        for s, i, amount in taken
    )
