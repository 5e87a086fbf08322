"""The permission table: every operation of the OpenAPI schema, for every kind of caller → the status.

One explicit table below. ``test_every_operation_of_the_schema_has_a_row`` fails when an
operation is added to the schema without a row here (and when a row names an operation that
is gone). Each cell is one real request (credentials in the Authorization header, as clients
send them) in a savepoint that is rolled back, so every caller meets the same application in
the row's state; the services decide everything past "may this person see it".
"""

import datetime
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.models import PersonalToken
from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from meetings import services as meeting_services
from meetings.models import MeetingState
from registry.models import EndReason, MembershipState
from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in, new_draft
from tests.factories import PDF_BYTES, MembershipFactory, PartnerKeyFactory
from workflows import services
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

S = ApplicationState
M = MeetingState
V1 = "/api/v1"

ROLES = (
    "anonymous",
    "applicant",  # A, who owns the application
    "other_applicant",  # B
    "secretariat",
    "assigned_reviewer",  # assigned to A's application (once submitted)
    "other_reviewer",  # in Reviewers, not assigned
    "committee",  # Executive Committee member (an eligible voter in a round)
    "partner_key",  # Authorization: Api-Key <valid key>
    "revoked_token",  # Authorization: Token <the secretariat's revoked personal token>
    "revoked_partner_key",  # Authorization: Api-Key <revoked key>
)

# The application each row acts on: A's, walked to this state through the services.
# "reviews pending": under review, no review in yet; "under_review": every review in.
PENDING = "reviews pending"
# "answered": under review again after the applicant answered a request for information, with the
# reviews written before the answer.
ANSWERED = "answered"

