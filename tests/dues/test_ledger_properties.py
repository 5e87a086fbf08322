"""Generated ledgers: whatever the order of invoices, payments, waivers, cancellations and reversals,
the books reconcile, allocation is deterministic, and standing on every day equals a reference
computed in Python from the rows alone.

Each property runs 1,000 generated histories. The schedule, the secretariat user and the three
unions are made once per test; each history runs in a savepoint rolled back at its end, so an
example costs only its own entries and checks.
"""

import datetime
from decimal import Decimal
from typing import NamedTuple
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dues import services
from dues.errors import DuesError
from dues.models import Allocation, CreditNote, Invoice, Payment, Waiver
from dues.selectors import (
    Standing,
    arrears_after,
    invoice_standing,
    ledger_totals,
    memberships_with_accounts,
    statement,
    worst_standing,
)
from registry.models import Membership, YearlyReturn
from registry.selectors import good_standing_q, year_start
from tests.dues.ledger import member, schedule
from tests.factories import secretariat_user

pytestmark = [pytest.mark.django_db, pytest.mark.properties]

START = datetime.date(2024, 1, 1)
YEARS = (2024, 2025, 2026)
EXAMPLES = 1000

# Shared by every example of a test (made once, rolled back with the test): hence the health check.
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

actions = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "pay", "pay", "waive", "cancel", "reverse"]),
        st.integers(0, 2),  # which union
        st.integers(1, 60000),  # an amount in cents
        st.one_of(st.integers(1, 40), st.integers(41, 400)),  # days since the previous action
    ),
    max_size=14,
)


class World(NamedTuple):
    staff: object
    unions: list[Membership]


@pytest.fixture
def world(db) -> World:
    """Three unions members since 2023 and a schedule for each year; each union filed each year's
    return on its first day, so good standing turns on dues alone; the directory's feed is not in
    question (tested in test_standing)."""
    assert django_settings.DUES_GRACE_DAYS == 30
    assert arrears_after(START) == START + datetime.timedelta(days=31)
    for year in YEARS:
        schedule(year=year, from_0="400.00")
    staff = secretariat_user()
    unions = [member(admitted_on=datetime.date(2023, 1, 1)) for _ in range(3)]
    YearlyReturn.objects.bulk_create(
        YearlyReturn(
            membership=union,
            year=year,
            filed_at=datetime.datetime.combine(year_start(year), datetime.time(), tzinfo=datetime.UTC),
        )
        for union in unions
        for year in range(START.year, START.year + 5)  # every day looked up
    )
    with mock.patch("dues.services.feed.publish"):
        yield World(staff, unions)


def run(history, staff, unions) -> None:
    """Play ``history`` through the services, one action a day or more after the previous one. The
    invoices and payments to choose from are kept here, in the order made (as their ``pk``)."""
    on, refs = START, 0
    invoices: dict[int, list[Invoice]] = {who: [] for who in range(len(unions))}
    payments: dict[int, list[Payment]] = {who: [] for who in range(len(unions))}
    for kind, who, cents, step in history:
        on += datetime.timedelta(days=step)
        membership, mine = unions[who], invoices[who]
        amount = Decimal(cents) / 100
        try:
            if kind == "invoice":
                if len(mine) < len(YEARS) and YEARS[len(mine)] <= on.year:
                    mine.append(services.invoice_create(membership=membership, year=YEARS[len(mine)], on=on))
            elif kind == "pay":
                refs += 1
                payment = services.payment_record(
                    membership=membership,
                    actor=staff,
                    paid_on=on,
                    amount=amount,
                    currency="EUR",
                    method="bank_transfer",
                    reference=f"R{refs}",
                    on=on,
                )
                payments[who].append(payment)
            elif kind == "waive" and mine:
                services.waiver_grant(
                    invoice=mine[cents % len(mine)], actor=staff, amount=amount, reason="r", on=on
                )
            elif kind == "cancel" and mine:
                services.invoice_cancel(invoice=mine[cents % len(mine)], actor=staff, reason="r", on=on)
            elif kind == "reverse" and payments[who]:
                chosen = payments[who][cents % len(payments[who])]
                services.payment_reverse(payment=chosen, actor=staff, reason="r", on=on)
        except DuesError:
            pass  # refusals are part of the story: they must leave the books as they were


def rolled_back(function):
    """``function()`` in a savepoint undone afterwards: the next example starts from the same books."""
    with transaction.atomic():
        try:
            return function()
        finally:
            transaction.set_rollback(True)


