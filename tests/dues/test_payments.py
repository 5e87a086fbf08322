import datetime
from decimal import Decimal

import pytest

from dues import services
from dues.errors import DuesError
from dues.models import Allocation, Payment
from dues.selectors import ledger_totals, statement
from tests.dues.ledger import JAN_1, YEAR, day, member, schedule
from tests.factories import secretariat_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return secretariat_user()


def pay(membership, staff, amount, *, on, reference=None, **kwargs):
    options = {"currency": "EUR", "method": "bank_transfer", "paid_on": on, **kwargs}
    return services.payment_record(
        membership=membership,
        actor=staff,
        amount=Decimal(amount),
        reference=reference or f"R-{amount}-{on}",
        on=on,
        **options,
    )


def two_invoices(membership):
    schedule(year=YEAR - 1, from_0="100.00")
    schedule(year=YEAR, from_0="300.00")
    old = services.invoice_create(membership=membership, year=YEAR - 1, on=datetime.date(YEAR - 1, 1, 1))
    new = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    return old, new


def test_a_payment_settles_the_oldest_open_invoice_first_then_the_next(staff):
    membership = member()
    old, new = two_invoices(membership)

    pay(membership, staff, "250.00", on=day(3))

    account = statement(membership, day(3))
    assert [(i.number, i.open_minor) for i in account.invoices] == [(old.number, 0), (new.number, 15000)]
    assert account.open_minor == 15000


def test_partial_payments_add_up_and_an_overpayment_is_a_credit_for_the_next_invoice(staff):
    membership = member()
    schedule(year=YEAR, from_0="300.00")
    schedule(year=YEAR + 1, from_0="300.00")
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    pay(membership, staff, "100.00", on=day(1))
    pay(membership, staff, "250.00", on=day(2))

    assert statement(membership, day(2)).open_minor == 0
    assert statement(membership, day(2)).credit_minor == 5000
    nxt = services.invoice_create(membership=membership, year=YEAR + 1, on=datetime.date(YEAR + 1, 1, 1))

    account = statement(membership, datetime.date(YEAR + 1, 1, 1))
    assert [i.open_minor for i in account.invoices] == [0, 25000]
    assert account.credit_minor == 0
    assert invoice.allocations.count() == 2
    assert nxt.allocations.count() == 1


def test_a_foreign_payment_is_converted_at_its_rate_rounded_half_up(staff):
    membership = member()
    schedule(from_0="1000.00")
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    payment = pay(membership, staff, "1000.00", on=day(1), currency="USD", rate=Decimal("0.912345"))

    assert payment.amount_minor == 91235  # 912.345 → 912.35
    assert (payment.currency, payment.rate) == ("USD", Decimal("0.912345"))
    assert statement(membership, day(1)).open_minor == 100000 - 91235


def test_a_reversal_is_a_counter_entry_that_reopens_the_invoice(staff):
    membership = member()
    schedule(from_0="300.00")
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    payment = pay(membership, staff, "300.00", on=day(1))

    reversal = services.payment_reverse(
        payment=payment, actor=staff, reason="Another union's transfer", on=day(4)
    )

    assert Payment.objects.filter(pk=payment.pk, amount_minor=30000).exists()  # never edited
    assert (reversal.reverses, reversal.amount_minor) == (payment, -30000)
    assert statement(membership, day(3)).open_minor == 0  # the past stays as it was
    assert statement(membership, day(4)).open_minor == 30000
    assert sum(a.amount_minor for a in Allocation.objects.all()) == 0
    with pytest.raises(DuesError) as again:
        services.payment_reverse(payment=payment, actor=staff, reason="twice", on=day(5))
    assert again.value.code == "conflict"
    with pytest.raises(DuesError, match="cannot itself be reversed"):
        services.payment_reverse(payment=reversal, actor=staff, reason="undo", on=day(5))