# fmt: off
TABLE = [
    # method, path,                                            state,             anon  A    B    sec  rvA  rvO  com  pk   rtok rpk
    ("GET",   "/applications/",                                None,              401, 200, 200, 200, 200, 200, 200, 403, 401, 403),
    ("POST",  "/applications/",                                None,              401, 201, 201, 201, 201, 201, 201, 403, 401, 403),
    ("GET",   "/applications/{id}/",                           S.DRAFT,           401, 200, 404, 200, 404, 404, 404, 403, 401, 403),
    ("GET",   "/applications/{id}/",                           S.SUBMITTED,       401, 200, 404, 200, 200, 200, 200, 403, 401, 403),
    ("PATCH", "/applications/{id}/",                           S.DRAFT,           401, 200, 404, 403, 404, 404, 404, 403, 401, 403),
    ("PATCH", "/applications/{id}/",                           S.SUBMITTED,       401, 409, 404, 403, 403, 403, 403, 403, 401, 403),
    ("PATCH", "/applications/{id}/",                           S.INFO_REQUESTED,  401, 200, 404, 403, 403, 403, 403, 403, 401, 403),
    ("DELETE", "/applications/{id}/",                          S.DRAFT,           401, 204, 404, 403, 404, 404, 404, 403, 401, 403),
    ("DELETE", "/applications/{id}/",                          S.SUBMITTED,       401, 409, 404, 403, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/documents/",                 S.DRAFT,           401, 201, 404, 403, 404, 404, 404, 403, 401, 403),
    ("POST",  "/applications/{id}/documents/",                 S.UNDER_REVIEW,    401, 409, 404, 403, 403, 403, 403, 403, 401, 403),
    ("GET",   "/applications/{id}/documents/{doc_id}/",        S.DRAFT,           401, 200, 404, 200, 404, 404, 404, 403, 401, 403),
    ("GET",   "/applications/{id}/documents/{doc_id}/",        S.SUBMITTED,       401, 200, 404, 200, 200, 200, 200, 403, 401, 403),
    ("POST",  "/applications/{id}/submit/",                    S.DRAFT,           401, 200, 404, 403, 404, 404, 404, 403, 401, 403),
    ("POST",  "/applications/{id}/submit/",                    S.SUBMITTED,       401, 409, 404, 409, 409, 409, 409, 403, 401, 403),
    ("POST",  "/applications/{id}/resubmit/",                  S.INFO_REQUESTED,  401, 200, 404, 403, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/withdraw/",                  S.DRAFT,           401, 409, 404, 409, 404, 404, 404, 403, 401, 403),
    ("POST",  "/applications/{id}/withdraw/",                  S.EXECUTIVE_VOTE,  401, 200, 404, 403, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/request-info/",              S.SUBMITTED,       401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/reject/",                    S.SUBMITTED,       401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/reject/",                    S.REVIEWED,        401, 409, 404, 409, 409, 409, 409, 403, 401, 403),
    ("POST",  "/applications/{id}/start-review/",              S.SUBMITTED,       401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/complete-review/",           S.UNDER_REVIEW,    401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/complete-review/",           PENDING,           401, 403, 404, 409, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/open-vote/",                 S.REVIEWED,        401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/close-vote/",                S.EXECUTIVE_VOTE,  401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/reviews/",                   PENDING,           401, 403, 404, 403, 201, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/reviews/",                   S.UNDER_REVIEW,    401, 403, 404, 403, 409, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/revise-review/",             S.UNDER_REVIEW,    401, 403, 404, 403, 200, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/revise-review/",             PENDING,           401, 403, 404, 403, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/revise-review/",             S.REVIEWED,        401, 409, 404, 409, 409, 409, 409, 403, 401, 403),
    ("POST",  "/applications/{id}/confirm-review/",            ANSWERED,          401, 403, 404, 403, 200, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/confirm-review/",            S.UNDER_REVIEW,    401, 403, 404, 403, 409, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/ballots/",                   S.EXECUTIVE_VOTE,  401, 403, 404, 403, 403, 403, 201, 403, 401, 403),
    ("POST",  "/applications/{id}/ballots/",                   S.REVIEWED,        401, 409, 404, 409, 409, 409, 409, 403, 401, 403),
    ("POST",  "/applications/{id}/recusal/",                   S.EXECUTIVE_VOTE,  401, 403, 404, 403, 403, 403, 200, 403, 401, 403),
    ("GET",   "/applications/{id}/rounds/",                    S.DRAFT,           401, 200, 404, 200, 404, 404, 404, 403, 401, 403),
    ("GET",   "/applications/{id}/rounds/",                    S.EXECUTIVE_VOTE,  401, 200, 404, 200, 200, 200, 200, 403, 401, 403),
    ("POST",  "/applications/{id}/link-organization/",         S.SUBMITTED,       401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/link-organization/",         S.EXECUTIVE_VOTE,  401, 403, 404, 409, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/confirm-distinct/",          S.REVIEWED,        401, 403, 404, 200, 403, 403, 403, 403, 401, 403),
    ("POST",  "/applications/{id}/confirm-distinct/",          S.DRAFT,           401, 403, 404, 409, 404, 404, 404, 403, 401, 403),
    ("GET",   "/applications/{id}/history/",                   S.DRAFT,           401, 200, 404, 200, 404, 404, 404, 403, 401, 403),
    ("GET",   "/applications/{id}/history/",                   S.SUBMITTED,       401, 200, 404, 200, 200, 200, 200, 403, 401, 403),
    # The directory: open to anyone; personal tokens are not its business (ignored), revoked keys are refused.
    ("GET",   "/affiliates/",                                  None,              200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    ("GET",   "/affiliates/{slug}/",                           None,              200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    ("GET",   "/regions/",                                     None,              200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    ("GET",   "/changes/",                                     None,              200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    # Webhooks: a partner key's own endpoints (the partner_key column's); nobody else's (403 to people:
    # these addresses take partner keys only, so a person's token is ignored and the caller anonymous).
    ("GET",   "/webhooks/",                                    None,              401, 401, 401, 401, 401, 401, 401, 200, 401, 403),
    ("POST",  "/webhooks/",                                    None,              401, 401, 401, 401, 401, 401, 401, 201, 401, 403),
    ("GET",   "/webhooks/{webhook_id}/",                       None,              401, 401, 401, 401, 401, 401, 401, 200, 401, 403),
    ("PATCH", "/webhooks/{webhook_id}/",                       None,              401, 401, 401, 401, 401, 401, 401, 200, 401, 403),
    ("DELETE", "/webhooks/{webhook_id}/",                      None,              401, 401, 401, 401, 401, 401, 401, 204, 401, 403),
    ("POST",  "/webhooks/{webhook_id}/rotate-secret/",         None,              401, 401, 401, 401, 401, 401, 401, 200, 401, 403),
    ("GET",   "/webhooks/{webhook_id}/deliveries/",            None,              401, 401, 401, 401, 401, 401, 401, 200, 401, 403),
    ("POST",  "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver/", None, 401, 401, 401, 401, 401, 401, 401, 202, 401, 403),
]
# The Executive Committee's meetings: its members read them, the secretariat prepares them; the
# committee member here is neither the chair nor the minute-taker. Anyone else is refused the list
# and meets no meeting. The state is the meeting's (walked through meetings.services), with one
# agenda item.
MEETING_TABLE = [
    # method, path,                                            state,             anon  A    B    sec  rvA  rvO  com  pk   rtok rpk
    ("GET",   "/meetings/",                                    None,              401, 403, 403, 200, 403, 403, 200, 403, 401, 403),
    ("POST",  "/meetings/",                                    None,              401, 403, 403, 201, 403, 403, 403, 403, 401, 403),
    ("GET",   "/meetings/{meeting_id}/",                       M.DRAFT,           401, 404, 404, 200, 404, 404, 200, 403, 401, 403),
    ("PATCH", "/meetings/{meeting_id}/",                       M.DRAFT,           401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("PATCH", "/meetings/{meeting_id}/",                       M.IN_SESSION,      401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/convene/",               M.DRAFT,           401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/convene/",               M.CONVENED,        401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/cancel/",                M.CONVENED,        401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/cancel/",                M.IN_SESSION,      401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/open-session/",          M.CONVENED,        401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/open-session/",          M.DRAFT,           401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/close/",                 M.IN_SESSION,      401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/close/",                 M.CONVENED,        401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/agenda/",                M.DRAFT,           401, 404, 404, 201, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/agenda/",                M.IN_SESSION,      401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("DELETE", "/meetings/{meeting_id}/agenda/{item_id}/",     M.CONVENED,        401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("DELETE", "/meetings/{meeting_id}/agenda/{item_id}/",     M.IN_SESSION,      401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/agenda/reorder/",        M.DRAFT,           401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("POST",  "/meetings/{meeting_id}/agenda/reorder/",        M.CLOSED,          401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
    ("PUT",   "/meetings/{meeting_id}/attendance/{member_id}/", M.IN_SESSION,     401, 404, 404, 200, 404, 404, 403, 403, 401, 403),
    ("PUT",   "/meetings/{meeting_id}/attendance/{member_id}/", M.DRAFT,          401, 404, 404, 409, 404, 404, 403, 403, 401, 403),
]
# The votes on agenda items, the minutes and the public decisions: their own table, on meetings
# voting, held and approving minutes (tests/api/test_meeting_votes_minutes_api.py).
NOT_IN_THE_MEETING_TABLE = {
    f"{V1}/meetings/{{meeting_id}}/agenda/{{item_id}}/vote/",
    f"{V1}/meetings/{{meeting_id}}/agenda/{{item_id}}/vote/named/",
    f"{V1}/meetings/{{meeting_id}}/agenda/{{item_id}}/vote/counted/",
    f"{V1}/meetings/{{meeting_id}}/agenda/{{item_id}}/vote/close/",
    f"{V1}/meetings/{{meeting_id}}/agenda/{{item_id}}/approve-minutes/",
    f"{V1}/meetings/{{meeting_id}}/minutes/",
    f"{V1}/meetings/{{meeting_id}}/minutes.pdf",
    f"{V1}/meetings/{{meeting_id}}/minutes/items/{{item_id}}/summary/",
    f"{V1}/meetings/{{meeting_id}}/minutes/circulate/",
    f"{V1}/decisions/",
}
# Not operations of the schema, but public API addresses all the same.
EXTRA = [
    ("GET",   "/api/schema/",                                  None,              200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    ("GET",   "/api/docs/",                                    None,              200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
]
# fmt: on

# The body each operation is sent: valid, so that the answer is about who asks, not what.
BODIES = {
    ("POST", "/applications/"): {"name": "Table Union", "country": "GH"},
    ("PATCH", "/applications/{id}/"): {"city": "Kisumu"},
    ("POST", "/applications/{id}/request-info/"): {"comment": "Statutes in English, please."},
    ("POST", "/applications/{id}/reject/"): {"comment": "Not a student union."},
    ("POST", "/applications/{id}/start-review/"): "REVIEWERS",
    ("POST", "/applications/{id}/open-vote/"): {"category": "full", "comment": "To the vote."},
    ("POST", "/applications/{id}/reviews/"): {"recommendation": "admit", "comment": "Eligible."},
    ("POST", "/applications/{id}/revise-review/"): {"recommendation": "reject", "comment": "Not after all."},
    ("POST", "/applications/{id}/ballots/"): {"choice": "yes"},
    ("POST", "/applications/{id}/recusal/"): {"reason": "Former officer of the union."},
    ("POST", "/applications/{id}/link-organization/"): "FORMER_MEMBER",
    ("POST", "/applications/{id}/confirm-distinct/"): {},
    ("POST", "/webhooks/"): {"url": "https://partner.example/hook"},
    ("POST", "/meetings/"): "MEETING",
    ("PATCH", "/meetings/{meeting_id}/"): {"place": "Tunis"},
    ("POST", "/meetings/{meeting_id}/cancel/"): {"reason": "The venue is closed."},
    ("POST", "/meetings/{meeting_id}/agenda/"): {"kind": "other", "title": "Next meeting"},
    ("POST", "/meetings/{meeting_id}/agenda/reorder/"): "ITEM_IDS",
    ("PUT", "/meetings/{meeting_id}/attendance/{member_id}/"): {"status": "present_online"},
    ("PATCH", "/webhooks/{webhook_id}/"): {"description": "Member sync"},
}
MULTIPART = {("POST", "/applications/{id}/documents/")}


def _full_path(path: str) -> str:
    return path if path.startswith("/api/") else V1 + path


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_operation_of_the_schema_has_a_row():
    rows = {(method, _full_path(path)) for method, path, *_ in TABLE + MEETING_TABLE}
    # The motions' operations have their own table (tests/api/test_motions_api.py), and so do the
    # votes on agenda items, the minutes and the decisions (NOT_IN_THE_MEETING_TABLE).
    operations = {
        (method, path)
        for method, path in schema_operations()
        if not path.startswith(f"{V1}/motions/") and path not in NOT_IN_THE_MEETING_TABLE
    }

    assert operations - rows == set(), "operations without a row in TABLE"
    assert rows - operations == set(), "rows for operations the schema no longer has"


def test_the_table_has_a_cell_for_every_role():
    for row in TABLE + MEETING_TABLE + EXTRA:
        assert len(row) == 3 + len(ROLES), row


def _application(cast, state):
    if state is None:
        return None
    if state == PENDING:
        application = application_in(S.SUBMITTED, cast)
        return services.application_start_review(application=application, actor=cast.secretariat)
    if state == ANSWERED:
        application = application_in(S.UNDER_REVIEW, cast)
        application = services.application_request_info(
            application=application, actor=cast.secretariat, comment="Statutes?"
        )
        application = services.application_resubmit(application=application, actor=cast.applicant)
        return services.application_start_review(application=application, actor=cast.secretariat)
    if state == S.DRAFT:
        return new_draft(cast)
    return application_in(state, cast)


def _webhook(partner_key) -> dict[str, int]:
    """An endpoint of ``partner_key`` with one delivery: the ids the webhooks' rows name."""
    endpoint = WebhookEndpoint.objects.create(
        partner_key=partner_key,
        url="https://partner.example/hook",
        secret_encrypted=webhooks.encrypt_secret(webhooks.new_secret()),
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_seq=1,
        event_type="member.admitted",
        payload="{}",
        retry_until=timezone.now(),
        state="failed",
    )
    return {"webhook_id": endpoint.pk, "delivery_id": delivery.pk}


def _credentials(cast, partner_key) -> dict[str, str | None]:
    revoked = token_for(cast.secretariat, name="revoked")
    PersonalToken.objects.filter(prefix=revoked.partition(".")[0]).update(revoked=True)
    dead_partner = PartnerKeyFactory()
    dead_partner.revoked = True
    dead_partner.save()
    return {
        "anonymous": None,
        **{role: f"Token {token_for(cast.role(role))}" for role in ROLES[1:7]},
        "partner_key": f"Api-Key {partner_key.key}",
        "revoked_token": f"Token {revoked}",
        "revoked_partner_key": f"Api-Key {dead_partner.key}",
    }


def _call(client, method: str, path: str, body, multipart: bool):
    if method == "GET":
        return client.get(path)
    if multipart:
        upload = SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/octet-stream")
        return client.generic(method, path, **_multipart({"kind": "letter_of_intent", "file": upload}))
    return client.generic(method, path, data=_json(body), content_type="application/json")


def _json(body) -> str:
    return json.dumps(body or {})


def _multipart(data: dict) -> dict:
    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


@pytest.mark.parametrize(
    ("method", "path", "state", "expected"),
    [
        pytest.param(
            method, path, state, dict(zip(ROLES, statuses, strict=True)), id=f"{method} {path} [{state}]"
        )
        for method, path, state, *statuses in TABLE + EXTRA
    ],
)
def test_permission_table(cast, method, path, state, expected, regions, monkeypatch):
    monkeypatch.setattr(webhooks, "_resolve", lambda host, port: ["93.184.215.14"])  # a public address
    application = _application(cast, state)
    affiliate = MembershipFactory(organization__region=regions["africa-east"]).organization
    partner_key = PartnerKeyFactory()
    values = {"slug": affiliate.slug, **_webhook(partner_key)}
    if application is not None:
        values["id"] = application.pk
        values["doc_id"] = application.documents.order_by("pk").first().pk
    body = BODIES.get((method, path))
    if body == "REVIEWERS":
        body = {"reviewers": [r.pk for r in cast.reviewers]}
    elif body == "FORMER_MEMBER":  # an organization whose membership has ended: it may apply again
        former = MembershipFactory(
            organization__region=regions["africa-east"],
            state=MembershipState.ENDED,
            end_reason=EndReason.WITHDRAWN,
            admitted_on=datetime.date(2001, 1, 1),
            ended_on=datetime.date(2015, 6, 30),
        )
        body = {"organization": former.organization_id}
    address = _full_path(path).format(**values)
    credentials = _credentials(cast, partner_key)

    actual = {}
    for role in ROLES:
        cache.clear()  # no rate limit carries over from one cell to the next
        with transaction.atomic():
            response = _call(
                client_with(credentials[role]), method, address, body, (method, path) in MULTIPART
            )
            actual[role] = response.status_code
            transaction.set_rollback(True)

    assert actual == expected


def _meeting(cast, state):
    """A meeting in ``state`` through the services, chaired and minuted by the committee's second
    and third members, with one item on its agenda."""
    if state is None:
        return None
    starts_at = (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)
    meeting = meeting_services.meeting_create(
        actor=cast.secretariat,
        title="Executive Committee, December session",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        place="Headquarters, Istanbul",
        chair=cast.committee[1],
        minute_taker=cast.committee[2],
    )
    meeting_services.agenda_item_add(meeting=meeting, actor=cast.secretariat, kind="other", title="AOB")
    steps = {
        M.DRAFT: [],
        M.CONVENED: [meeting_services.meeting_convene],
        M.IN_SESSION: [meeting_services.meeting_convene, meeting_services.meeting_open_session],
        M.CLOSED: [
            meeting_services.meeting_convene,
            meeting_services.meeting_open_session,
            meeting_services.meeting_close,
        ],
    }[state]
    for step in steps:
        meeting = step(meeting=meeting, actor=cast.secretariat)
    return meeting


@pytest.mark.parametrize(
    ("method", "path", "state", "expected"),
    [
        pytest.param(
            method, path, state, dict(zip(ROLES, statuses, strict=True)), id=f"{method} {path} [{state}]"
        )
        for method, path, state, *statuses in MEETING_TABLE
    ],
)
def test_meeting_permission_table(cast, method, path, state, expected):
    meeting = _meeting(cast, state)
    values = {"member_id": cast.committee[0].pk}
    if meeting is not None:
        values.update(meeting_id=meeting.pk, item_id=meeting.agenda_items.get().pk)
    body = BODIES.get((method, path))
    if body == "MEETING":
        starts_at = timezone.now() + datetime.timedelta(days=14)
        body = {
            "title": "Executive Committee, January session",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + datetime.timedelta(hours=2)).isoformat(),
            "online_link": "https://meet.federation.example/ec",
            "chair": cast.committee[0].pk,
            "minute_taker": cast.committee[1].pk,
        }
    elif body == "ITEM_IDS":
        body = {"item_ids": [values["item_id"]]}
    address = _full_path(path).format(**values)
    credentials = _credentials(cast, PartnerKeyFactory())

    actual = {}
    for role in ROLES:
        cache.clear()
        with transaction.atomic():
            response = _call(client_with(credentials[role]), method, address, body, False)
            actual[role] = response.status_code
            transaction.set_rollback(True)

    assert actual == expected
