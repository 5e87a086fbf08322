import datetime
from decimal import Decimal

import pytest

from dues import services, tasks
from dues.errors import DuesError
from dues.models import CreditNote, Invoice, InvoiceCounter
from registry.models import MembershipCategory
from registry.selectors import federation_year, today
from tests.cast import Cast, application_in
from tests.dues.ledger import JAN_1, YEAR, day, member, schedule
from tests.factories import secretariat_user

pytestmark = pytest.mark.django_db


def test_the_year_start_task_invoices_every_member_once_numbered_without_gaps():
    schedule()
    first, second = member(), member()
    ended = member(ended_on=datetime.date(2025, 6, 1), state="ended", end_reason="withdrawn")

    created = services.invoices_issue(on=JAN_1)
    again = services.invoices_issue(on=day(1))

    assert [(i.membership_id, i.number) for i in created] == [
        (first.pk, "2026-0001"),
        (second.pk, "2026-0002"),
    ]
    assert again == []
    assert not Invoice.objects.filter(membership=ended).exists()
    assert InvoiceCounter.objects.get(year=YEAR).last == 2


def test_an_invoice_is_due_dues_due_days_after_issue_in_the_dues_currency(settings):
    settings.DUES_DUE_DAYS = 45
    schedule()
    invoice = services.invoice_create(membership=member(), year=YEAR, on=JAN_1)

    assert invoice.issued_on == JAN_1
    assert invoice.due_on == JAN_1 + datetime.timedelta(days=45)
    assert (invoice.amount, invoice.currency) == (Decimal("1000.00"), "EUR")


def test_invoice_create_is_idempotent():
    schedule()
    membership = member()

    first = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    second = services.invoice_create(membership=membership, year=YEAR, on=day(3))

    assert first.pk == second.pk
    assert Invoice.objects.count() == 1


def test_the_band_of_students_represented_sets_the_amount():
    schedule(from_0="500.00", from_5000="2000.00", from_50000="6000.00")
    small, middle, large, unknown = (
        member(students=4999),
        member(students=5000),
        member(students=80000),
        member(students=None),
    )

    amounts = [
        services.invoice_create(membership=m, year=YEAR, on=JAN_1).amount
        for m in (small, middle, large, unknown)
    ]

    assert amounts == [Decimal("500.00"), Decimal("2000.00"), Decimal("6000.00"), Decimal("500.00")]


def test_no_invoice_without_a_rate_for_the_category():
    schedule(category=MembershipCategory.FULL)
    observer = member(category=MembershipCategory.OBSERVER)

    assert services.invoice_create(membership=observer, year=YEAR, on=JAN_1) is None
    assert not InvoiceCounter.objects.filter(last__gt=0).exists()


def test_a_union_admitted_during_the_year_pays_in_full_by_default():
    schedule(from_0="1000.00")
    membership = member(admitted_on=datetime.date(YEAR, 7, 1))

    invoice = services.invoice_create(membership=membership, year=YEAR, on=datetime.date(YEAR, 7, 1))

    assert (invoice.amount, invoice.pro_rata) == (Decimal("1000.00"), False)


def test_pro_rata_charges_the_days_left_rounded_half_up(settings):
    settings.DUES_PRO_RATA = True
    schedule(from_0="1000.00")
    membership = member(admitted_on=datetime.date(YEAR, 7, 1))  # 184 of 365 days left

    invoice = services.invoice_create(membership=membership, year=YEAR, on=datetime.date(YEAR, 7, 1))

    # 100000 * 184 / 365 = 50410.958… cents → 504.11
    assert (invoice.amount, invoice.pro_rata) == (Decimal("504.11"), True)
    assert services.pro_rata_minor(1, year=YEAR, admitted_on=datetime.date(YEAR, 7, 3)) == 0  # 0.4986… → 0
    assert services.pro_rata_minor(1, year=YEAR, admitted_on=datetime.date(YEAR, 7, 2)) == 1  # 0.5014… → 1


def test_admission_during_the_year_invoices_the_new_member(settings):
    schedule(year=federation_year(today()))
    cast = Cast.create()

    application = application_in("admitted", cast)

    invoice = Invoice.objects.get(membership=application.membership)
    assert invoice.number.endswith("-0001")
    assert invoice.issued_on == application.membership.admitted_on


def test_admission_without_a_schedule_creates_no_invoice():
    cast = Cast.create()

    application = application_in("admitted", cast)

    assert application.membership is not None
    assert not Invoice.objects.exists()


def test_a_union_that_is_not_a_member_on_the_day_is_not_invoiced():
    schedule()
    ended = member(ended_on=datetime.date(2025, 6, 1), state="ended", end_reason="withdrawn")

    with pytest.raises(DuesError) as refused:
        services.invoice_create(membership=ended, year=YEAR, on=JAN_1)

    assert refused.value.code == "not_allowed"
    assert not Invoice.objects.exists()


def test_cancelling_writes_a_credit_note_for_what_is_open_and_deletes_nothing():
    schedule(from_0="300.00")
    membership = member()
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    staff = secretariat_user()
    services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=day(2),
        amount=Decimal("100"),
        currency="EUR",
        method="bank_transfer",
        reference="TX-1",
        on=day(2),
    )

    note = services.invoice_cancel(invoice=invoice, actor=staff, reason="Invoiced in error", on=day(5))

    assert note.amount_minor == 20000
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    with pytest.raises(DuesError) as again:
        services.invoice_cancel(invoice=invoice, actor=staff, reason="twice", on=day(6))
    assert again.value.code == "conflict"
    assert CreditNote.objects.count() == 1


def test_cancelling_needs_a_reason_and_something_open():
    schedule(from_0="100.00")
    membership = member()
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    staff = secretariat_user()

    with pytest.raises(DuesError, match="reason"):
        services.invoice_cancel(invoice=invoice, actor=staff, reason="  ", on=day(1))
    services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=day(2),
        amount=Decimal("100"),
        currency="EUR",
        method="cash",
        reference="R-1",
        on=day(2),
    )
    with pytest.raises(DuesError, match="Nothing is open"):
        services.invoice_cancel(invoice=invoice, actor=staff, reason="late", on=day(3))


def test_ledger_rows_cannot_be_deleted():
    from django.db.models import ProtectedError

    schedule()
    membership = member()
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    with pytest.raises(ProtectedError):
        membership.delete()


def test_the_beat_task_issues_the_current_year_invoices(settings):
    schedule(year=federation_year(today()))
    membership = member()

    assert tasks.invoices_issue() == 1
    assert tasks.invoices_issue() == 0
    assert Invoice.objects.get().membership == membership
    assert settings.CELERY_BEAT_SCHEDULE["dues-invoices-issue"]["task"] == "dues.tasks.invoices_issue"
