"""The motions API: decisions on member unions through /api/v1/motions/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dues import services as dues_services
from dues.models import DuesRate, Waiver
from dues.selectors import invoices_with_open_amount
from registry.models import MembershipState
from registry.selectors import today
from registry.services import representative_add_first
from tests.api.workflow_fixtures import client_with, token_for
from tests.dues.ledger import schedule
from tests.factories import MembershipFactory, applicant_user
from workflows.models import Motion, MotionKind, MotionState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

URL = "/api/v1/motions/"


@pytest.fixture
def union(cast):
    membership = MembershipFactory(organization__slug="tsu-tj", organization__name="Tajik Students' Union")
    representative = applicant_user()
    representative_add_first(organization=membership.organization, user=representative)
    return membership, client_with(f"Token {token_for(representative)}")


def test_the_secretariat_proposes_and_the_committee_carries_a_suspension(api_as, cast, union):
    membership, _ = union
    created = api_as("secretariat").post(
        URL, {"union": "tsu-tj", "kind": "suspend", "reason": "No return since 2023."}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["union"], body["kind"], body["state"]) == ("tsu-tj", "suspend", "proposed")
    assert "open-vote" in body["actions"]
    motion = f"{URL}{body['id']}/"

    deadline = (today() + datetime.timedelta(days=5)).isoformat() + "T23:59:59Z"
    opened = api_as("secretariat").post(f"{motion}open-vote/", {"deadline": deadline}, format="json")
    assert (opened.status_code, opened.json()["state"]) == (200, "voting")
    for n, member in enumerate(cast.committee):
        ballot = client_with(f"Token {token_for(member)}").post(
            f"{motion}ballots/", {"choice": "yes"}, format="json"
        )
        assert ballot.status_code == 201, ballot.json()
        assert ballot.json()["round"] == 1, n

    assert api_as("secretariat").get(motion).json()["state"] == "carried"
    membership.refresh_from_db()
    assert membership.state == MembershipState.SUSPENDED
    rounds = api_as("secretariat").get(f"{motion}rounds/").json()
    assert rounds[0]["outcome"] == "passed"
    assert rounds[0]["tally"]["yes"] == 3


def test_the_union_reads_its_motions_but_never_the_ballots_and_others_see_nothing(api_as, cast, union):
    _membership, representative = union
    api_as("secretariat").post(URL, {"union": "tsu-tj", "kind": "suspend", "reason": "Dues."}, format="json")
    motion = Motion.objects.get()

    listed = representative.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [motion.pk]
    assert representative.get(f"{URL}{motion.pk}/rounds/").json() == []
    assert api_as("applicant").get(f"{URL}{motion.pk}/").status_code == 404
    assert api_as("applicant").get(URL).json()["results"] == []


def test_a_union_gives_notice_and_the_secretariat_confirms(api_as, union):
    membership, representative = union
    created = representative.post(
        URL, {"union": "tsu-tj", "kind": "withdrawal", "effective_on": today().isoformat()}, format="json"
    )
    assert created.status_code == 201, created.json()

    confirmed = api_as("secretariat").post(f"{URL}{created.json()['id']}/confirm/", {}, format="json")

    assert (confirmed.status_code, confirmed.json()["state"]) == (200, MotionState.CARRIED)
    membership.refresh_from_db()
    assert membership.state == MembershipState.ENDED


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"union": "tsu-tj", "kind": "expel"}, 400, "reason"),
        ({"union": "nowhere", "kind": "suspend", "reason": "x"}, 404, "member union"),
        ({"union": "tsu-tj", "kind": "reinstate"}, 409, None),
        ({"union": "tsu-tj", "kind": "suspend", "reason": "x", "state": "carried"}, 400, "state"),
    ],
)
def test_bad_proposals_are_refused_with_a_readable_body_and_nothing_saved(api_as, union, body, status, field):
    response = api_as("secretariat").post(URL, body, format="json")
    assert response.status_code == status, response.json()
    if field:
        assert field in str(response.json())
    assert not Motion.objects.exists()


def test_a_representative_cannot_propose_the_committee_s_decisions(union):
    _, representative = union
    response = representative.post(URL, {"union": "tsu-tj", "kind": "expel", "reason": "x"}, format="json")
    assert response.status_code == 403
    assert not Motion.objects.exists()


def test_a_second_open_motion_of_the_same_kind_is_a_conflict(api_as, union):
    first = api_as("secretariat").post(
        URL, {"union": "tsu-tj", "kind": "suspend", "reason": "x"}, format="json"
    )
    assert first.status_code == 201
    again = api_as("secretariat").post(
        URL, {"union": "tsu-tj", "kind": "suspend", "reason": "y"}, format="json"
    )
    assert again.status_code == 409
    assert Motion.objects.count() == 1


# --- a waiver of dues above the secretariat's limit ----------------------------------------------------


def invoiced(membership, year: int = 2025):
    """``membership``'s invoice of 400.00 EUR for ``year``, nothing paid."""
    if not DuesRate.objects.filter(year=year).exists():
        schedule(year=year, from_0="400.00")
    return dues_services.invoice_create(membership=membership, year=year, on=datetime.date(year, 1, 1))


