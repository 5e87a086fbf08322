"""The secretariat's dues pages: the overview of the accounts, a membership's ledger and its forms."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dues import services
from dues.models import CreditNote, DuesRate, Payment, Waiver
from dues.selectors import ledger_totals, statement
from registry.models import EndReason, Region
from registry.selectors import federation_year, today
from tests.dues.ledger import member, schedule
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    RegionFactory,
    applicant_user,
    committee_member,
    reviewer_user,
    secretariat_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages(settings):
    """English messages, two-factor not required (the pages' rules are under test, not the log-in)."""
    settings.OFFICERS_REQUIRE_MFA = False
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return secretariat_user()


@pytest.fixture
def secretariat(client_as, staff):
    return client_as(staff)


def invoiced(amount: str = "300.00", *, on: datetime.date | None = None, region=None):
    """A member union with its invoice of this federation year (issued ``on``, today by default)."""
    on = on or today()
    year = federation_year(on)
    if not DuesRate.objects.filter(year=year).exists():
        schedule(year=year, from_0=amount)
    membership = (
        MembershipFactory(
            admitted_on=datetime.date(2020, 5, 1), organization=OrganizationFactory(region=region)
        )
        if region
        else member()
    )
    return membership, services.invoice_create(membership=membership, year=year, on=on)


def ledger_url(membership) -> str:
    return f"/committee/dues/{membership.pk}/"


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f-]{36})"', html).group(1)


def payment_data(**overrides) -> dict:
    return {
        "action": "payment",
        "paid_on": today().isoformat(),
        "amount": "100.00",
        "currency": "EUR",
        "method": "bank_transfer",
        "reference": "TRF-1",
        "token": str(uuid.uuid4()),
        **overrides,
    }


def waiver_data(invoice, **overrides) -> dict:
    return {
        "action": "waiver",
        "invoice": invoice.pk,
        "amount": "50",
        "reason": "Hardship",
        "token": str(uuid.uuid4()),
        **overrides,
    }


# --- the overview -----------------------------------------------------------------------------------------


def test_the_overview_lists_the_accounts_with_their_standing_and_balance(secretariat, staff):
    due, _invoice = invoiced("300.00")
    paid, _other = invoiced()
    services.payment_record(
        membership=paid,
        actor=staff,
        paid_on=today(),
        amount=Decimal("350.00"),
        currency="EUR",
        method="bank_transfer",
        reference="R-1",
    )

    html = secretariat.get("/committee/dues/").content.decode()

    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    due_row = next(row for row in rows if due.organization.name in row)
    paid_row = next(row for row in rows if paid.organization.name in row)
    assert ">due<" in due_row
    assert "300.00 EUR" in due_row
    assert ">settled<" in paid_row
    assert "-50.00 EUR" in paid_row


def test_the_overview_filters_by_standing_and_by_region(secretariat, staff, settings):
    settings.DUES_DUE_DAYS = settings.DUES_GRACE_DAYS = 0
    europe = RegionFactory(code="europe", name="Europe")
    late, _ = invoiced(on=today() - datetime.timedelta(days=3), region=europe)
    current, _ = invoiced()

    arrears = secretariat.get("/committee/dues/?standing=arrears").content.decode()
    assert late.organization.name in arrears
    assert current.organization.name not in arrears
    due = secretariat.get("/committee/dues/?standing=due").content.decode()
    assert current.organization.name in due
    assert late.organization.name not in due
    in_europe = secretariat.get("/committee/dues/?region=europe").content.decode()
    assert late.organization.name in in_europe
    assert current.organization.name not in in_europe
    assert secretariat.get("/committee/dues/?standing=nonsense&page=99").status_code == 200


def test_the_overview_takes_as_many_queries_for_many_accounts_as_for_one(secretariat, staff):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert secretariat.get("/committee/dues/").status_code == 200
        return len(captured)

    first, _ = invoiced()
    services.payment_record(
        membership=first,
        actor=staff,
        paid_on=today(),
        amount=Decimal(1),
        currency="EUR",
        method="cash",
        reference="R-0",
    )
    one = queries()
    for number in range(6):
        membership, _ = invoiced()
        services.payment_record(
            membership=membership,
            actor=staff,
            paid_on=today(),
            amount=Decimal(number + 1),
            currency="EUR",
            method="cash",
            reference=f"R-{number}",
        )
    assert queries() == one
    assert Region.objects.exists()


