"""Fixtures of the hardening tests: a small world with every role, and clients acting as them.

Officers (Secretariat, Executive Committee) have TOTP, and two-factor is required, as in
production. Uploaded files go to a fresh MEDIA_ROOT per test (real files, so a test can
assert that nothing was written), and rate-limit counters to a fresh in-memory cache.
"""

import datetime
import uuid
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.tokens import token_create
from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from dues import services as dues_services
from dues.models import DuesRate
from meetings import services as meeting_services
from registry.models import EndReason, MembershipCategory, MembershipState
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from tests.cast import Cast, application_in, new_draft
from tests.factories import (
    PDF_BYTES,
    ApplicationFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerKeyFactory,
    applicant_user,
    attach_required_documents,
)
from workflows import membership, motions
from workflows.models import ApplicationState, MembershipApplication

S = ApplicationState

# Every role of the permission table, in the table's column order.
ROLES = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "secretariat",
    "assigned_reviewer",
    "other_reviewer",
    "committee",
    "committee_applicant",  # a member of the Executive Committee who is the walked application's applicant
    "partner_key",
    "revoked_key",
    "rep_this",
    "rep_other",
)
# Roles that are people signed in to the site (the others are anonymous to the pages).
SIGNED_IN = (
    "applicant_a",
    "applicant_b",
    "secretariat",
    "assigned_reviewer",
    "other_reviewer",
    "committee",
    "committee_applicant",
    "rep_this",
    "rep_other",
)


@pytest.fixture(autouse=True)
def _hardening_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    settings.OFFICERS_REQUIRE_MFA = True