def open_minor(invoice) -> int:
    return invoices_with_open_amount(today()).get(pk=invoice.pk).open_minor


def waiver_body(**changes) -> dict:
    body = {
        "union": "tsu-tj",
        "kind": "waive_dues",
        "reason": "The union's offices were flooded.",
        "invoice_number": "2025-0001",
        "amount": "250.00",
    }
    return {key: value for key, value in {**body, **changes}.items() if value is not None}


def test_a_waiver_proposed_through_the_api_is_written_to_the_ledger_when_carried(api_as, cast, union):
    membership, representative = union
    invoice = invoiced(membership)
    created = api_as("secretariat").post(URL, waiver_body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["invoice_number"], body["amount"], body["currency"]) == (
        "waive_dues",
        invoice.number,
        "250.00",
        "EUR",
    )
    assert not Waiver.objects.exists()  # nothing is waived before the committee's vote
    motion = f"{URL}{body['id']}/"

    assert api_as("secretariat").post(f"{motion}open-vote/", {}, format="json").status_code == 200
    for member in cast.committee:
        ballot = client_with(f"Token {token_for(member)}").post(
            f"{motion}ballots/", {"choice": "yes"}, format="json"
        )
        assert ballot.status_code == 201, ballot.json()

    carried = api_as("committee").get(motion).json()
    assert (carried["state"], carried["invoice_number"], carried["amount"]) == (
        "carried",
        "2025-0001",
        "250.00",
    )
    waiver = Waiver.objects.get()
    assert (waiver.invoice_id, waiver.amount_minor, waiver.by_motion) == (invoice.pk, 25000, body["id"])
    assert waiver.reason == "The union's offices were flooded."
    assert open_minor(invoice) == 15000
    # The union reads its motion, never the committee's figures.
    seen_by_union = representative.get(motion).json()
    assert seen_by_union["state"] == "carried"
    assert (seen_by_union["invoice_number"], seen_by_union["amount"], seen_by_union["currency"]) == (
        None,
        None,
        None,
    )
    listed = representative.get(URL).json()["results"]
    assert [(item["invoice_number"], item["amount"], item["currency"]) for item in listed] == [
        (None, None, None)
    ]
    assert '"250.00"' not in representative.get(URL).content.decode()


def test_other_decisions_show_no_invoice_nor_amount(api_as, union):
    created = api_as("secretariat").post(
        URL, {"union": "tsu-tj", "kind": "suspend", "reason": "No return."}, format="json"
    )
    body = created.json()
    assert (body["invoice_number"], body["amount"], body["currency"]) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "-250.00"}, "amount", "more than zero"),
        ({"amount": "0"}, "amount", "more than zero"),
        ({"amount": "400.01"}, "amount", "more than is open"),
        ({"amount": "50.00"}, "amount", "without a motion"),  # the secretariat's own to waive
        ({"amount": "250.005"}, "amount", "decimal places"),
        ({"amount": "many"}, "amount", "valid number"),
        ({"amount": 250}, "amount", "Must be a string"),
        ({"amount": None}, "amount", "number"),
        ({"invoice_number": "1999-0042"}, "invoice_number", "this union's invoices"),
        ({"invoice_number": "2025-0002"}, "invoice_number", "this union's invoices"),  # another union's
        ({"invoice_number": None}, "invoice_number", "this union's invoices"),
        ({"reason": None}, "reason", "union is told why"),
    ],
)
def test_a_bad_waiver_is_refused_with_the_field_named_and_nothing_written(
    api_as, union, changes, field, message
):
    membership, _ = union
    invoice = invoiced(membership)
    other = invoiced(MembershipFactory(organization__slug="another-union"))
    assert other.number == "2025-0002"

    response = api_as("secretariat").post(URL, waiver_body(**changes), format="json")

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in " ".join(error["details"][field]), error
    assert not Motion.objects.exists()
    assert not Waiver.objects.exists()
    assert open_minor(invoice) == 40000