class Books:
    """Every ledger row, read once: the reference computes from these in Python."""

    def __init__(self):
        self.invoices = list(Invoice.objects.all())
        self.taken = [
            (row.invoice_id, row.booked_on, row.amount_minor)
            for model in (CreditNote, Waiver, Allocation)
            for row in model.objects.all()
        ]
        self.allocated = [
            (row[0], row[1]) for row in Allocation.objects.values_list("payment_id", "amount_minor")
        ]
        self.payments = list(Payment.objects.filter(reverses=None).values_list("pk", "amount_minor"))

    def open_on(self, invoice: Invoice, on: datetime.date) -> int:
        """What is open on ``invoice`` at the end of ``on``."""
        return invoice.amount_minor - sum(
            a for i, booked, a in self.taken if i == invoice.pk and booked <= on
        )

    def standing(self, membership, on: datetime.date) -> Standing:
        """The worst state of the union's invoices open on ``on``, by the statutes' words: due up to
        the due date, overdue after it, in arrears more than 30 days after it."""
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

    def payments_allocated(self) -> list[tuple[int, int]]:
        """Each payment (not a reversal): its amount and what it gave the invoices."""
        given: dict[int, int] = {}
        for payment_id, amount in self.allocated:
            given[payment_id] = given.get(payment_id, 0) + amount
        return [(amount, given.get(pk, 0)) for pk, amount in self.payments]

    def turning_days(self) -> list[datetime.date]:
        """Every day on which some union's standing may change: an invoice issued, a day after its
        due date, its first day in arrears, an entry booked. Between two of them nothing the
        reference reads changes, so checking these days checks every day."""
        days = {START}
        for invoice in self.invoices:
            days |= {
                invoice.issued_on,
                invoice.due_on + datetime.timedelta(days=1),
                invoice.due_on + datetime.timedelta(days=31),
            }
        days |= {booked for _i, booked, _a in self.taken}
        return sorted(days)


@PROPERTY
@given(history=actions, looked_up=st.integers(0, 1500), who=st.integers(0, 2))
@example(history=[], looked_up=365, who=0)  # 31 December of a leap year: the return is still filed
def test_generated_ledgers_reconcile_allocate_as_the_reference_and_stand_as_the_reference(
    world, history, looked_up, who
):
    def check() -> None:
        run(history, world.staff, world.unions)
        assert allocations(world.unions) == expected_allocations(history)
        books = Books()
        reconciles(books)
        standing_matches(books, world.unions, START + datetime.timedelta(days=looked_up), world.unions[who])

    rolled_back(check)


def reconciles(books: "Books") -> None:
    totals = ledger_totals()
    # sum of invoices - credits - payments - waivers = receivables - credit balance
    assert (
        totals.invoiced - totals.credited - totals.paid - totals.waived == totals.receivable - totals.credit
    )
    assert totals.invoiced - totals.credited - totals.waived - totals.allocated == totals.receivable
    assert totals.credit >= 0
    assert totals.invoiced == sum(i.amount_minor for i in books.invoices)
    assert totals.receivable == sum(books.open_on(i, datetime.date.max) for i in books.invoices)
    for invoice in books.invoices:
        assert 0 <= books.open_on(invoice, datetime.date.max) <= invoice.amount_minor
    for payment, allocated in books.payments_allocated():
        assert 0 <= allocated <= payment  # never beyond the payment


def standing_matches(books: "Books", unions, on: datetime.date, union) -> None:
    """On every day standing may turn (and the day before), each union's standing as the
    selectors reckon it from its invoices' open amounts equals the reference; on the day drawn,
    the accounts' list and good standing (one query each) and one union's statement, read from
    the database, equal it too; and no union holds credit beside an open invoice."""
    for day in books.turning_days():
        for each in (day - datetime.timedelta(days=1), day):
            for membership in unions:
                mine = [i for i in books.invoices if i.membership_id == membership.pk and i.issued_on <= each]
                reckoned = worst_standing(
                    invoice_standing(due_on=i.due_on, open_minor=books.open_on(i, each), on=each)
                    for i in mine
                )
                assert reckoned == books.standing(membership, each), (membership, each)
    pks = [membership.pk for membership in unions]
    expected = {membership.pk: books.standing(membership, on) for membership in unions}
    accounts = {
        row[0]: row[1:]
        for row in memberships_with_accounts(on)
        .filter(pk__in=pks)
        .values_list("pk", "dues_standing", "dues_open_minor", "dues_credit_minor")
    }
    assert {pk: row[0] for pk, row in accounts.items()} == {pk: s.value for pk, s in expected.items()}
    for pk, (_standing, open_minor, credit_minor) in accounts.items():
        assert open_minor == sum(
            books.open_on(i, on) for i in books.invoices if i.membership_id == pk and i.issued_on <= on
        )
        assert credit_minor >= 0
        assert credit_minor == 0 or open_minor == 0  # credit never sits beside an open invoice
    good = set(Membership.objects.filter(good_standing_q(on), pk__in=pks).values_list("pk", flat=True))
    assert good == {pk for pk, state in expected.items() if state != Standing.ARREARS}
    account = statement(union, on)
    assert account.standing == expected[union.pk]
    assert [i.open_minor for i in account.invoices] == [books.open_on(i, on) for i in account.invoices]