def _person(make, **kwargs):
    user = make(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@dataclass
class Member:
    """The affiliate's life as a member union: a second representative (neither primary nor the
    last, so that one may remove them), an invitation to rep_other's address, a change request."""

    second_representative: object
    invitation: object
    invitation_token: str
    change_request: object
    motion: object  # the secretariat's motion to suspend the affiliate, in an open vote
    invoice: object  # the affiliate's dues invoice for this year


@dataclass
class World:
    """Applicant A's application under review (reviewer assigned, documents), A's draft,
    applicant B's own draft, an affiliate (rep_this represents it, rep_other another affiliate),
    a former member (its membership ended), a partner key and a revoked one, A's personal token;
    a member of the Executive Committee who, as the role "committee_applicant", is the walked
    application's applicant (``take_role``)."""

    users: dict
    application: MembershipApplication  # A's, under review, the assigned reviewer's review pending
    draft: MembershipApplication  # A's, a draft with documents
    b_application: MembershipApplication  # B's own draft
    affiliate: object
    former_member: object  # an organization whose membership has ended: it may apply again
    partner_key: object
    revoked_key: object
    a_token: object
    member: Member
    webhook: object  # an endpoint of partner_key, with one delivery
    meeting: object = None  # convened, chaired by "committee", a report with its paper on the agenda
    paper: object = None
    anonymous: AnonymousUser = field(default_factory=AnonymousUser)

    def user(self, role: str):
        return self.users.get(role, self.anonymous)

    def headers(self, role: str) -> dict[str, str]:
        if role == "partner_key":
            return {"HTTP_AUTHORIZATION": f"Api-Key {self.partner_key.key}"}
        if role == "revoked_key":
            return {"HTTP_AUTHORIZATION": f"Api-Key {self.revoked_key.key}"}
        return {}

    def take_role(self, role: str, application) -> None:
        """Make the database fit ``role`` for a request on ``application`` (inside the caller's
        rolled-back savepoint): the committee applicant becomes the application's applicant."""
        if role == "committee_applicant":
            MembershipApplication.objects.filter(pk=application.pk).update(applicant=self.users[role])

    def client(self, role: str, **kwargs) -> Client:
        """A test client acting as ``role``: signed in, or sending its key on every request."""
        client = Client(**kwargs, **self.headers(role))
        if role in self.users:
            client.force_login(self.users[role], backend="django.contrib.auth.backends.ModelBackend")
        return client


def build_world(cast: Cast, regions) -> World:
    """The suite's cast in the roles of the table, signed up (verified addresses) and the officers
    with TOTP; the committee applicant is the second member of the Executive Committee."""
    users = {
        "applicant_a": cast.applicant,
        "applicant_b": cast.other_applicant,
        "secretariat": cast.secretariat,
        "assigned_reviewer": cast.reviewers[0],
        "other_reviewer": cast.other_reviewer,
        "committee": cast.committee[0],
        "committee_applicant": cast.committee[1],
        "rep_this": applicant_user(),
        "rep_other": applicant_user(),
    }
    for user in users.values():
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for officer in (users["secretariat"], users["committee"], users["committee_applicant"]):
        TOTP.activate(officer, generate_totp_secret())
    region = regions["africa-east"]

    application = application_in(S.UNDER_REVIEW, cast, reviews_in=False, region=region)
    draft = new_draft(cast, region=region)
    b_application = ApplicationFactory(applicant=users["applicant_b"], region=region)
    attach_required_documents(b_application)

    affiliate = MembershipFactory(organization=OrganizationFactory(region=region)).organization
    former_member = MembershipFactory(
        organization=OrganizationFactory(region=region),
        state=MembershipState.ENDED,
        end_reason=EndReason.WITHDRAWN,
        admitted_on=datetime.date(2001, 1, 1),
        ended_on=datetime.date(2015, 6, 30),
    ).organization
    member = build_member(affiliate, users, region)
    revoked_key = PartnerKeyFactory()
    revoked_key.revoked = True
    revoked_key.save()
    a_token, _key = token_create(user=users["applicant_a"], name="walk")
    partner_key = PartnerKeyFactory()
    meeting, paper = build_meeting(cast)
    return World(
        users=users,
        application=MembershipApplication.objects.get(pk=application.pk),
        draft=MembershipApplication.objects.get(pk=draft.pk),
        b_application=MembershipApplication.objects.get(pk=b_application.pk),
        affiliate=affiliate,
        former_member=former_member,
        partner_key=partner_key,
        revoked_key=revoked_key,
        a_token=a_token,
        member=member,
        webhook=build_webhook(partner_key),
        meeting=meeting,
        paper=paper,
    )


def build_meeting(cast: Cast):
    """A convened meeting next month, chaired by "committee" and minuted by "committee applicant",
    with a report and its paper on the agenda."""
    starts_at = (timezone.now() + datetime.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    meeting = meeting_services.meeting_create(
        actor=cast.secretariat,
        title="Walked session",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        place="Headquarters",
        chair=cast.committee[0],
        minute_taker=cast.committee[1],
    )
    item = meeting_services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind="report", title="Report"
    )
    upload = SimpleUploadedFile("report.pdf", PDF_BYTES, content_type="application/pdf")
    paper = meeting_services.agenda_paper_add(item=item, actor=cast.secretariat, upload=upload)
    meeting = meeting_services.meeting_convene(meeting=meeting, actor=cast.secretariat)
    return meeting, paper


def build_webhook(partner_key):
    """An endpoint of the partner key (a public address, as registered) with one failed delivery."""
    endpoint = WebhookEndpoint.objects.create(
        partner_key=partner_key,
        url="https://partner.example/hook",
        secret_encrypted=webhooks.encrypt_secret(webhooks.new_secret()),
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_seq=1,
        event_type="member.admitted",
        payload="{}",
        retry_until=timezone.now(),
        state="failed",
    )
    return endpoint


def build_member(affiliate, users, region) -> Member:
    """rep_this represents the affiliate (its primary contact), rep_other another affiliate."""
    representative_add_first(organization=affiliate, user=users["rep_this"])
    second = representative_add_first(organization=affiliate, user=_person(applicant_user))
    other = MembershipFactory(organization=OrganizationFactory(region=region)).organization
    representative_add_first(organization=other, user=users["rep_other"])
    invitation, token = membership.invitation_send(
        organization=affiliate, actor=users["rep_this"], email=users["rep_other"].email
    )
    change_request = membership.change_request_submit(
        organization=affiliate, actor=users["rep_this"], changes={"acronym": "WALK"}
    )
    motion = motions.motion_propose(
        membership=affiliate.memberships.get(), actor=users["secretariat"], kind="suspend", reason="Walk."
    )
    motions.motion_vote_open(motion=motion, actor=users["secretariat"])
    year = federation_year(today())
    DuesRate.objects.create(year=year, category=MembershipCategory.FULL, amount_minor=50000, currency="EUR")
    invoice = dues_services.invoice_create(membership=affiliate.memberships.get(), year=year)
    return Member(second, invitation, token, change_request, motion, invoice)


@pytest.fixture
def world(cast, regions) -> World:
    return build_world(cast, regions)
