"""A dues invoice as people read it: its text, its PDF, and the PDF as an e-mail's attachment.

Drawn like the membership certificate (``portal.certificates``): fpdf2 with the DejaVu fonts of
``portal/fonts/`` and HarfBuzz shaping, so Arabic is joined and runs right to left; in Arabic
the page is laid out from the right. Written in the active language: the reader's, on the page
and at an e-mail's delivery. Amounts and what is open are as of the day it is drawn.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats
from django.utils.translation import get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from fpdf import FPDF

from dues.models import Invoice
from dues.money import display
from dues.notices import INVOICE_PDF
from dues.selectors import EntryKind, InvoiceLine, Standing, invoice_as_of, invoice_lines
from notifications.delivery import Attachment, attachment
from portal.certificates import new_pdf
from registry.models import MembershipCategory
from registry.selectors import today

ENTRY_LABELS = {
    EntryKind.CREDIT_NOTE: gettext_lazy("Credit note"),
    EntryKind.WAIVER: gettext_lazy("Waiver"),
    EntryKind.PAYMENT: gettext_lazy("Payment"),
    EntryKind.REVERSAL: gettext_lazy("Payment reversed"),
}


# A standing in plain words, and the tone of its badge.
STANDING_WORDS = {
    Standing.SETTLED: (gettext_lazy("Settled"), "tone-done"),
    Standing.DUE: (gettext_lazy("Due"), "tone-todo"),
    Standing.OVERDUE: (gettext_lazy("Overdue"), "tone-todo"),
    Standing.ARREARS: (gettext_lazy("In arrears"), "tone-stopped"),
}


def entry_label(kind: EntryKind) -> str:
    """What an entry on an invoice is called, in the active language."""
    return str(ENTRY_LABELS[kind])


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


def union_name(organization) -> str:
    """The union's name in its own script, with its Latin name when it has one and it differs."""
    latin = (organization.name_latin or "").strip()
    return organization.name + (f" ({latin})" if latin and latin != organization.name else "")


@dataclass(frozen=True)
class InvoiceText:
    title: str
    federation: str
    contact: str
    union: str
    facts: list[tuple[str, str]]  # number, issued, due
    item: str  # dues for the year, category, band
    pro_rata: str  # "" unless a pro rata share
    amount: tuple[str, str]
    entries: list[tuple[str, str]]  # credits, waivers, payments: label, amount (negative)
    open: tuple[str, str]
    as_of: str
    instructions_title: str
    instructions: str
    reference: str


def invoice_band(invoice: Invoice) -> str:
    """The schedule's band the invoice was priced for, in words; "" for a category's single rate."""
    if invoice.students_from <= 0:
        return ""
    return _("from %(count)s students represented") % {
        "count": formats.number_format(invoice.students_from, force_grouping=True)
    }


def invoice_item(invoice: Invoice) -> str:
    """What the invoice is for: the year's dues, the category and the schedule's band it was
    priced for (kept on the invoice: a later change of category changes nothing here)."""
    category = MembershipCategory(invoice.category).label
    item = _("Membership dues for %(year)s: %(category)s") % {"year": invoice.year, "category": category}
    band = invoice_band(invoice)
    return f"{item}, {band}" if band else item


def _entry(line: InvoiceLine, currency: str) -> tuple[str, str]:
    label = f"{entry_label(line.kind)}, {_date(line.booked_on)}"
    if line.kind in (EntryKind.PAYMENT, EntryKind.REVERSAL):
        label = f"{label} ({line.reference})"
    return label, display(-line.amount_minor, currency)