def test_the_overview_is_paginated(secretariat, monkeypatch):
    monkeypatch.setattr("portal.views.dues.PAGE_SIZE", 2)
    for _ in range(3):
        invoiced()
    first = secretariat.get("/committee/dues/").content.decode()
    second = secretariat.get("/committee/dues/?page=2").content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert len(re.findall(r"/committee/dues/\d+/", first)) == 2
    assert len(re.findall(r"/committee/dues/\d+/", second)) == 1


# --- the ledger page ------------------------------------------------------------------------------------


def test_the_ledger_page_shows_invoices_payments_allocations_and_the_balance(secretariat, staff):
    membership, invoice = invoiced("300.00")
    services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=today(),
        amount=Decimal("120.00"),
        currency="EUR",
        method="bank_transfer",
        reference="TRF-77",
    )
    services.waiver_grant(invoice=invoice, actor=staff, amount=Decimal("30.00"), reason="Flood")

    html = secretariat.get(ledger_url(membership)).content.decode()

    assert invoice.number in html
    assert "TRF-77" in html
    assert f"{invoice.number}: 120.00" in html  # the allocation
    assert "Flood" in html
    assert re.search(r'id="dues-balance">150.00 EUR', html)
    assert 'name="token"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_ledger_s_tables_are_tables_that_become_cards_on_a_phone(secretariat, staff):
    """``as-cards``, not the grid ``cards``, which set the header beside the rows on every screen."""
    membership, _invoice = invoiced("300.00")
    services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=today(),
        amount=Decimal("120.00"),
        currency="EUR",
        method="bank_transfer",
        reference="TRF-78",
    )

    html = secretariat.get(ledger_url(membership)).content.decode()
    overview = secretariat.get("/committee/dues/").content.decode()

    assert '<table class="as-cards" id="dues-invoices">' in html
    assert '<table class="as-cards" id="dues-payments">' in html
    assert '<table class="as-cards" id="dues-accounts">' in overview
    assert '<table class="cards"' not in html + overview


def test_recording_a_payment_redirects_and_allocates_it(secretariat):
    membership, invoice = invoiced("300.00")

    response = secretariat.post(ledger_url(membership), payment_data(amount="100.00"))

    assert response.status_code == 302
    assert response["Location"] == ledger_url(membership)
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.allocations.get().invoice) == (10000, invoice)
    assert (
        "The payment is recorded and allocated." in secretariat.get(ledger_url(membership)).content.decode()
    )


def test_a_payment_in_another_currency_is_recorded_with_its_rate(secretariat):
    membership, _invoice = invoiced("300.00")

    response = secretariat.post(
        ledger_url(membership), payment_data(amount="110.00", currency="usd", rate="0.9")
    )

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.currency, payment.rate, payment.amount_minor) == ("USD", Decimal("0.9"), 9900)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"amount": "0"}, 400, "The amount must be more than zero."),
        ({"amount": "-5"}, 400, "The amount must be more than zero."),
        ({"currency": "USD"}, 400, "A payment in USD needs the exchange rate to EUR."),
        ({"rate": "1.2"}, 400, "A payment in the dues currency takes no exchange rate."),
        ({"amount": "12.345"}, 400, "EUR amounts have at most 2 decimal places."),
        ({"paid_on": "2999-01-01"}, 400, "A payment cannot be dated after today."),
        ({"amount": "many"}, 400, "Enter a number."),
        ({"currency": "EURO"}, 400, "three-letter ISO code"),
        ({"reference": ""}, 400, "This field is required."),
        ({"token": "not-a-token"}, 400, "This form is out of date: load the page again."),
    ],
)
def test_a_wrong_payment_is_a_form_error_and_nothing_is_saved(secretariat, data, status, message):
    membership, _invoice = invoiced()

    response = secretariat.post(ledger_url(membership), payment_data(**data))

    assert response.status_code == status
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_a_payment_beyond_what_is_open_on_the_named_invoice_is_refused(secretariat):
    membership, invoice = invoiced("300.00")

    response = secretariat.post(ledger_url(membership), payment_data(amount="300.01", invoice=invoice.pk))

    assert response.status_code == 409
    assert "The payment is more than is open on this invoice." in response.content.decode()
    assert not Payment.objects.exists()