def allocations(unions) -> list[tuple]:
    """The books' allocations in the order made: the union's place, the invoice's year, the
    payment's reference, whether it is a reversal's, the amount and the day."""
    place = {union.pk: who for who, union in enumerate(unions)}
    rows = Allocation.objects.order_by("pk").values_list(
        "invoice__membership_id",
        "invoice__year",
        "payment__reference",
        "payment__reverses_id",
        "amount_minor",
        "booked_on",
    )
    return [
        (place[union], year, ref, reverses is not None, *rest) for union, year, ref, reverses, *rest in rows
    ]


def expected_allocations(history) -> list[tuple]:
    """The allocations ``history`` must make, worked out by hand from the events alone (no row
    read): the ledger's rules replayed on plain numbers. The books matching it for every history
    is allocation being deterministic — the same events in, the same allocations out."""
    on, refs, rows = START, 0, []
    invoices = {who: [] for who in range(3)}  # [year, open, cancelled]
    payments = {who: [] for who in range(3)}  # [reference, unallocated, {invoice: given}, reversed]

    def credit(who):
        for place, invoice in enumerate(invoices[who]):
            for payment in payments[who]:
                take = min(invoice[1], payment[1]) if not payment[3] else 0
                if take > 0:
                    invoice[1] -= take
                    payment[1] -= take
                    payment[2][place] = payment[2].get(place, 0) + take
                    rows.append((who, invoice[0], payment[0], False, take, on))

    for kind, who, cents, step in history:
        on += datetime.timedelta(days=step)
        mine = invoices[who]
        if kind == "invoice" and len(mine) < len(YEARS) and YEARS[len(mine)] <= on.year:
            mine.append([YEARS[len(mine)], 40000, False])
            credit(who)
        elif kind == "pay":
            refs += 1
            payments[who].append([f"R{refs}", cents, {}, False])
            credit(who)
        elif kind == "waive" and mine:
            invoice = mine[cents % len(mine)]
            if cents <= 10000 and cents <= invoice[1]:  # DUES_WAIVER_LIMIT = 100
                invoice[1] -= cents
        elif kind == "cancel" and mine:
            invoice = mine[cents % len(mine)]
            if not invoice[2] and invoice[1] > 0:
                invoice[1], invoice[2] = 0, True
        elif kind == "reverse" and payments[who]:
            payment = payments[who][cents % len(payments[who])]
            if not payment[3]:
                payment[3] = True
                for place, given in sorted(payment[2].items()):
                    mine[place][1] += given
                    rows.append((who, mine[place][0], payment[0], True, -given, on))
                credit(who)
    return rows


# --- allocation -------------------------------------------------------------------------------------------


def allocate_by_the_cent(credits: list[int], needs: list[int]) -> list[tuple[int, int, int]]:
    """The reference: hand out one cent at a time, each to the oldest invoice still open, from the
    oldest payment with money left; then count the cents each payment gave each invoice."""
    left, runs = list(credits), []
    for target, need in enumerate(needs):
        for _cent in range(need):
            source = next((s for s, money in enumerate(left) if money > 0), None)
            if source is None:
                break
            left[source] -= 1
            if runs and runs[-1][:2] == (source, target):
                runs[-1] = (source, target, runs[-1][2] + 1)
            else:
                runs.append((source, target, 1))
    return runs


amounts = st.lists(st.integers(0, 400), max_size=8)


@PROPERTY
@given(credits=amounts, needs=amounts)
def test_allocation_is_deterministic_and_oldest_first(credits, needs):
    """The same amounts in give the same allocations out, the cent-by-cent reference's; what a
    payment gives never exceeds what it has, nor what an invoice takes what is open on it."""
    given_credits, given_needs = list(credits), list(needs)
    first = services.allocate(credits, needs)
    assert services.allocate(given_credits, given_needs) == first
    assert (credits, needs) == (given_credits, given_needs)  # the input is not consumed
    assert first == allocate_by_the_cent(credits, needs)
    assert sum(amount for _s, _t, amount in first) == min(sum(credits), sum(needs))
    for source, credit in enumerate(credits):
        assert sum(a for s, _t, a in first if s == source) <= credit
    for target, need in enumerate(needs):
        assert sum(a for _s, t, a in first if t == target) <= need


def test_allocation_goes_to_the_oldest_open_invoice_first(db):
    staff = secretariat_user()
    for year in YEARS:
        schedule(year=year, from_0="100.00")
    union = member(admitted_on=datetime.date(2023, 1, 1))
    history = [("invoice", 0, 1, 1), ("invoice", 0, 1, 400), ("pay", 0, 15000, 2), ("pay", 0, 7000, 3)]
    with mock.patch("dues.services.feed.publish"):
        run(history, staff, [union])
    assert [
        (a.invoice.year, a.amount_minor, a.payment.amount_minor)
        for a in Allocation.objects.filter(invoice__membership=union).order_by("pk")
    ] == [(2024, 10000, 15000), (2025, 5000, 15000), (2025, 5000, 7000)]