def test_the_motions_list_reads_waivers_in_a_fixed_number_of_queries(api_as, cast):
    def waiver_motions(count: int) -> None:
        for _ in range(count):
            membership = MembershipFactory()
            Motion.objects.create(
                membership=membership,
                kind=MotionKind.WAIVE_DUES,
                reason="Hardship.",
                invoice=invoiced(membership),
                amount_minor=25000,
                proposed_by=cast.secretariat,
            )

    client = api_as("committee")
    client.get(URL)  # the token's first use is recorded once
    waiver_motions(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).json()["results"][0]["amount"] == "250.00"
    waiver_motions(3)
    with CaptureQueriesContext(connection) as four:
        rows = client.get(URL).json()["results"]
    assert [row["amount"] for row in rows] == ["250.00"] * 4
    assert len(four) == len(one)


def test_partner_keys_are_refused(partner_client):
    assert partner_client.get(URL).status_code == 403


# --- who may do what: one row per operation of the schema ------------------------------------------------

ROLES = ("anonymous", "secretariat", "committee", "representative", "outsider", "partner_key")
# fmt: off
MOTION_TABLE = [
    # method, path,                              anon sec  com  rep  out  pk
    ("GET",  "/api/v1/motions/",                  401, 200, 200, 200, 200, 403),
    ("POST", "/api/v1/motions/",                  401, 201, 403, 403, 403, 403),
    ("GET",  "/api/v1/motions/{motion_id}/",      401, 200, 200, 200, 404, 403),
    ("POST", "/api/v1/motions/{motion_id}/open-vote/", 401, 200, 403, 403, 404, 403),
    ("POST", "/api/v1/motions/{motion_id}/close-vote/", 401, 409, 403, 403, 404, 403),
    ("POST", "/api/v1/motions/{motion_id}/confirm/", 401, 409, 403, 403, 404, 403),
    ("POST", "/api/v1/motions/{motion_id}/drop/", 401, 200, 403, 403, 404, 403),
    ("POST", "/api/v1/motions/{motion_id}/ballots/", 401, 409, 409, 409, 404, 403),
    ("POST", "/api/v1/motions/{motion_id}/recusal/", 401, 409, 409, 409, 404, 403),
    ("GET",  "/api/v1/motions/{motion_id}/rounds/", 401, 200, 200, 200, 404, 403),
]
# fmt: on
BODIES = {
    ("POST", "/api/v1/motions/"): {"union": "tsu-tj", "kind": "expel", "reason": "Dues unpaid for years."},
    ("POST", "/api/v1/motions/{motion_id}/drop/"): {"reason": "Paid."},
    ("POST", "/api/v1/motions/{motion_id}/ballots/"): {"choice": "yes"},
}


def test_every_motion_operation_of_the_schema_has_a_row():
    from tests.api.test_applications_permissions import schema_operations

    operations = {(m, p) for m, p in schema_operations() if p.startswith(URL)}
    assert operations == {(method, path) for method, path, *_ in MOTION_TABLE}


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [pytest.param(m, p, dict(zip(ROLES, s, strict=True)), id=f"{m} {p}") for m, p, *s in MOTION_TABLE],
)
def test_motion_permission_table(cast, union, partner_key, method, path, expected):
    from django.core.cache import cache
    from django.db import transaction

    membership, _ = union
    representative = membership.organization.representatives.get().user
    motion = Motion.objects.create(
        membership=membership, kind="suspend", reason="Dues.", proposed_by=cast.secretariat
    )
    credentials = {
        "anonymous": None,
        "secretariat": f"Token {token_for(cast.secretariat)}",
        "committee": f"Token {token_for(cast.committee[0])}",
        "representative": f"Token {token_for(representative)}",
        "outsider": f"Token {token_for(cast.other_applicant)}",
        "partner_key": f"Api-Key {partner_key.key}",
    }
    address = path.format(motion_id=motion.pk)
    actual = {}
    for role in ROLES:
        cache.clear()
        with transaction.atomic():
            client = client_with(credentials[role])
            body = BODIES.get((method, path), {})
            response = client.get(address) if method == "GET" else client.post(address, body, format="json")
            actual[role] = response.status_code
            transaction.set_rollback(True)
    assert actual == expected


@pytest.mark.parametrize("query", ["page=", "page_size=", "page=1&page=2"])
def test_the_list_refuses_empty_or_repeated_page_parameters(api_as, union, query):
    response = api_as("secretariat").get(f"{URL}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["error"]["details"]