def test_a_reversal_lets_the_other_credit_cover_the_reopened_invoice(staff):
    membership = member()
    schedule(from_0="100.00")
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    wrong = pay(membership, staff, "100.00", on=day(1), reference="A")
    pay(membership, staff, "100.00", on=day(2), reference="B")  # all credit

    services.payment_reverse(payment=wrong, actor=staff, reason="bounced", on=day(3))

    account = statement(membership, day(3))
    assert (account.open_minor, account.credit_minor) == (0, 0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"amount": Decimal("0")}, "more than zero"),
        ({"amount": Decimal("-5")}, "more than zero"),
        ({"amount": Decimal("1.001")}, "at most 2 decimal places"),
        ({"amount": "abc"}, "as a number"),
        ({"amount": Decimal("NaN")}, "more than zero"),
        ({"currency": "USD"}, "needs the exchange rate to EUR"),
        ({"currency": "USD", "rate": Decimal("0")}, "rate must be more than zero"),
        ({"currency": "USD", "rate": Decimal("-1")}, "rate must be more than zero"),
        ({"currency": "USD", "rate": Decimal("0.123456789")}, "at most 8 decimal places"),
        ({"currency": "eur"}, "three-letter ISO code"),
        ({"rate": Decimal("1.1")}, "takes no exchange rate"),
        ({"reference": "  "}, "reference"),
        ({"method": "cheque"}, "bank transfer, cash or other"),
        ({"paid_on": day(30)}, "after today"),
    ],
)
def test_a_wrong_payment_is_refused_with_a_clear_message_and_nothing_written(staff, options, message):
    membership = member()
    schedule()
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    values = {
        "membership": membership,
        "actor": staff,
        "paid_on": day(1),
        "amount": Decimal("10"),
        "currency": "EUR",
        "method": "cash",
        "reference": "R",
        "on": day(1),
        **options,
    }

    with pytest.raises(DuesError, match=message) as refused:
        services.payment_record(**values)

    assert refused.value.code == "invalid"
    assert not Payment.objects.exists()
    assert not Allocation.objects.exists()


def test_the_same_payment_recorded_twice_is_refused_as_a_conflict(staff):
    membership = member()
    schedule()
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    pay(membership, staff, "10.00", on=day(1), reference="BANK-77")

    with pytest.raises(DuesError) as refused:
        pay(membership, secretariat_user(), "10.00", on=day(1), reference="BANK-77")

    assert refused.value.code == "conflict"
    assert Payment.objects.count() == 1


def test_an_ended_membership_with_nothing_open_takes_no_payment(staff):
    membership = member(ended_on=datetime.date(YEAR - 1, 6, 1), state="ended", end_reason="withdrawn")

    with pytest.raises(DuesError, match="has ended and nothing is open") as refused:
        pay(membership, staff, "10.00", on=day(1))

    assert refused.value.code == "not_allowed"


def test_an_ended_membership_may_settle_what_is_open_but_no_more(staff):
    membership = member()
    schedule(from_0="100.00")
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    membership.ended_on, membership.state, membership.end_reason = day(10), "ended", "withdrawn"
    membership.save()

    with pytest.raises(DuesError, match="more than is open on its account"):
        pay(membership, staff, "100.01", on=day(20))
    pay(membership, staff, "100.00", on=day(20))

    assert statement(membership, day(20)).open_minor == 0


def test_a_payment_for_a_named_invoice_cannot_exceed_what_is_open_on_it(staff):
    membership = member()
    old, new = two_invoices(membership)

    with pytest.raises(DuesError, match="more than is open on this invoice") as refused:
        pay(membership, staff, "100.01", on=day(1), invoice=old)
    payment = pay(membership, staff, "300.00", on=day(1), invoice=new)

    assert refused.value.code == "not_allowed"
    assert [(a.invoice, a.amount_minor) for a in payment.allocations.all()] == [(new, 30000)]
    with pytest.raises(DuesError, match="another union"):
        pay(member(), staff, "1.00", on=day(1), invoice=old)


def test_waivers_need_a_reason_and_stay_under_the_limit(settings, staff):
    settings.DUES_WAIVER_LIMIT = 50
    membership = member()
    schedule(from_0="100.00")
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    with pytest.raises(DuesError, match="decision of the Executive Committee"):
        services.waiver_grant(
            invoice=invoice, actor=staff, amount=Decimal("50.01"), reason="Hardship", on=day(1)
        )
    with pytest.raises(DuesError, match="reason"):
        services.waiver_grant(invoice=invoice, actor=staff, amount=Decimal("10"), reason="", on=day(1))
    services.waiver_grant(invoice=invoice, actor=staff, amount=Decimal("50"), reason="Hardship", on=day(1))

    assert statement(membership, day(1)).open_minor == 5000
    totals = ledger_totals()
    assert totals.invoiced - totals.credited - totals.waived - totals.allocated == totals.receivable == 5000