def test_another_unions_invoice_is_no_choice(secretariat):
    membership, _invoice = invoiced()
    _other, foreign = invoiced()

    response = secretariat.post(ledger_url(membership), payment_data(invoice=foreign.pk))

    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_an_ended_membership_with_its_invoice_closed_takes_no_payment(secretariat, staff):
    membership, _invoice = invoiced("300.00")
    services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=today(),
        amount=Decimal("300.00"),
        currency="EUR",
        method="bank_transfer",
        reference="ALL",
    )
    membership.state, membership.ended_on, membership.end_reason = "ended", today(), EndReason.WITHDRAWN
    membership.save(update_fields=["state", "ended_on", "end_reason"])

    response = secretariat.post(ledger_url(membership), payment_data(reference="MORE"))

    assert response.status_code == 409
    assert "This membership has ended and nothing is open on its account" in response.content.decode()
    assert Payment.objects.count() == 1


def test_the_same_form_sent_twice_records_one_payment(secretariat, client_as):
    membership, _invoice = invoiced("300.00")
    form = token_of(secretariat.get(ledger_url(membership)).content.decode())
    other = Client()
    other.force_login(secretariat_user(), backend="django.contrib.auth.backends.ModelBackend")

    first = secretariat.post(ledger_url(membership), payment_data(token=form))
    second = other.post(ledger_url(membership), payment_data(token=form, reference="TRF-OTHER"))

    assert first.status_code == 302
    assert second.status_code == 409
    assert "This form was already sent: the payment is recorded once." in second.content.decode()
    assert Payment.objects.count() == 1


def test_each_page_load_gives_a_new_token(secretariat):
    membership, _invoice = invoiced()
    assert token_of(secretariat.get(ledger_url(membership)).content.decode()) != token_of(
        secretariat.get(ledger_url(membership)).content.decode()
    )


def test_reversing_a_payment_takes_its_allocation_back(secretariat, staff):
    membership, invoice = invoiced("300.00")
    payment = services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=today(),
        amount=Decimal("300.00"),
        currency="EUR",
        method="bank_transfer",
        reference="WRONG",
    )

    missing_reason = secretariat.post(ledger_url(membership), {"action": "reverse", "payment": payment.pk})
    done = secretariat.post(
        ledger_url(membership), {"action": "reverse", "payment": payment.pk, "reason": "Another union's"}
    )
    again = secretariat.post(
        ledger_url(membership), {"action": "reverse", "payment": payment.pk, "reason": "x"}
    )

    assert missing_reason.status_code == 400
    assert done.status_code == 302
    assert again.status_code == 400  # a reversed payment is no longer a choice
    assert Payment.objects.filter(reverses=payment).count() == 1
    assert statement(membership, today()).open_minor == invoice.amount_minor


def test_cancelling_an_invoice_writes_a_credit_note_once(secretariat):
    membership, invoice = invoiced("300.00")
    data = {"action": "cancel", "invoice": invoice.pk, "reason": "Invoiced in error"}

    assert (
        secretariat.post(ledger_url(membership), {"action": "cancel", "invoice": invoice.pk}).status_code
        == 400
    )
    assert secretariat.post(ledger_url(membership), data).status_code == 302
    again = secretariat.post(ledger_url(membership), data)

    assert again.status_code == 409
    assert "This invoice is already cancelled." in again.content.decode()
    assert CreditNote.objects.get().amount_minor == 30000
    assert statement(membership, today()).open_minor == 0


