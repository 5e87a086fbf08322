"""The union's dues in the member area: the statement as of today, an invoice's page and its PDF."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dues import services
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from tests.dues.ledger import member, schedule
from tests.factories import applicant_user, reviewer_user, secretariat_user
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

STATEMENT = "/member/knus/dues/"
STATEMENT_QUERIES = 16


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


@pytest.fixture
def union(settings):
    """KNUS with a representative; last year's invoice partly paid and in arrears, this year's
    due with a waiver: 700.00 and 950.00 EUR open."""
    settings.DUES_DUE_DAYS, settings.DUES_GRACE_DAYS = 60, 30
    year = federation_year(today())
    schedule(year=year - 1)
    schedule(year=year)
    membership = member()
    organization = membership.organization
    organization.slug, organization.name = "knus", "Kenya National Union of Students"
    organization.save()
    representative = applicant_user()
    representative_add_first(organization=organization, user=representative)
    secretariat = secretariat_user()
    old = services.invoice_create(membership=membership, year=year - 1, on=ago(200))
    services.payment_record(
        membership=membership,
        actor=secretariat,
        paid_on=ago(100),
        amount=Decimal("300"),
        currency="EUR",
        method="bank_transfer",
        reference="KNUS-TRF-1",
        on=ago(100),
    )
    new = services.invoice_create(membership=membership, year=year, on=ago(10))
    services.waiver_grant(invoice=new, actor=secretariat, amount=Decimal("50"), reason="Flood.", on=ago(5))
    return membership, representative, old, new


def _cells(html: str, invoice) -> str:
    start = html.index(f'id="invoice-{invoice.pk}"')
    return html[start : html.index("</tr>", start)]


def test_the_statement_shows_each_invoice_s_open_amount_and_standing_and_the_union_s(union):
    _membership, representative, old, new = union

    html = client_for(representative).get(STATEMENT).content.decode()

    assert "1,650.00 EUR" in html[html.index('id="dues-open"') :][:60]
    assert "In arrears" in html[html.index('id="dues-standing"') :][:80]
    old_row, new_row = _cells(html, old), _cells(html, new)
    assert "700.00 EUR" in old_row
    assert "In arrears" in old_row
    assert "Payment" in old_row
    assert "300.00 EUR" in old_row
    assert "950.00 EUR" in new_row
    assert "Waiver" in new_row
    assert ">Due<" in new_row
    assert f'href="/member/knus/dues/{new.pk}/"' in new_row
    assert "KNUS-TRF-1" in html[html.index('id="dues-payments"') :]
    assert html.index(f'id="invoice-{new.pk}"') < html.index(f'id="invoice-{old.pk}"')  # the newest first


def test_an_overpaid_account_is_settled_with_its_credit(union):
    membership, representative, _old, _new = union
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=ago(1),
        amount=Decimal("1700"),
        currency="EUR",
        method="bank_transfer",
        reference="KNUS-TRF-2",
        on=ago(1),
    )

    html = client_for(representative).get(STATEMENT).content.decode()

    assert "0.00 EUR" in html[html.index('id="dues-open"') :][:60]
    assert "50.00 EUR" in html[html.index('id="dues-credit"') :][:60]
    assert "Settled" in html[html.index('id="dues-standing"') :][:80]


def test_the_statement_costs_the_same_queries_with_two_invoices_or_five(union):
    membership, representative, _old, _new = union
    client = client_for(representative)
    with CaptureQueriesContext(connection) as two:
        assert client.get(STATEMENT).status_code == 200
    year = federation_year(today())
    for back in (2, 3, 4):
        schedule(year=year - back)
        invoice = services.invoice_create(membership=membership, year=year - back, on=ago(200 + 365 * back))
        services.waiver_grant(invoice=invoice, actor=None, amount=Decimal("10"), reason="Late.", on=ago(30))
    with CaptureQueriesContext(connection) as five:
        response = client.get(STATEMENT)

    assert response.content.decode().count('<tr id="invoice-') == 5
    assert len(two.captured_queries) == len(five.captured_queries) == STATEMENT_QUERIES


@pytest.mark.parametrize("path", ["", "{new}/", "{new}/pdf/"])
def test_only_the_union_s_representatives_and_the_secretariat_see_its_dues(union, path):
    _membership, representative, _old, new = union
    url = STATEMENT + path.format(new=new.pk)
    other = member().organization
    other_representative = applicant_user()
    representative_add_first(organization=other, user=other_representative)

    assert client_for(representative).get(url).status_code == 200
    assert client_for(secretariat_user()).get(url).status_code == 200
    assert client_for(other_representative).get(url).status_code == 404
    assert client_for(reviewer_user()).get(url).status_code == 404
    assert client_for(applicant_user()).get(url).status_code == 404
    assert client_for().get(url)["Location"].startswith("/accounts/login/")


def test_another_union_s_invoice_is_not_found_under_this_union(union):
    _membership, representative, _old, _new = union
    foreign = services.invoice_create(membership=member(), year=federation_year(today()), on=ago(3))

    assert client_for(representative).get(f"{STATEMENT}{foreign.pk}/").status_code == 404
    assert client_for(representative).get(f"{STATEMENT}{foreign.pk}/pdf/").status_code == 404
    assert client_for(representative).get(f"{STATEMENT}999999/").status_code == 404


def test_the_invoice_page_shows_what_is_open_and_links_to_its_pdf(union):
    _membership, representative, old, _new = union

    html = client_for(representative).get(f"{STATEMENT}{old.pk}/").content.decode()
    response = client_for(representative).get(f"{STATEMENT}{old.pk}/pdf/")

    assert f"Invoice {old.number}" in html
    assert "700.00 EUR" in html[html.index('id="invoice-open"') :][:80]
    assert f'href="/member/knus/dues/{old.pk}/pdf/"' in html
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="invoice-{old.number}.pdf"' in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content).split())
    assert old.number in text
    assert "Open amount 700.00 EUR" in text


def test_the_union_s_page_and_the_secretariat_s_member_page_link_to_the_dues(union, settings):
    settings.OFFICERS_REQUIRE_MFA = False
    _membership, representative, _old, _new = union

    assert 'href="/member/knus/dues/"' in client_for(representative).get("/member/knus/").content.decode()
    committee_page = client_for(secretariat_user()).get("/committee/members/knus/").content.decode()
    assert 'href="/member/knus/dues/"' in committee_page
