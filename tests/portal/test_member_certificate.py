"""The membership certificate in the member area: who may have it, the page, the PDF, the links."""

import io

import pikepdf
import pytest
from django.test import Client

from accounts.models import Preferences
from registry.models import Certificate
from registry.selectors import today
from registry.services import membership_end, representative_add_first
from tests.factories import MembershipFactory, applicant_user, secretariat_user
from tests.pdf_text import pdf_text as _pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/member/knus/certificate/"
PDF = "/member/knus/certificate/pdf/"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def union():
    membership = MembershipFactory(
        organization__slug="knus", organization__name="Kenya Ünion of Students", organization__acronym="KNUS"
    )
    representative = applicant_user()
    representative_add_first(organization=membership.organization, user=representative)
    return membership, representative


@pytest.mark.parametrize("path", [PAGE, PDF])
def test_who_may_download_the_certificate(union, path):
    _membership, representative = union
    other_union = MembershipFactory().organization
    other_representative = applicant_user()
    representative_add_first(organization=other_union, user=other_representative)

    assert client_for(representative).get(path).status_code == 200
    assert client_for(secretariat_user()).get(path).status_code == 200
    assert client_for(other_representative).get(path).status_code == 404
    assert client_for(applicant_user()).get(path).status_code == 404
    anonymous = client_for().get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert client_for(representative).get(path.replace("knus", "nowhere")).status_code == 404


def test_the_pdf_is_a_pdf_with_the_union_its_statement_and_the_link(union):
    _membership, representative = union

    response = client_for(representative).get(PDF)

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="certificate-knus.pdf"' in response["Content-Disposition"]
    with pikepdf.open(io.BytesIO(response.content)) as pdf:
        assert len(pdf.pages) == 1
    text = " ".join(_pdf_text(response.content).split())  # lines wrap
    assert "Kenya Ünion of Students" in text
    assert "is a full member of the federation since 1 May 2020" in text
    assert "/verify/" in text


def test_the_page_shows_the_statement_the_qr_code_and_links_to_verification_and_pdf(union, settings):
    _membership, representative = union
    settings.SITE_URL = "https://registry.example.org"

    page = client_for(representative).get(PAGE)
    text = page.content.decode()
    certificate = Certificate.objects.get()

    assert "Kenya Ünion of Students (KNUS) is a full member of the federation since 1 May 2020." in text
    assert "<svg" in text  # the QR code, inline
    assert f'href="https://registry.example.org/verify/{certificate.token}/"' in text
    assert 'href="/member/knus/certificate/pdf/"' in text
    assert certificate.issued_by == representative
    # The page and its PDF are one certificate, recorded once.
    client_for(representative).get(PDF)
    assert Certificate.objects.count() == 1


def test_the_member_area_links_to_the_certificate(union):
    _membership, representative = union

    text = client_for(representative).get("/member/knus/").content.decode()

    assert 'href="/member/knus/certificate/"' in text


def test_the_secretariats_member_page_links_to_the_certificate(union):
    text = client_for(secretariat_user()).get("/committee/members/knus/").content.decode()

    assert 'href="/member/knus/certificate/"' in text


def test_an_ended_membership_has_no_certificate(union):
    membership, representative = union
    membership_end(membership=membership, on=today(), reason="withdrawn")

    response = client_for(secretariat_user()).get(PDF)
    page = client_for(secretariat_user()).get(PAGE)

    assert response.status_code == 409
    assert page.status_code == 409
    assert "membership has ended" in page.content.decode()
    assert client_for(representative).get(PAGE).status_code == 409
    assert not Certificate.objects.exists()


def test_the_pdf_draws_arabic_and_turkish_names(union):
    membership, representative = union
    organization = membership.organization
    organization.name = "الاتحاد الوطني لطلبة المغرب — Türkiye Öğrenci Birliği"
    organization.save()

    response = client_for(representative).get(PDF, HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "Türkiye Öğrenci Birliği" in text
    assert "ل" in text  # Arabic letters were drawn with a glyph (shaped forms map back to letters)


def test_the_pdf_is_written_in_the_reader_s_language_whatever_the_browser_asks(union):
    _membership, representative = union
    Preferences.objects.create(user=representative, language="fr")

    response = client_for(representative).get(PDF, HTTP_ACCEPT_LANGUAGE="en")

    text = " ".join(_pdf_text(response.content).split())
    assert "est membre de plein droit de la fédération depuis le 1 mai 2020" in text
    assert "is a full member" not in text
