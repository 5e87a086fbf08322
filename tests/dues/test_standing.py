import datetime
from decimal import Decimal

import pytest

from dues import services
from dues.selectors import Standing, financial_standing
from registry import feed
from registry.models import DirectoryEvent
from registry.selectors import affiliate_list, federation_year, in_good_standing, today
from tests.dues.ledger import JAN_1, YEAR, day, member, schedule
from tests.factories import secretariat_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _returns_never_due(settings):
    settings.RETURN_DUE_DAYS = 365  # standing here depends on dues only
    settings.DUES_DUE_DAYS = 60
    settings.DUES_GRACE_DAYS = 30


def test_an_open_invoice_is_due_then_overdue_then_in_arrears():
    schedule()
    membership = member()
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)  # due 2 March (day 60)

    assert financial_standing(membership, day(-1)) == Standing.SETTLED  # not issued yet
    assert financial_standing(membership, day(60)) == Standing.DUE
    assert financial_standing(membership, day(61)) == Standing.OVERDUE
    assert financial_standing(membership, day(90)) == Standing.OVERDUE
    assert financial_standing(membership, day(91)) == Standing.ARREARS


def test_arrears_cost_good_standing_and_a_payment_restores_it_from_its_booking_day():
    schedule(from_0="200.00")
    membership = member()
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=day(95),
        amount=Decimal("150"),
        currency="EUR",
        method="bank_transfer",
        reference="T1",
        on=day(100),
    )

    assert in_good_standing(membership, day(90))
    assert not in_good_standing(membership, day(91))
    assert not in_good_standing(membership, day(120))  # partly paid: still in arrears
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=day(130),
        amount=Decimal("50"),
        currency="EUR",
        method="cash",
        reference="T2",
        on=day(130),
    )
    assert not in_good_standing(membership, day(129))  # the past does not change
    assert in_good_standing(membership, day(130))
    assert financial_standing(membership, day(130)) == Standing.SETTLED


def test_a_union_without_invoices_keeps_its_good_standing():
    schedule()
    membership = member()

    assert in_good_standing(membership, day(200))
    assert financial_standing(membership, day(200)) == Standing.SETTLED


def test_a_credit_note_or_a_waiver_clears_arrears(settings):
    schedule(from_0="80.00")
    cancelled, waived = member(), member()
    staff = secretariat_user()
    for membership in (cancelled, waived):
        services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    services.invoice_cancel(
        invoice=cancelled.invoices.get(), actor=staff, reason="Union dissolved its branch", on=day(100)
    )
    services.waiver_grant(
        invoice=waived.invoices.get(), actor=staff, amount=Decimal("80"), reason="Flood", on=day(100)
    )

    for membership in (cancelled, waived):
        assert not in_good_standing(membership, day(99))
        assert in_good_standing(membership, day(100))


def test_the_directory_and_the_feed_follow_the_standing_in_arrears():
    on = today() - datetime.timedelta(days=100)
    schedule(year=federation_year(on), from_0="100.00")
    membership = member()
    feed.publish_all()
    services.invoice_create(membership=membership, year=federation_year(on), on=on)

    assert not affiliate_list().get(pk=membership.organization_id).in_good_standing
    swept = feed.publish_all()
    assert [(e.changed, e.entry["in_good_standing"]) for e in swept] == [(["in_good_standing"], False)]
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=today(),
        amount=Decimal("100"),
        currency="EUR",
        method="bank_transfer",
        reference="LATE",
        on=today(),
    )
    last = DirectoryEvent.objects.order_by("-seq").first()
    assert (last.changed, last.entry["in_good_standing"]) == (["in_good_standing"], True)
    assert affiliate_list().get(pk=membership.organization_id).in_good_standing