def test_a_waiver_up_to_the_limit_is_granted_and_a_larger_one_needs_a_motion(secretariat, settings):
    settings.DUES_WAIVER_LIMIT = 100
    membership, invoice = invoiced("300.00")
    page = secretariat.get(ledger_url(membership)).content.decode()
    assert "A larger waiver needs a motion of the Executive Committee" in page

    above = secretariat.post(
        ledger_url(membership),
        waiver_data(invoice, amount="100.01"),
    )
    zero = secretariat.post(
        ledger_url(membership),
        waiver_data(invoice, amount="0"),
    )
    granted = secretariat.post(
        ledger_url(membership),
        waiver_data(invoice, amount="100"),
    )

    assert above.status_code == 409
    assert "needs a decision of the Executive Committee" in above.content.decode()
    assert zero.status_code == 400
    assert granted.status_code == 302
    assert Waiver.objects.get().amount_minor == 10000


def test_the_same_waiver_form_sent_twice_records_one_waiver(secretariat):
    membership, invoice = invoiced("300.00")
    page = secretariat.get(ledger_url(membership)).content.decode()
    form = re.search(r'<form[^>]*>(?:(?!</form>).)*value="waiver".*?</form>', page, re.S).group(0)
    other = Client()
    other.force_login(secretariat_user(), backend="django.contrib.auth.backends.ModelBackend")

    first = secretariat.post(ledger_url(membership), waiver_data(invoice, token=token_of(form)))
    second = other.post(ledger_url(membership), waiver_data(invoice, token=token_of(form), amount="20"))

    assert first.status_code == 302
    assert second.status_code == 409
    assert "This form was already sent: the waiver is recorded once." in second.content.decode()
    assert Waiver.objects.get().amount_minor == 5000
    assert statement(membership, today()).open_minor == 25000


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_a_waiver_without_its_form_token_is_refused_and_nothing_is_saved(secretariat, token):
    membership, invoice = invoiced("300.00")

    response = secretariat.post(ledger_url(membership), waiver_data(invoice, token=token))

    assert response.status_code == 400
    assert "This form is out of date: load the page again." in response.content.decode()
    assert not Waiver.objects.exists()


def test_each_page_load_gives_the_waiver_form_a_new_token(secretariat):
    membership, _invoice = invoiced()
    tokens = [
        re.findall(
            r'name="token" value="([0-9a-f-]{36})"', secretariat.get(ledger_url(membership)).content.decode()
        )
        for _ in range(2)
    ]
    assert len(tokens[0]) == 2  # the payment's form and the waiver's, each its own
    assert len(set(tokens[0] + tokens[1])) == 4


def test_an_unknown_action_or_membership_is_refused(secretariat):
    membership, _invoice = invoiced()
    assert secretariat.post(ledger_url(membership), {"action": "delete"}).status_code == 400
    assert secretariat.get("/committee/dues/999999/").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(staff):
    membership, _invoice = invoiced()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")

    assert client.post(ledger_url(membership), payment_data()).status_code == 403
    assert not Payment.objects.exists()


@pytest.mark.parametrize("make_user", [committee_member, reviewer_user, applicant_user])
def test_only_the_secretariat_opens_or_posts_to_the_dues_pages(client_as, make_user):
    membership, _invoice = invoiced()
    client = client_as(make_user())
    for url in ("/committee/dues/", ledger_url(membership), "/committee/dues/import/"):
        assert client.get(url).status_code == 403
    assert client.post(ledger_url(membership), payment_data()).status_code == 403
    assert client.post("/committee/dues/import/confirm/", {}).status_code == 403
    assert client_as(None).get("/committee/dues/").status_code == 302
    assert not Payment.objects.exists()


def test_the_ledger_reconciles_after_the_pages_actions(secretariat):
    membership, invoice = invoiced("300.00")
    secretariat.post(ledger_url(membership), payment_data(amount="100.00"))
    secretariat.post(
        ledger_url(membership),
        waiver_data(invoice, amount="50"),
    )
    secretariat.post(ledger_url(membership), payment_data(amount="400.00", reference="TRF-2"))

    totals = ledger_totals()
    assert totals.invoiced - totals.credited - totals.waived - totals.allocated == totals.receivable == 0
    assert totals.paid - totals.allocated == totals.credit == 25000
