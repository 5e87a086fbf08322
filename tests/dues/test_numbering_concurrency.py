"""Twenty invoices created at once on PostgreSQL are numbered 1..20: no gap, no duplicate, even
with creations that roll back in between."""

import threading

import pytest
from django.db import connection, transaction

from dues import services
from dues.models import Invoice, InvoiceCounter
from tests.dues.ledger import JAN_1, YEAR, member, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Undo(Exception):
    pass


def test_twenty_concurrent_invoice_creations_leave_no_gap_and_no_duplicate():
    schedule()
    members = [member() for _ in range(24)]
    barrier = threading.Barrier(len(members))
    failures: list[BaseException] = []

    def create(number: int) -> None:
        try:
            barrier.wait()
            if number >= 20:  # four creations that roll back after taking a number
                try:
                    with transaction.atomic():
                        services.invoice_create(membership=members[number], year=YEAR, on=JAN_1)
                        raise Undo
                except Undo:
                    pass
            else:
                services.invoice_create(membership=members[number], year=YEAR, on=JAN_1)
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(len(members))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"{YEAR}-{n:04d}" for n in range(1, 21)]
    assert InvoiceCounter.objects.get(year=YEAR).last == 20
    assert sorted(Invoice.objects.values_list("membership_id", flat=True)) == sorted(
        m.pk for m in members[:20]
    )


def test_the_same_payment_recorded_by_two_people_at_once_is_recorded_once():
    from decimal import Decimal

    from dues.errors import DuesError
    from dues.models import Payment
    from tests.factories import secretariat_user

    schedule()
    union = member()
    services.invoice_create(membership=union, year=YEAR, on=JAN_1)
    people = [secretariat_user(), secretariat_user()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record(person) -> None:
        try:
            barrier.wait()
            services.payment_record(
                membership=union,
                actor=person,
                paid_on=JAN_1,
                amount=Decimal("100"),
                currency="EUR",
                method="bank_transfer",
                reference="SAME-REF",
                on=JAN_1,
            )
            outcomes.append("recorded")
        except DuesError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "recorded"]
    assert Payment.objects.count() == 1


def test_one_payment_form_sent_twice_at_once_records_one_payment():
    """The form's token decides even when the two submissions differ (a reference corrected
    between two clicks): the membership's lock orders them, the second sees the first's token."""
    import uuid
    from decimal import Decimal

    from dues.errors import DuesError
    from dues.models import Payment
    from tests.factories import secretariat_user

    schedule()
    union = member()
    services.invoice_create(membership=union, year=YEAR, on=JAN_1)
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record(reference: str) -> None:
        try:
            barrier.wait()
            services.payment_record(
                membership=union,
                actor=secretariat_user(),
                paid_on=JAN_1,
                amount=Decimal("100"),
                currency="EUR",
                method="bank_transfer",
                reference=reference,
                token=token,
                on=JAN_1,
            )
            outcomes.append("recorded")
        except DuesError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(ref,)) for ref in ("REF-A", "REF-B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "recorded"]
    assert Payment.objects.get().token == token


def test_one_waiver_form_sent_twice_at_once_records_one_waiver():
    """As for a payment: the membership's lock orders the two, the second sees the first's token."""
    import uuid
    from decimal import Decimal

    from dues.errors import DuesError
    from dues.models import Waiver
    from tests.factories import secretariat_user

    schedule()
    union = member()
    invoice = services.invoice_create(membership=union, year=YEAR, on=JAN_1)
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def grant(amount: str) -> None:
        try:
            barrier.wait()
            services.waiver_grant(
                invoice=invoice,
                actor=secretariat_user(),
                amount=Decimal(amount),
                reason="Hardship",
                token=token,
                on=JAN_1,
            )
            outcomes.append("granted")
        except DuesError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant, args=(amount,)) for amount in ("50", "60")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "granted"]
    assert Waiver.objects.get().token == token
