"""Partners see standing, never amounts: no page or endpoint that a partner or the public reads
shows a dues amount, an invoice's number or a payment's reference, while good standing shows.

A union settled by a payment, a waiver by the secretariat and a waiver carried by the Executive
Committee, and a union in arrears with a waiver motion still open, each figure distinctive; then
every partner-visible address is read anonymously and with a partner key (the directory and its
CSV, one affiliate, as of today, the regions, the change feed, the partner's webhooks, their
deliveries and the payloads fanned out, the certificate's verification and keys, the public
decisions and their CSV, the public pages) and none of those figures appears in any answer."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery
from dues import services as dues_services
from dues.selectors import invoices_with_open_amount
from meetings.minutes import minutes_record
from meetings.models import AgendaItem, AgendaItemKind, Meeting, MeetingState, Minutes
from registry import certificates, feed
from registry.selectors import federation_year, today
from tests.api.workflow_fixtures import client_with
from tests.dues.ledger import schedule
from tests.factories import MembershipFactory
from workflows import motions
from workflows.models import Motion, MotionKind, MotionState, VoteRound

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

INVOICED = "1234.56"  # each union's invoice
PAID = "333.33"  # the settled union's payment
WAIVED_BY_SECRETARIAT = "44.44"
WAIVED_BY_MOTION = "856.79"  # what was still open: the union is settled
PROPOSED_WAIVER = "555.55"  # the union in arrears: a waiver motion not yet voted
REFERENCE = "BANK-REF-55510"


def needles(*invoice_numbers: str) -> list[str]:
    """Every way a figure of the ledger could be written: as text, grouped, in minor units."""
    amounts = (INVOICED, PAID, WAIVED_BY_SECRETARIAT, WAIVED_BY_MOTION, PROPOSED_WAIVER)
    written = set(amounts) | {a.replace(".", ",") for a in amounts} | {"1,234.56", "1.234,56"}
    minor = {a.replace(".", "") for a in amounts if len(a) > 5}  # 123456, 33333 …: long enough to mean it
    return sorted(written | minor | {REFERENCE, *invoice_numbers})


def carry(cast, motion) -> Motion:
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    for member in cast.committee:
        motions.motion_vote_cast(motion=Motion.objects.get(pk=motion.pk), member=member, choice="yes")
    return Motion.objects.get(pk=motion.pk)


def decisions_of(motion: Motion, user) -> None:
    """A closed meeting whose approved minutes (the real record) carry ``motion``: /decisions/ lists it."""
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="Executive Committee, autumn session",
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
        chair=user,
        minute_taker=user,
        created_by=user,
        place="Headquarters",
        state=MeetingState.MINUTES_APPROVED,
    )
    item = AgendaItem.objects.create(
        meeting=meeting, position=1, kind=AgendaItemKind.MOTION, motion=motion, added_by=user
    )
    item.vote_rounds.set(VoteRound.objects.filter(motion=motion))
    Minutes.objects.create(
        meeting=meeting,
        record=minutes_record(meeting, {}),
        sha256="0" * 64,
        generated_at=now,
        generated_by=user,
        approved_at=now,
        approved_by=user,
    )


@pytest.fixture
def ledger(cast, settings, partner_key):
    """The two unions, their ledgers and motions, a partner's webhook endpoint; the feed published."""
    settings.RETURN_DUE_DAYS = 365  # standing here depends on dues only
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    endpoint, _secret = webhooks.webhook_endpoint_create(
        partner_key=partner_key, url="http://127.0.0.1:9/hook"
    )
    year = federation_year(today())
    schedule(year=year, from_0=INVOICED)
    issued = today() - datetime.timedelta(days=200)  # due, and past its grace: in arrears if open

    settled = MembershipFactory(organization__slug="settled-union", organization__name="Settled Union")
    invoice = dues_services.invoice_create(membership=settled, year=year, on=issued)
    dues_services.payment_record(
        membership=settled,
        actor=cast.secretariat,
        paid_on=today(),
        amount=Decimal(PAID),
        currency="EUR",
        method="bank_transfer",
        reference=REFERENCE,
    )
    dues_services.waiver_grant(
        invoice=invoice, actor=cast.secretariat, amount=Decimal(WAIVED_BY_SECRETARIAT), reason="Hardship."
    )
    waiver = motions.motion_propose(
        membership=settled,
        actor=cast.secretariat,
        kind=MotionKind.WAIVE_DUES,
        reason="The union's offices were flooded.",
        invoice_number=invoice.number,
        amount=WAIVED_BY_MOTION,
    )
    assert carry(cast, waiver).state == MotionState.CARRIED
    assert invoices_with_open_amount(today()).get(pk=invoice.pk).open_minor == 0
    decisions_of(waiver, cast.secretariat)

    in_arrears = MembershipFactory(organization__slug="arrears-union", organization__name="Arrears Union")
    other = dues_services.invoice_create(membership=in_arrears, year=year, on=issued)
    motions.motion_propose(
        membership=in_arrears,
        actor=cast.secretariat,
        kind=MotionKind.WAIVE_DUES,
        reason="Asked for relief.",
        invoice_number=other.number,
        amount=PROPOSED_WAIVER,
    )
    feed.publish_all()
    assert webhooks.fan_out()
    certificate = certificates.certificate_issue(membership=settled, actor=cast.secretariat)
    return {
        "numbers": [invoice.number, other.number],
        "endpoint": endpoint,
        "certificate": certificate.token,
    }