def invoice_text(invoice: Invoice, lines: list[InvoiceLine], on: datetime.date) -> InvoiceText:
    """The invoice's words in the active language; ``invoice`` carries ``open_minor`` on ``on``
    (``dues.selectors.invoice_as_of``) and ``lines`` its entries booked by then."""
    organization = invoice.membership.organization
    pro_rata = ""
    if invoice.pro_rata:
        pro_rata = _(
            "Pro rata: for the days from the admission on %(date)s to the end of the federation year."
        ) % {"date": _date(invoice.membership.admitted_on)}
    return InvoiceText(
        title=_("Invoice %(number)s") % {"number": invoice.number},
        federation=settings.FEDERATION_NAME,
        contact=settings.FEDERATION_CONTACT_EMAIL,
        union=union_name(organization),
        facts=[
            (_("Invoice number"), invoice.number),
            (_("Date of issue"), _date(invoice.issued_on)),
            (_("Due date"), _date(invoice.due_on)),
        ],
        item=invoice_item(invoice),
        pro_rata=pro_rata,
        amount=(_("Amount"), display(invoice.amount_minor, invoice.currency)),
        entries=[_entry(line, invoice.currency) for line in lines],
        open=(_("Open amount"), display(invoice.open_minor, invoice.currency)),
        as_of=_("As of %(date)s.") % {"date": _date(on)},
        instructions_title=_("How to pay"),
        instructions=settings.DUES_PAYMENT_INSTRUCTIONS,
        reference=_("Please give the invoice number %(number)s as the payment's reference.")
        % {"number": invoice.number},
    )


class _Page:
    """Paragraphs and label and value rows, laid out from the left, or from the right in Arabic."""

    def __init__(self, pdf: FPDF):
        self.pdf = pdf
        self.rtl = get_language_bidi()
        self.start = "R" if self.rtl else "L"
        self.end = "L" if self.rtl else "R"

    def text(self, words: str, size: float, style: str = "", gap: float = 2) -> None:
        pdf = self.pdf
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(pdf.epw, size * 0.5, words, align=self.start, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def row(self, label: str, value: str, size: float = 11, style: str = "") -> None:
        """``label`` at the line's start, ``value`` at its end (an amount, a date)."""
        pdf = self.pdf
        pdf.set_font("DejaVu", style, size)
        width = pdf.epw * 0.35
        y = pdf.get_y()
        label_x = pdf.l_margin + (width if self.rtl else 0)
        value_x = pdf.l_margin if self.rtl else pdf.l_margin + pdf.epw - width
        pdf.set_xy(label_x, y)
        pdf.multi_cell(pdf.epw - width, size * 0.55, label, align=self.start, new_x="LMARGIN", new_y="NEXT")
        bottom = pdf.get_y()
        pdf.set_xy(value_x, y)
        pdf.multi_cell(width, size * 0.55, value, align=self.end, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(bottom, pdf.get_y()) + 1)

    def rule(self) -> None:
        pdf = self.pdf
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(3)


def invoice_pdf(invoice_id: int, *, on: datetime.date | None = None) -> bytes:
    """The invoice as an A4 PDF in the active language: who bills whom, the dues, what was
    credited, waived and paid on it by ``on`` (today), what is open, and how to pay."""
    on = on or today()
    invoice = invoice_as_of(invoice_id, on)
    text = invoice_text(invoice, invoice_lines([invoice.pk], on)[invoice.pk], on)
    pdf = new_pdf(text.title, settings.FEDERATION_NAME)
    page = _Page(pdf)
    page.text(text.federation, 13, "B", gap=0)
    page.text(text.contact, 10, gap=8)
    page.text(text.title, 20, "B", gap=4)
    page.text(text.union, 14, "B", gap=4)
    for label, value in text.facts:
        page.row(label, value)
    pdf.ln(4)
    page.rule()
    page.row(text.item, text.amount[1], style="B")
    if text.pro_rata:
        page.text(text.pro_rata, 9, gap=2)
    for label, value in text.entries:
        page.row(label, value, size=10)
    page.rule()
    page.row(text.open[0], text.open[1], size=13, style="B")
    page.text(text.as_of, 9, gap=8)
    page.text(text.instructions_title, 12, "B", gap=1)
    page.text(text.instructions, 10, gap=2)
    page.text(text.reference, 10)
    return bytes(pdf.output())


def invoice_file_name(invoice: Invoice) -> str:
    return f"invoice-{invoice.number}.pdf"


@attachment(INVOICE_PDF)
def invoice_attachment(context: dict) -> Attachment:
    """The invoice of an e-mail's ``context["invoice_id"]`` as a PDF, drawn at delivery in the
    recipient's language (the outbox renders the e-mail in it)."""
    invoice = Invoice.objects.only("number").get(pk=context["invoice_id"])
    return invoice_file_name(invoice), invoice_pdf(invoice.pk), "application/pdf"
