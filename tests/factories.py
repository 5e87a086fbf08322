"""factory-boy factories shared by every test folder."""

import datetime
import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registry.models import Membership, MembershipCategory, MembershipState, Organization, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Student Union {n}")
    acronym = factory.Sequence(lambda n: f"SU{n}")
    slug = factory.Sequence(lambda n: f"student-union-{n}")
    country = "KE"
    region = factory.SubFactory(RegionFactory)
    city = "Nairobi"
    email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example.org")
    founded_year = 1990
    students_represented = 10_000


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    category = MembershipCategory.FULL
    state = MembershipState.ACTIVE
    admitted_on = datetime.date(2020, 5, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("username")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))


class PartnerKeyFactory(factory.django.DjangoModelFactory):
    """A partner API key; the plain key, shown only once in real life, is on ``.key``."""

    class Meta:
        model = "api.PartnerKey"

    name = factory.Sequence(lambda n: f"Key {n}")
    organization_name = factory.Sequence(lambda n: f"Partner {n}")
    contact_email = factory.Sequence(lambda n: f"dev{n}@partner.example")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        partner_key, key = model_class.objects.create_key(**kwargs)
        partner_key.key = key
        return partner_key


# --- the application workflow -----------------------------------------------------------


def minimal_pdf(*objects: bytes) -> bytes:
    """A PDF the upload check accepts: ``objects`` (numbered from 1; the first is the catalog),
    by default a catalog, a page tree and one empty A4 page, then a cross-reference table that
    says exactly where each one is (a PDF without one is damaged, and refused)."""
    objects = objects or (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    )
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    size = len(objects) + 1
    return (
        out
        + b"xref\n0 %d\n0000000000 65535 f \n" % size
        + table
        + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, len(out))
    )


def image_bytes(image_format: str, size: tuple[int, int] = (4, 3), **options) -> bytes:
    """A small picture (a flat colour) as a file of ``image_format`` ("PNG", "JPEG")."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, image_format, **options)
    return out.getvalue()


# The smallest files the upload check accepts (a real PDF, a real PNG, a real JPEG).
PDF_BYTES = minimal_pdf()
PNG_BYTES = image_bytes("PNG")
JPEG_BYTES = image_bytes("JPEG")


def secretariat_user(**kwargs):
    """A member of staff in the Secretariat group (admin access through its group permissions)."""
    from accounts.roles import SECRETARIAT

    return UserFactory(groups=[SECRETARIAT], is_staff=True, **kwargs)


def reviewer_user(**kwargs):
    from accounts.roles import REVIEWERS

    return UserFactory(groups=[REVIEWERS], **kwargs)


def committee_member(**kwargs):
    from accounts.roles import EXECUTIVE_COMMITTEE

    return UserFactory(groups=[EXECUTIVE_COMMITTEE], **kwargs)


def applicant_user(**kwargs):
    """A union's representative: an account with no role group."""
    return UserFactory(**kwargs)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft (every field that submission needs); attach its documents with
    ``attach_required_documents``. Pass ``region=`` from the ``regions`` fixture, or get a
    ``RegionFactory`` one."""

    class Meta:
        model = "workflows.MembershipApplication"

    applicant = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"National Union of Students {n}")
    acronym = factory.Sequence(lambda n: f"NUS{n}")
    country = "KE"
    region = factory.SubFactory(RegionFactory)
    city = "Nairobi"
    website = factory.Sequence(lambda n: f"https://nus{n}.example.org")
    email = factory.Sequence(lambda n: f"international@nus{n}.example.org")
    founded_year = 1992
    students_represented = 250_000
    kind = "national_union"
    motivation = "We represent the students of our country and share the federation's aims."


def pdf_upload(name: str = "document.pdf", content: bytes = PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def attach_required_documents(application, *, actor=None) -> list:
    """Upload one small PDF for each required document kind, through the service."""
    from django.conf import settings

    from workflows.services import document_add

    return [
        document_add(
            application=application,
            actor=actor or application.applicant,
            kind=kind,
            upload=pdf_upload(f"{kind}.pdf"),
        )
        for kind in settings.WORKFLOW_REQUIRED_DOCUMENT_KINDS
    ]