def read(client, address: str, **headers) -> str:
    response = client.get(address, **headers)
    assert response.status_code == 200, (address, response.status_code)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def partner_visible(ledger) -> list[tuple[str, dict]]:
    verify = reverse("certificate-verify", args=[ledger["certificate"]])
    return [
        ("/api/v1/affiliates/", {}),
        ("/api/v1/affiliates/?format=csv", {}),
        (f"/api/v1/affiliates/?as_of={today().isoformat()}", {}),
        ("/api/v1/affiliates/settled-union/", {}),
        ("/api/v1/affiliates/arrears-union/", {}),
        ("/api/v1/regions/", {}),
        ("/api/v1/changes/", {}),
        (verify, {}),
        (f"{verify}?format=json", {}),
        (reverse("certificate-keys"), {}),
        (reverse("decisions"), {}),
        (f"{reverse('decisions')}?csv=1", {}),
        (reverse("directory"), {}),
        (reverse("affiliate-detail", args=["settled-union"]), {}),
        (reverse("affiliate-detail", args=["arrears-union"]), {}),
        (reverse("statistics"), {}),
        (reverse("home"), {}),
    ]


@pytest.mark.parametrize("caller", ["anonymous", "partner_key"])
def test_no_partner_visible_answer_shows_a_dues_amount_or_an_invoice(ledger, partner_key, caller):
    client = client_with(f"Api-Key {partner_key.key}" if caller == "partner_key" else None)
    addresses = partner_visible(ledger)
    if caller == "partner_key":
        endpoint = ledger["endpoint"].pk
        addresses += [
            ("/api/v1/webhooks/", {}),
            (f"/api/v1/webhooks/{endpoint}/", {}),
            (f"/api/v1/webhooks/{endpoint}/deliveries/", {}),
        ]
    answers = {address: read(client, address, **headers) for address, headers in addresses}
    answers["webhook payloads"] = "\n".join(WebhookDelivery.objects.values_list("payload", flat=True))

    leaks = {
        (address, needle)
        for address, body in answers.items()
        for needle in needles(*ledger["numbers"])
        if needle in body
    }
    assert leaks == set()
    # Standing, though, is what partners read.
    affiliates = {row["slug"]: row for row in client.get("/api/v1/affiliates/").json()["results"]}
    assert affiliates["settled-union"]["in_good_standing"] is True
    assert affiliates["arrears-union"]["in_good_standing"] is False
    assert '"in_good_standing":true' in answers["webhook payloads"].replace(" ", "")
    assert '"in_good_standing":false' in answers["webhook payloads"].replace(" ", "")
    verified = client.get(reverse("certificate-verify", args=[ledger["certificate"]]), {"format": "json"})
    assert (verified.json()["status"], verified.json()["certificate"]["in_good_standing"]) == ("valid", True)
    assert "Dues waived" in answers[reverse("decisions")]  # the decision is public, its figures are not


def test_the_figures_looked_for_are_the_ledger_s_own(ledger, api_as):
    """The needles are real: the committee reads them where it may (so the test above is not vacuous)."""
    motions_seen = api_as("secretariat").get("/api/v1/motions/").content.decode()
    assert WAIVED_BY_MOTION in motions_seen
    assert PROPOSED_WAIVER in motions_seen
    assert all(number in motions_seen for number in ledger["numbers"])
