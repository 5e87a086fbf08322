"""Drive every URL pattern and role of the permission table against a ``World``.

Each request runs in a savepoint that is rolled back afterwards, so every request meets the
same world (a POST that succeeds changes nothing for the next one), and the cache is cleared
before it (no rate limit carries over). A refused request must also leave the database as it
was: it may write no row but its session's (``writes()``, from the SQL it ran).
"""

import re

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api import meeting_serializers as ms
from api import workflow_serializers as ws
from registry.models import Organization
from tests.factories import PDF_BYTES

from .conftest import ROLES, World
from .urlwalk import ADMIN_LOGIN, LOGIN, Route, outcome, resolves_to

# Outcomes that refuse: the request must have changed nothing.
REFUSALS = {400, 401, 403, 404, 405, 409, LOGIN, ADMIN_LOGIN}

# The body of every POST: what the site's forms and the API take, aimed at the world's objects.
# A role that may act does act (the savepoint undoes it); a role that may not must change nothing.
POST_BODY = {
    "expected_state": "",  # the target application's state, so that a permitted action goes through
    "name": "Walked Union",
    "kind": "other",
    "action": "request_info",
    "comment": "Sent by the URL walk.",
    "choice": "yes",
    "recommendation": "admit",
    "reason": "walk",
    "login": "nobody@walk.example",
    "password": "not-the-password",
    "email": "nobody@walk.example",
}
# Routes whose POST is a multipart upload; every other POST under /api/ sends JSON.
API_UPLOAD_SUFFIX = "documents/$"
# What each workflow endpoint reads (by the address's last segment): the API refuses any other field
# with 400, so it gets only these of POST_BODY.
API_INPUT = {
    "applications": ws.ApplicationWriteSerializer,
    "documents": ws.DocumentUploadSerializer,
    "submit": ws.CommentSerializer,
    "resubmit": ws.CommentSerializer,
    "withdraw": ws.CommentSerializer,
    "complete-review": ws.CommentSerializer,
    "close-vote": ws.CommentSerializer,
    "request-info": ws.MessageSerializer,
    "reject": ws.MessageSerializer,
    "start-review": ws.StartReviewSerializer,
    "open-vote": ws.OpenVoteSerializer,
    "reviews": ws.ReviewInputSerializer,
    "revise-review": ws.ReviewInputSerializer,
    "confirm-review": ws.ConfirmReviewSerializer,
    "ballots": ws.BallotInputSerializer,
    "recusal": ws.RecusalInputSerializer,
    "link-organization": ws.LinkOrganizationSerializer,
    "confirm-distinct": ws.ConfirmDistinctSerializer,
    "meetings": ms.MeetingWriteSerializer,
    "convene": ms.MeetingActionSerializer,
    "cancel": ms.MeetingCancelSerializer,
    "open-session": ms.MeetingActionSerializer,
    "close": ms.MeetingActionSerializer,
    "agenda": ms.AgendaItemInputSerializer,
    "reorder": ms.AgendaReorderSerializer,
    "vote": ms.ItemVoteOpenSerializer,
    "named": ms.NamedVotesSerializer,
    "counted": ms.CountedVotesSerializer,
    "approve-minutes": ms.MeetingActionSerializer,
    "circulate": ms.MeetingActionSerializer,
}


def _api_body(path: str, body: dict) -> dict:
    serializer = API_INPUT.get(path.rstrip("/").rpartition("/")[2])
    if serializer is None:
        return body
    return {key: value for key, value in body.items() if key in serializer().fields}


def methods_for(route: Route) -> tuple[str, ...]:
    """GET and POST everywhere; PATCH too under /api/ (the workflow API's only other verb)."""
    return ("GET", "POST", "PATCH") if route.route.startswith("api/") else ("GET", "POST")


def _send(client, method: str, route: Route, path: str, application, world: World):
    if method == "GET":
        return client.get(path)
    # "organization": the one a re-application may be linked to (a former member).
    # A meeting's actions expect the meeting's state, every other the application's.
    state = world.meeting.state if "meeting_id" in route.params else application.state
    body = {**POST_BODY, "expected_state": state, "organization": world.former_member.pk}
    is_api = route.route.startswith("api/")
    if is_api:
        body = _api_body(path, body)
    if method == "PATCH":
        return client.patch(path, {"name": "Walked Union"}, content_type="application/json")
    if is_api and not route.route.endswith(API_UPLOAD_SUFFIX):
        return client.post(path, body, content_type="application/json")
    upload = SimpleUploadedFile("walk.pdf", PDF_BYTES, content_type="application/pdf")
    if is_api:
        return client.post(path, {**body, "file": upload})
    return client.post(path, {**body, "file": upload, "statutes": upload})


WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+\"?(\w+)", re.IGNORECASE)
# Tables a refused request may still write: its session (a message for the next page).
MAY_WRITE_WHEN_REFUSED = {"django_session"}


def writes(queries) -> list[str]:
    """The tables that ``queries`` (CaptureQueriesContext) wrote to, but the session's."""
    tables = []
    for query in queries:
        match = WRITE.match(query["sql"])
        if match and match.group(2).lower() not in MAY_WRITE_WHEN_REFUSED:
            tables.append(match.group(2))
    return tables


def _admin_object_id(world: World, route: Route):
    """The object an admin URL is about: the world's own where it has one, else the first row."""
    parts = route.template.split("/")
    app_label, model_name = parts[1], parts[2]
    model = apps.get_model(app_label, model_name)
    own = {
        "workflows.membershipapplication": world.application,
        "auth.user": world.users["applicant_a"],
        "registry.organization": world.affiliate,
        "registry.membership": world.affiliate.memberships.first(),
        "api.partnerkey": world.partner_key,
        "api.webhookendpoint": world.webhook,
        "api.webhookdelivery": world.webhook.deliveries.first(),
    }.get(f"{app_label}.{model_name}")
    obj = own or model._default_manager.order_by("pk").first()
    return obj.pk if obj is not None else 999_999


def route_values(world: World, route: Route, *, application=None) -> dict[str, object]:
    """Real ids and slugs for the parameters of ``route`` (``application``: A's under review)."""
    application = application or world.application
    values: dict[str, object] = {
        "pk": application.pk,
        "doc_id": application.documents.order_by("pk").first().pk,
        "slug": world.affiliate.slug,
        "prefix": world.a_token.prefix,
        "key": "not-a-real-key",
        "uidb36": "1",
        "path": "v1/nowhere/",
        "url": "nowhere/",
        "app_label": "registry",
        "document_id": application.documents.order_by("pk").first().pk,
        "name": "request_info",
        "id": world.users["applicant_a"].pk,
        "content_type_id": ContentType.objects.get_for_model(Organization).pk,
        "token": world.member.invitation_token,
        "invitation_id": world.member.invitation.pk,
        "representative_id": world.member.second_representative.pk,
        "request_id": world.member.change_request.pk,
        "motion_id": world.member.motion.pk,
        "invoice_id": world.member.invoice.pk,
        "webhook_id": world.webhook.pk,
        "meeting_id": world.meeting.pk,
        "item_id": world.meeting.agenda_items.get().pk,
        "member_id": world.users["committee"].pk,
        "delivery_id": world.webhook.deliveries.get().pk,
        "membership_id": world.affiliate.memberships.first().pk,
        "paper_id": world.paper.pk,
        "upload_id": 1,  # no member list uploaded: the confirmation finds none
    }
    if route.is_admin and "content_type_id" in route.params:  # admin:view_on_site
        values["object_id"] = world.affiliate.pk
    elif route.is_admin and "object_id" in route.params:
        values["object_id"] = _admin_object_id(world, route)
    if "#0" in route.params:  # simple-history's ^(object)/history/(version)/$
        obj = apps.get_model(*route.template.split("/")[1:3])._default_manager.order_by("pk").first()
        values["#0"] = obj.pk
        values["#1"] = obj.history.order_by("pk").first().pk
    return values


def placeholders(world: World, application) -> dict[str, object]:
    """Ids to write back as names in redirect targets."""
    return {"pk": application.pk, "slug": world.affiliate.slug}


def request(world: World, role: str, method: str, route: Route, path: str, *, application) -> tuple:
    """One request as ``role`` in a rolled-back savepoint: (outcome, the tables it wrote)."""
    cache.clear()
    with transaction.atomic():
        world.take_role(role, application)
        client = world.client(role)
        with CaptureQueriesContext(connection) as queries:
            response = _send(client, method, route, path, application, world)
        result = outcome(response, placeholders=placeholders(world, application))
        transaction.set_rollback(True)
    return result, writes(queries)


def walk_route(world: World, route: Route, *, methods=None, application=None) -> dict:
    """{method: {role: outcome}} for one route; raises when the built path resolves elsewhere."""
    application = application or world.application
    path = route.path(route_values(world, route, application=application))
    if not resolves_to(route, path):
        raise AssertionError(f"{path} does not resolve to {route.route!r}: give it better values")
    observed: dict = {}
    changed_on_refusal = []
    for method in methods or methods_for(route):
        observed[method] = {}
        for role in ROLES:
            result, tables = request(world, role, method, route, path, application=application)
            observed[method][role] = result
            if tables and result in REFUSALS:
                changed_on_refusal.append((method, role, result, tables))
    observed["_path"] = path
    observed["_changed_on_refusal"] = changed_on_refusal
    return observed
