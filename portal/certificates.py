"""A membership certificate as people read it: its sentences, its QR code, and its PDF.

The PDF is drawn with fpdf2 (pure Python, no system library or font download): the DejaVu Sans
fonts shipped in ``portal/fonts/`` (``PDF_FONTS_DIR``) cover Latin, Turkish and Arabic letters; Arabic is shaped
(joined, right to left) by HarfBuzz through ``uharfbuzz``. The QR code (segno) holds the public
verification link.
"""

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from registry.models import Certificate, MembershipCategory

# fontTools (fpdf2's font subsetting) says what it does at INFO, a dozen lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(settings.PDF_FONTS_DIR)

STATEMENTS = {
    MembershipCategory.FULL: gettext_lazy("%(name)s is a full member of the federation since %(date)s."),
    MembershipCategory.ASSOCIATE: gettext_lazy(
        "%(name)s is an associate member of the federation since %(date)s."
    ),
    MembershipCategory.OBSERVER: gettext_lazy("%(name)s is an observer of the federation since %(date)s."),
}


def verify_url(certificate: Certificate) -> str:
    """The public verification address of ``certificate``, absolute (``SITE_URL``)."""
    return settings.SITE_URL + reverse("certificate-verify", args=[certificate.token])


@dataclass(frozen=True)
class CertificateText:
    title: str
    organization: str
    statement: str
    standing: str
    issued: str
    valid_until: str
    number: str
    verify_at: str
    url: str
    key: str


def certificate_text(certificate: Certificate) -> CertificateText:
    organization = certificate.membership.organization
    name = organization.name + (f" ({organization.acronym})" if organization.acronym else "")
    admitted = formats.date_format(certificate.membership.admitted_on, "j F Y")
    return CertificateText(
        title=_("Certificate of membership"),
        organization=name,
        statement=str(STATEMENTS[certificate.category]) % {"name": name, "date": admitted},
        standing=(
            _("It is in good standing on the day of issue.")
            if certificate.in_good_standing
            else _("It is not in good standing on the day of issue.")
        ),
        issued=_("Issued on %(date)s.") % {"date": formats.date_format(certificate.issued_at, "j F Y")},
        valid_until=_("Valid until %(date)s.")
        % {"date": formats.date_format(certificate.valid_until, "j F Y")},
        number=_("Certificate number: %(id)s") % {"id": certificate.id},
        verify_at=_("Check this certificate at the address below, or scan the code:"),
        url=verify_url(certificate),
        key=_("Signed with key %(kid)s (Ed25519).") % {"kid": certificate.key.kid},
    )


def qr_svg(certificate: Certificate) -> str:
    """The QR code of the verification link, as inline SVG markup for the page."""
    return segno.make(verify_url(certificate), error="m").svg_inline(scale=4, border=2)


def new_pdf(title: str, federation_name: str) -> FPDF:
    """An A4 page with the DejaVu fonts and text shaping (Arabic joined, right to left)."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(federation_name)
    pdf.set_creator(federation_name)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, words: str, size: float, style: str = "", gap: float = 4, align: str = "C") -> None:
    """A paragraph; a left-aligned one (the link) may break anywhere, the others between words."""
    pdf.set_font("DejaVu", style, size)
    wrap = "CHAR" if align == "L" else "WORD"
    pdf.multi_cell(pdf.epw, size * 0.5, words, align=align, new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
    pdf.ln(gap)


def _qr_code(pdf: FPDF, url: str, size: float = 50) -> None:
    image = io.BytesIO()
    segno.make(url, error="m").save(image, kind="png", scale=6, border=2)
    image.seek(0)
    pdf.image(image, x=(pdf.w - size) / 2, y=pdf.get_y(), w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 4)


def certificate_pdf(certificate: Certificate, *, federation_name: str) -> bytes:
    """The certificate as an A4 PDF: the statement, dates, the QR code and the verification link."""
    text = certificate_text(certificate)
    pdf = new_pdf(text.title, federation_name)
    _line(pdf, federation_name, 14, "B", gap=10)
    _line(pdf, text.title, 24, "B", gap=12)
    _line(pdf, text.organization, 18, "B", gap=8)
    _line(pdf, text.statement, 13)
    _line(pdf, text.standing, 13, gap=10)
    _line(pdf, text.issued, 12, gap=2)
    _line(pdf, text.valid_until, 12, gap=10)
    _qr_code(pdf, text.url)
    _line(pdf, text.verify_at, 10, gap=2)
    _line(pdf, text.url, 7, align="L")
    _line(pdf, text.number, 9, gap=1)
    _line(pdf, text.key, 9, gap=1)
    return bytes(pdf.output())
