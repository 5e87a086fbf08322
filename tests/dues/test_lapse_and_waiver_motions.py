"""The committee decides what the secretariat may not: a membership lapses for dues unpaid for
``DUES_LAPSE_YEARS`` federation years, and a waiver above ``DUES_WAIVER_LIMIT``. Both are motions
voted by the Executive Committee; nothing changes without its vote, nothing when it is defeated."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from dues import reports, services
from dues.errors import DuesError
from dues.models import Waiver
from dues.selectors import invoices_with_open_amount
from registry.models import EndReason, MembershipState
from registry.selectors import today
from tests.dues.ledger import member, schedule
from workflows import motions
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import Motion, MotionKind, MotionState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.OFFICERS_REQUIRE_MFA = False  # two-factor has its own tests
    settings.DUES_LAPSE_YEARS = 2
    for year in (2024, 2025):
        schedule(year=year, from_0="400.00")
    with mock.patch("dues.services.feed.publish"):
        yield


def invoiced(*years, admitted_on=datetime.date(2020, 1, 1)):
    """A member invoiced for ``years`` (on each year's first day), nothing paid."""
    membership = member(admitted_on=admitted_on)
    for year in years:
        services.invoice_create(membership=membership, year=year, on=datetime.date(year, 1, 1))
    return membership


def refused(code, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def carry(cast, motion, choices=("yes", "yes", "no")):
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    for voter, choice in zip(cast.committee, choices, strict=True):
        motions.motion_vote_cast(motion=Motion.objects.get(pk=motion.pk), member=voter, choice=choice)
    return Motion.objects.get(pk=motion.pk)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- the lapse list -------------------------------------------------------------------------------------


def test_the_lapse_list_holds_current_members_in_arrears_for_the_years_set(cast, settings):
    two_years = invoiced(2024, 2025)
    one_year = invoiced(2025)
    ended = invoiced(2024, 2025)
    ended.state, ended.ended_on, ended.end_reason = MembershipState.ENDED, today(), EndReason.WITHDRAWN
    ended.save()

    listed = reports.lapse_list(today())
    assert [row.membership.pk for row in listed] == [two_years.pk]
    assert listed[0].years == [2024, 2025]
    assert reports.on_lapse_list(two_years, today())
    assert not reports.on_lapse_list(one_year, today())
    assert not reports.on_lapse_list(ended, today())
    settings.DUES_LAPSE_YEARS = 1
    assert {row.membership.pk for row in reports.lapse_list(today())} == {two_years.pk, one_year.pk}


def test_the_committee_sees_the_lapse_list_and_only_the_secretariat_may_propose(cast):
    union = invoiced(2024, 2025)
    url = reverse("committee-dues-lapse")
    committee_page = client_for(cast.committee[0]).get(url)
    assert committee_page.status_code == 200
    body = committee_page.content.decode()
    assert union.organization.name in body
    assert "2024-0001, 2025-0001" in body
    assert 'value="lapse"' not in body

    secretariat = client_for(cast.secretariat)
    body = secretariat.get(url).content.decode()
    assert 'value="lapse"' in body
    propose_url = reverse("committee-motion-propose", args=[union.organization.slug])
    assert propose_url in body
    response = secretariat.post(propose_url, {"kind": "lapse", "reason": "Dues unpaid for 2 years."})
    motion = Motion.objects.get(membership=union, kind=MotionKind.LAPSE)
    assert response.status_code == 302
    assert response["Location"] == reverse("committee-motion", args=[motion.pk])
    body = secretariat.get(url).content.decode()
    assert reverse("committee-motion", args=[motion.pk]) in body  # open: a link, no second button
    assert 'value="lapse"' not in body
    assert client_for(cast.applicant).get(url).status_code == 403


# --- the lapse motion -----------------------------------------------------------------------------------


def test_a_lapse_carried_by_the_committee_ends_the_membership_as_lapsed(cast):
    union = invoiced(2024, 2025)
    other = motions.motion_propose(
        membership=union, actor=cast.secretariat, kind=MotionKind.SUSPEND, reason="No return."
    )
    motion = motions.motion_propose(
        membership=union, actor=cast.secretariat, kind=MotionKind.LAPSE, reason="Dues unpaid for 2 years."
    )
    union.refresh_from_db()
    assert union.state == MembershipState.ACTIVE  # nothing ends without the committee's vote

    motion = carry(cast, motion)

    union.refresh_from_db()
    assert motion.state == MotionState.CARRIED
    assert motion.applied_at is not None
    assert (union.state, union.end_reason, union.ended_on) == (
        MembershipState.ENDED,
        EndReason.LAPSED,
        today(),
    )
    assert Motion.objects.get(pk=other.pk).state == MotionState.DROPPED


def test_a_defeated_lapse_changes_nothing(cast):
    union = invoiced(2024, 2025)
    motion = motions.motion_propose(
        membership=union, actor=cast.secretariat, kind=MotionKind.LAPSE, reason="Dues unpaid."
    )
    assert carry(cast, motion, ("no", "no", "yes")).state == MotionState.DEFEATED
    union.refresh_from_db()
    assert (union.state, union.end_reason, union.ended_on) == (MembershipState.ACTIVE, "", None)


def test_a_lapse_is_refused_for_a_union_not_or_no_longer_on_the_list(cast):
    one_year = invoiced(2025)
    error = refused(
        ErrorCode.NOT_ALLOWED,
        motions.motion_propose,
        membership=one_year,
        actor=cast.secretariat,
        kind=MotionKind.LAPSE,
        reason="Dues unpaid.",
    )
    assert "lapse list" in error.message

    union = invoiced(2024, 2025)
    motion = motions.motion_propose(
        membership=union, actor=cast.secretariat, kind=MotionKind.LAPSE, reason="Dues unpaid."
    )
    services.payment_record(
        membership=union,
        actor=cast.secretariat,
        paid_on=today(),
        amount=Decimal("400.00"),
        currency="EUR",
        method="bank_transfer",
        reference="PAID-2024",
    )
    assert not reports.on_lapse_list(union, today())
    # Paid while the committee votes: the decision no longer fits, nothing ends.
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    motions.motion_vote_cast(motion=Motion.objects.get(pk=motion.pk), member=cast.committee[0], choice="yes")
    motions.motion_vote_cast(motion=Motion.objects.get(pk=motion.pk), member=cast.committee[1], choice="yes")
    refused(
        ErrorCode.CONFLICT,
        motions.motion_vote_cast,
        motion=Motion.objects.get(pk=motion.pk),
        member=cast.committee[2],
        choice="yes",
    )
    union.refresh_from_db()
    assert union.state == MembershipState.ACTIVE
    assert Motion.objects.get(pk=motion.pk).state == MotionState.VOTING
    motions.motion_drop(motion=Motion.objects.get(pk=motion.pk), actor=cast.secretariat, reason="Paid.")
    refused(
        ErrorCode.NOT_ALLOWED,
        motions.motion_propose,
        membership=union,
        actor=cast.secretariat,
        kind=MotionKind.LAPSE,
        reason="Dues unpaid.",
    )


# --- a waiver above the limit, by motion ----------------------------------------------------------------


def _open_on(invoice) -> int:
    return invoices_with_open_amount(today()).get(pk=invoice.pk).open_minor


def test_the_secretariat_alone_may_not_waive_above_the_limit(cast):
    invoice = invoiced(2025).invoices.get()
    with pytest.raises(DuesError):
        services.waiver_grant(
            invoice=invoice, actor=cast.secretariat, amount=Decimal("300.00"), reason="Flood"
        )
    assert not Waiver.objects.exists()


def test_a_waiver_carried_by_the_committee_is_written_beyond_the_limit(cast):
    union = invoiced(2025)
    invoice = union.invoices.get()
    motion = motions.motion_propose(
        membership=union,
        actor=cast.secretariat,
        kind=MotionKind.WAIVE_DUES,
        reason="The union's offices burnt down.",
        invoice_number=invoice.number,
        amount=Decimal("300.00"),
    )
    assert (motion.invoice_id, motion.amount_minor, motion.amount) == (invoice.pk, 30000, Decimal("300.00"))
    assert not Waiver.objects.exists()

    assert carry(cast, motion).state == MotionState.CARRIED

    waiver = Waiver.objects.get()
    assert (waiver.invoice_id, waiver.amount_minor, waiver.by_motion) == (invoice.pk, 30000, motion.pk)
    assert waiver.reason == "The union's offices burnt down."
    assert waiver.created_by is None
    assert _open_on(invoice) == 10000
    union.refresh_from_db()
    assert union.state == MembershipState.ACTIVE


def test_a_defeated_waiver_writes_nothing(cast):
    union = invoiced(2025)
    invoice = union.invoices.get()
    motion = motions.motion_propose(
        membership=union,
        actor=cast.secretariat,
        kind=MotionKind.WAIVE_DUES,
        reason="Hardship.",
        invoice_number=invoice.number,
        amount="250",
    )
    assert carry(cast, motion, ("no", "no", "yes")).state == MotionState.DEFEATED
    assert not Waiver.objects.exists()
    assert _open_on(invoice) == 40000


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"invoice_number": "1999-0001", "amount": "300"}, "invoice_number"),
        ({"invoice_number": "", "amount": "300"}, "invoice_number"),
        ({"amount": "100.00"}, "amount"),  # the secretariat's own: no motion
        ({"amount": "400.01"}, "amount"),  # more than is open
        ({"amount": "abc"}, "amount"),
        ({"amount": "-300"}, "amount"),
        ({"amount": "300.001"}, "amount"),
    ],
)
def test_a_waiver_motion_needs_the_union_s_invoice_and_an_amount_above_the_limit(cast, data, field):
    union = invoiced(2025)
    other = invoiced(2024)
    data = {"invoice_number": union.invoices.get().number, **data}
    if data["invoice_number"] == "1999-0001":
        data["invoice_number"] = other.invoices.get().number  # another union's
    error = refused(
        ErrorCode.INVALID,
        motions.motion_propose,
        membership=union,
        actor=cast.secretariat,
        kind=MotionKind.WAIVE_DUES,
        reason="Hardship.",
        **data,
    )
    assert field in error.details
    assert not Motion.objects.exists()


def test_the_secretariat_proposes_a_waiver_from_the_member_s_page(cast):
    union = invoiced(2025)
    invoice = union.invoices.get()
    secretariat = client_for(cast.secretariat)
    url = reverse("committee-motion-propose", args=[union.organization.slug])
    response = secretariat.post(
        url, {"kind": "waive_dues", "reason": "Hardship.", "invoice_number": invoice.number, "amount": "50"}
    )
    assert response.status_code == 400
    assert "without a motion" in response.content.decode()
    assert not Motion.objects.exists()

    response = secretariat.post(
        url, {"kind": "waive_dues", "reason": "Hardship.", "invoice_number": invoice.number, "amount": "250"}
    )
    motion = Motion.objects.get()
    assert response["Location"] == reverse("committee-motion", args=[motion.pk])
    page = secretariat.get(response["Location"]).content.decode()
    assert invoice.number in page
    assert "250.00 EUR" in page
