"""Generated ledgers: whatever the order of invoices, payments, waivers, cancellations and reversals,
the books reconcile, allocation is deterministic, and standing on every day equals a reference
computed in Python from the rows alone."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dues import services
from dues.errors import DuesError
from dues.models import Allocation, CreditNote, Invoice, Payment, Waiver
from dues.selectors import Standing, arrears_after, financial_standing, ledger_totals, statement
from registry.selectors import in_good_standing
from tests.dues.ledger import member, schedule
from tests.factories import secretariat_user

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 1, 1)
YEARS = (2024, 2025, 2026)

actions = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "pay", "pay", "waive", "cancel", "reverse"]),
        st.integers(0, 2),  # which union
        st.integers(1, 60000),  # an amount in cents
        st.integers(1, 40),  # days since the previous action
    ),
    max_size=14,
)


def run(history, staff, unions) -> None:
    on, refs = START, 0
    for kind, who, cents, step in history:
        on += datetime.timedelta(days=step)
        membership = unions[who]
        amount = Decimal(cents) / 100
        invoices = list(Invoice.objects.filter(membership=membership).order_by("pk"))
        try:
            if kind == "invoice":
                year = next(
                    (y for y in YEARS if y <= on.year and not membership.invoices.filter(year=y).exists()),
                    None,
                )
                if year is not None:
                    services.invoice_create(membership=membership, year=year, on=on)
            elif kind == "pay":
                refs += 1
                services.payment_record(
                    membership=membership,
                    actor=staff,
                    paid_on=on,
                    amount=amount,
                    currency="EUR",
                    method="bank_transfer",
                    reference=f"R{refs}",
                    on=on,
                )
            elif kind == "waive" and invoices:
                services.waiver_grant(
                    invoice=invoices[cents % len(invoices)], actor=staff, amount=amount, reason="r", on=on
                )
            elif kind == "cancel" and invoices:
                services.invoice_cancel(
                    invoice=invoices[cents % len(invoices)], actor=staff, reason="r", on=on
                )
            elif kind == "reverse":
                payments = list(Payment.objects.filter(membership=membership, reverses=None).order_by("pk"))
                if payments:
                    services.payment_reverse(
                        payment=payments[cents % len(payments)], actor=staff, reason="r", on=on
                    )
        except DuesError:
            pass  # refusals are part of the story: they must leave the books as they were


class Books:
    """Every ledger row, read once: the reference computes from these in Python."""

    def __init__(self):
        self.invoices = list(Invoice.objects.all())
        self.taken = [
            (row.invoice_id, row.booked_on, row.amount_minor)
            for model in (CreditNote, Waiver, Allocation)
            for row in model.objects.all()
        ]

    def open_on(self, invoice: Invoice, on: datetime.date) -> int:
        """What is open on ``invoice`` at the end of ``on``."""
        return invoice.amount_minor - sum(
            a for i, booked, a in self.taken if i == invoice.pk and booked <= on
        )

    def standing(self, membership, on: datetime.date) -> Standing:
        worst, order = Standing.SETTLED, list(Standing)
        for invoice in self.invoices:
            if (
                invoice.membership_id != membership.pk
                or invoice.issued_on > on
                or self.open_on(invoice, on) <= 0
            ):
                continue
            if on <= invoice.due_on:
                state = Standing.DUE
            elif on < invoice.due_on + datetime.timedelta(days=31):  # DUES_GRACE_DAYS = 30
                state = Standing.OVERDUE
            else:
                state = Standing.ARREARS
            worst = max(worst, state, key=order.index)
        return worst


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=actions)
def test_generated_ledgers_reconcile_and_standing_matches_the_reference(django_db_setup, history):
    from django.conf import settings as django_settings
    from django.db import transaction

    assert django_settings.DUES_GRACE_DAYS == 30
    assert arrears_after(START) == START + datetime.timedelta(days=31)
    with transaction.atomic():
        for year in YEARS:
            schedule(year=year, from_0="400.00")
        staff = secretariat_user()
        unions = [member(admitted_on=datetime.date(2023, 1, 1)) for _ in range(3)]
        django_settings.RETURN_DUE_DAYS = 365
        try:
            with mock.patch("dues.services.feed.publish"):  # the feed is tested in test_standing
                run(history, staff, unions)
            check(unions)
        finally:
            django_settings.RETURN_DUE_DAYS = 90
            transaction.set_rollback(True)


def check(unions) -> None:
    totals = ledger_totals()
    # sum of invoices - credits - payments - waivers = receivables - credit balance
    assert (
        totals.invoiced - totals.credited - totals.paid - totals.waived == totals.receivable - totals.credit
    )
    assert totals.invoiced - totals.credited - totals.waived - totals.allocated == totals.receivable
    books = Books()
    for invoice in books.invoices:
        assert 0 <= books.open_on(invoice, datetime.date.max) <= invoice.amount_minor
    for payment in Payment.objects.filter(reverses=None):
        allocated = sum(a.amount_minor for a in payment.allocations.all())
        assert 0 <= allocated <= payment.amount_minor  # never beyond the payment
    days = [START + datetime.timedelta(days=n) for n in range(0, 600, 23)]
    for membership in unions:
        account = statement(membership, datetime.date.max)
        assert account.credit_minor >= 0
        assert (
            account.credit_minor == 0 or account.open_minor == 0
        )  # credit never sits beside an open invoice
        for on in days:
            expected = books.standing(membership, on)
            assert financial_standing(membership, on) == expected
            assert in_good_standing(membership, on) == (expected != Standing.ARREARS)


def test_allocation_is_deterministic(db):
    """The same history replayed gives the same allocations, oldest invoice first."""
    staff = secretariat_user()
    for year in YEARS:
        schedule(year=year, from_0="100.00")
    history = [("invoice", 0, 1, 1), ("invoice", 0, 1, 400), ("pay", 0, 15000, 2), ("pay", 0, 7000, 3)]
    results = []
    for _ in range(2):
        union = member(admitted_on=datetime.date(2023, 1, 1))
        run(history, staff, [union])
        results.append(
            [
                (a.invoice.year, a.amount_minor, a.payment.amount_minor)
                for a in Allocation.objects.filter(invoice__membership=union).order_by("pk")
            ]
        )
    assert results[0] == results[1] == [(2024, 10000, 15000), (2025, 5000, 15000), (2025, 5000, 7000)]
