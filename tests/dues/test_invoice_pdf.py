"""The invoice as a PDF: what it says, in the reader's language, Arabic from the right."""

import datetime
import io
from decimal import Decimal

import pikepdf
import pytest
from django.test import Client
from django.utils import translation

from dues import services
from portal.invoices import invoice_pdf
from registry.models import MembershipCategory
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from tests.dues.ledger import JAN_1, YEAR, day, member, schedule
from tests.factories import applicant_user, secretariat_user
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db


def _text(invoice, language="en", on=None) -> str:
    with translation.override(language):
        content = invoice_pdf(invoice.pk, on=on or day(40))
    assert content.startswith(b"%PDF")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert len(pdf.pages) == 1
    return " ".join(pdf_text(content).split())


def test_the_pdf_states_the_number_dates_union_line_payments_and_what_is_open(settings):
    settings.FEDERATION_NAME = "Federation of Student Unions"
    settings.FEDERATION_CONTACT_EMAIL = "dues@federation.example"
    settings.DUES_PAYMENT_INSTRUCTIONS = "IBAN: BE71 0961 2345 6769\nBIC: GKCCBEBB"
    schedule(from_0="500.00", from_5000="2000.00")
    membership = member(students=6000)
    organization = membership.organization
    organization.name, organization.name_latin = "Ελληνική Ένωση Φοιτητών", "Hellenic Student Union"
    organization.save()
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=day(10),
        amount=Decimal("750.50"),
        currency="EUR",
        method="bank_transfer",
        reference="TRF-881",
        on=day(10),
    )

    text = _text(invoice)

    assert "Invoice 2026-0001" in text
    assert "Federation of Student Unions" in text
    assert "dues@federation.example" in text
    assert "Ελληνική Ένωση Φοιτητών (Hellenic Student Union)" in text
    assert "1 January 2026" in text
    assert "2 March 2026" in text
    assert "Membership dues for 2026: Full member, from 5,000 students represented" in text
    assert "2,000.00 EUR" in text
    assert "Payment, 11 January 2026 (TRF-881) -750.50 EUR" in text
    assert "Open amount 1,249.50 EUR" in text
    assert "BE71 0961 2345 6769" in text
    assert "Please give the invoice number 2026-0001 as the payment's reference." in text


def test_credits_and_waivers_show_and_a_settled_invoice_has_nothing_open():
    schedule()
    membership = member()
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    secretariat = secretariat_user()
    services.waiver_grant(
        invoice=invoice, actor=secretariat, amount=Decimal("100"), reason="Flood.", on=day(5)
    )
    services.invoice_cancel(invoice=invoice, actor=secretariat, reason="Wrong category.", on=day(6))

    text = _text(invoice)

    assert "Waiver, 6 January 2026 -100.00 EUR" in text
    assert "Credit note, 7 January 2026 -900.00 EUR" in text
    assert "Open amount 0.00 EUR" in text


def test_a_pro_rata_invoice_says_so(settings):
    settings.DUES_PRO_RATA = True
    schedule()
    membership = member(admitted_on=datetime.date(YEAR, 7, 1))

    invoice = services.invoice_create(membership=membership, year=YEAR, on=datetime.date(YEAR, 7, 1))

    assert "Pro rata: for the days from the admission on 1 July 2026" in _text(
        invoice, on=datetime.date(YEAR, 7, 2)
    )


def test_the_pdf_is_written_in_the_reader_s_language():
    schedule(category=MembershipCategory.FULL)
    invoice = services.invoice_create(membership=member(), year=YEAR, on=JAN_1)

    french = _text(invoice, "fr")
    turkish = _text(invoice, "tr")

    assert "Facture 2026-0001" in french
    assert "1 janvier 2026" in french
    assert "1 000,00 EUR" in french  # grouped by a no-break space (made a space by the split)
    assert "Fatura 2026-0001" in turkish
    assert "Invoice" not in french + turkish


def test_the_arabic_pdf_renders_right_to_left_with_the_union_s_arabic_name():
    schedule()
    membership = member()
    organization = membership.organization
    organization.name, organization.name_latin = "الاتحاد الوطني لطلبة المغرب", "UNEM"
    organization.save()
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    with translation.override("ar"):
        content = invoice_pdf(invoice.pk, on=day(3))
    text = pdf_text(content)

    assert "2026-0001" in text
    assert "UNEM" in text
    assert "ل" in text
    assert "ف" in text
    assert "Invoice" not in text
    assert "Open amount" not in text
    # Laid out from the right: the union's name ends at the right margin, past the page's middle.
    with pikepdf.open(io.BytesIO(content)) as pdf:
        starts = [
            float(operands[4])
            for operands, operator in pikepdf.parse_content_stream(pdf.pages[0])
            if operator == pikepdf.Operator("Tm")
        ]
    assert starts
    assert sum(x > 105 for x in starts) > len(starts) / 2


def test_an_invoice_keeps_the_category_and_band_it_was_priced_for_after_a_change(settings):
    """The category changes and the union grows into another band: the invoice, its page, the
    statement and the PDF still say what it was priced for."""
    settings.OFFICERS_REQUIRE_MFA = False
    year = federation_year(today())
    schedule(year=year, from_0="500.00", from_5000="2000.00")
    schedule(year=year, category=MembershipCategory.ASSOCIATE, from_0="100.00")
    membership = member(students=6000)
    invoice = services.invoice_create(membership=membership, year=year, on=today())
    assert (invoice.category, invoice.students_from, invoice.amount_minor) == ("full", 5000, 200000)

    membership.category = MembershipCategory.ASSOCIATE
    membership.save(update_fields=["category"])
    membership.organization.students_represented = 100000
    membership.organization.save(update_fields=["students_represented"])
    representative = applicant_user()
    representative_add_first(organization=membership.organization, user=representative)
    reader = Client()
    reader.force_login(representative, backend="django.contrib.auth.backends.ModelBackend")
    slug = membership.organization.slug

    with translation.override("en"):
        page = reader.get(f"/member/{slug}/dues/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        account = reader.get(f"/member/{slug}/dues/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    text = _text(invoice, on=today())

    priced = f"Membership dues for {year}: Full member, from 5,000 students represented"
    for shown in (page, account, text):
        assert priced in shown
        assert f"Membership dues for {year}: Associate member" not in shown
    invoice.refresh_from_db()
    assert (invoice.category, invoice.students_from) == ("full", 5000)
