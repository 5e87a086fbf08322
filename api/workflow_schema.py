"""OpenAPI description of the workflow API (drf-spectacular): security schemes, operations, examples.

``api.workflow_views`` decorates its endpoints with the objects defined here, so the
views stay short and the description stays in one place (as ``api.schema`` does for
the directory).
"""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from workflows.models import ApplicationState

from .serializers import ErrorSerializer
from .workflow_serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    ApplicationWriteSerializer,
    BallotInputSerializer,
    BallotSerializer,
    CommentSerializer,
    ConfirmDistinctSerializer,
    ConfirmReviewSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    HistoryEntrySerializer,
    InputSerializer,
    LinkOrganizationSerializer,
    MessageSerializer,
    OpenVoteSerializer,
    RecusalInputSerializer,
    RecusalSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    StartReviewSerializer,
    VoteRoundSerializer,
)

APPLICATIONS = "Applications"
REVIEW_AND_VOTE = "Review and vote"
PARTNER_SCHEME = "PartnerApiKey"


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PersonalTokenAuthentication"
    name = "PersonalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "A personal API token, created on your account page (/account/tokens/): send "
                    "'Authorization: Token <key>' or 'Authorization: Bearer <key>'. It acts as you, "
                    "with your roles. A malformed, unknown, revoked or expired token is refused with 401."
                )
            ),
        }


class WorkflowAutoSchema(AutoSchema):
    """The workflow endpoints accept a partner key only to refuse it: not offered as a way in.

    A request body's object has ``additionalProperties: false``: the server refuses a key it does
    not know (``InputSerializer``), and the schema says so.
    """

    def get_auth(self):
        return [requirement for requirement in super().get_auth() if PARTNER_SCHEME not in requirement]

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if isinstance(serializer, InputSerializer):
            schema["additionalProperties"] = False
            for name, field in serializer.fields.items():
                if name in schema.get("properties", {}) and not field.read_only:
                    _apply_text_rules(schema["properties"][name], field)
                    _apply_list_bounds(schema["properties"][name], field)
        return schema


def _apply_list_bounds(prop: dict, field) -> None:
    """A list of objects' bounds (``contacts``: at most 20), which drf-spectacular leaves out."""
    if isinstance(field, serializers.ListSerializer):
        if field.max_length is not None:
            prop["maxItems"] = field.max_length
        if field.min_length is not None:
            prop["minItems"] = field.min_length


def _apply_text_rules(prop: dict, field) -> None:
    """A text field's ``pattern`` (``InputSerializer.get_fields``'s validator; ``\\Z`` written
    ``$`` for JavaScript's regular expressions) and, if it may not be blank, ``minLength``. The
    pattern itself allows "" where the field does, so drf-spectacular's ``oneOf`` with an empty
    string (which "" would match twice) is folded into one schema."""
    patterns = [v.regex.pattern for v in field.validators if isinstance(v, RegexValidator)]
    if not patterns:
        return
    branches = prop.pop("oneOf", None)
    if branches:
        prop.update({key: value for key, value in branches[0].items() if key != "pattern"})
    prop["pattern"] = patterns[-1].replace(r"\Z", "$")
    prop.pop("format", None)  # e-mail, URL: the pattern says exactly which (a format checker may differ)
    if not field.allow_blank:
        prop["minLength"] = 1


# --- examples ------------------------------------------------------------------------------------

DOCUMENT_EXAMPLE = {
    "id": 31,
    "kind": "statutes",
    "name": "statutes-2024.pdf",
    "size": 183204,
    "content_type": "application/pdf",
    "uploaded_at": "2025-03-01T10:12:00Z",
    "url": "https://registry.federation.example/api/v1/applications/12/documents/31/",
}
APPLICATION_EXAMPLE = {
    "id": 12,
    "url": "https://registry.federation.example/api/v1/applications/12/",
    "state": "draft",
    "name": "National Union of Students of Ghana",
    "name_latin": "",
    "acronym": "NUSG",
    "country": "GH",
    "region": "africa-west",
    "city": "Accra",
    "website": "https://nusg.example.org",
    "email": "international@nusg.example.org",
    "founded_year": 1965,
    "students_represented": 420000,
    "kind": "national_union",
    "motivation": "We represent the students of Ghana and share the federation's aims.",
    "applicant": {"id": 7, "name": "Ama Mensah", "email": "ama@nusg.example.org"},
    "contacts": [
        {
            "name": "Kofi Boateng",
            "role": "International officer",
            "email": "kofi@nusg.example.org",
            "phone": "",
        }
    ],
    "documents": [DOCUMENT_EXAMPLE],
    "created_at": "2025-03-01T10:00:00Z",
    "updated_at": "2025-03-01T10:12:00Z",
    "submitted_at": None,
    "decided_at": None,
}
DETAIL_EXAMPLE = {
    **APPLICATION_EXAMPLE,
    "actions": ["edit", "submit", "withdraw"],
    "possible_duplicates": None,
}
SCREENING_EXAMPLE = {
    **APPLICATION_EXAMPLE,
    "state": "submitted",
    "submitted_at": "2025-03-02T09:00:00Z",
    "actions": ["confirm-distinct", "link-organization", "reject", "request-info", "start-review"],
    "possible_duplicates": [
        {"id": 88, "name": "National Union of Students of Ghana", "slug": "nusg-gh", "is_member": False}
    ],
}
PAGE_LINK_EXAMPLE = "https://registry.federation.example/api/v1/applications/?page=2&state=submitted"
CREATE_EXAMPLE = {
    "name": "National Union of Students of Ghana",
    "name_latin": "",
    "acronym": "NUSG",
    "country": "GH",
    "city": "Accra",
    "email": "international@nusg.example.org",
    "founded_year": 1965,
    "students_represented": 420000,
    "kind": "national_union",
    "contacts": [{"name": "Kofi Boateng", "role": "International officer", "email": "kofi@nusg.example.org"}],
}
REVIEW_EXAMPLE = {
    "id": 5,
    "application": 12,
    "reviewer": {"id": 3, "name": "Lena Varga"},
    "recommendation": "admit",
    "comment": "The statutes are democratic and the union is national.",
    "submitted_at": "2025-03-20T08:00:00Z",
    "updated_at": "2025-03-20T08:00:00Z",
    "confirmed_at": None,
}
BALLOT_EXAMPLE = {"application": 12, "round": 1, "choice": "yes", "cast_at": "2025-04-02T17:45:00Z"}
RECUSAL_EXAMPLE = {
    "application": 12,
    "round": 1,
    "recused_at": "2025-04-02T17:45:00Z",
    "reason": "I was the union's president.",
}
ROUNDS_EXAMPLE = [
    {
        "number": 1,
        "category": "full",
        "mode": "online",
        "opened_at": "2025-04-01T09:00:00Z",
        "deadline": "2025-04-15T23:59:59Z",
        "closed_at": "2025-04-03T11:20:00Z",
        "outcome": "passed",
        "is_void": False,
        "rules": {"quorum": "1/2", "majority": "simple", "base": "yes_no"},
        "rules_explained": [
            "Quorum: more than half of the eligible members must vote (yes, no or abstain).",
            "Majority: more than half of the yes and no votes must be yes (simple majority). "
            "Abstentions do not count.",
            "A member who recuses is not eligible in the round.",
        ],
        "tally": {"eligible": 5, "yes": 3, "no": 0, "abstain": 1, "cast": 4},
        "recusals": [
            {
                "voter": "Lena Varga",
                "reason": "I was the union's president.",
                "recused_at": "2025-04-01T10:00:00Z",
            }
        ],
        "explanation": [
            "4 of 5 eligible voted — quorum reached (more than half: at least 3).",
            "3 yes of 3 (yes + no) — simple majority reached (more than half: at least 2 yes).",
            "Outcome: passed → admitted.",
        ],
    }
]
HISTORY_EXAMPLE = [
    {
        "when": "2025-03-02T09:00:00Z",
        "from": "draft",
        "to": "submitted",
        "transition": "submit",
        "by": "Ama Mensah",
        "comment": "",
    },
    {
        "when": "2025-03-05T14:30:00Z",
        "from": "submitted",
        "to": "info_requested",
        "transition": "request_info",
        "by": "Jonas Weber",
        "comment": "Please send your statutes in English.",
    },
]


def _error_example(name: str, status: int, code: str, message: str, details: dict | None = None):
    return OpenApiExample(
        name,
        value={"error": {"code": code, "message": message, "details": details or {}}},
        status_codes=[status],
        response_only=True,
    )


def _error(description, *examples) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description, examples=list(examples))


INVALID = _error(
    _("Invalid input; 'details' has the messages per field."),
    _error_example(
        "Invalid input",
        400,
        "invalid",
        "Some values in the request are not valid. See details for each field.",
        {"email": ["Enter a valid email address."], "region": ["Unknown region code 'atlantis'."]},
    ),
)
UNAUTHENTICATED = _error(
    _("No credentials, or a malformed, unknown, revoked or expired token (see WWW-Authenticate)."),
    _error_example(
        "No credentials", 401, "not_authenticated", "Authentication credentials were not provided."
    ),
    _error_example(
        "Revoked token",
        401,
        "token_revoked",
        "This token has been revoked. Create a new one on your account page.",
    ),
)
FORBIDDEN = _error(
    _(
        "Not allowed: the workflow does not let you take this action, a partner key was sent, an "
        "officer has no two-factor authentication yet, or a session request lacks its CSRF token."
    ),
    _error_example(
        "Not allowed", 403, "forbidden", "You are not allowed to take this action on this application."
    ),
    _error_example(
        "Partner key",
        403,
        "partner_key_not_allowed",
        "Partner keys give access to the directory only. The workflow endpoints are for people: log in, "
        "or send a personal token ('Authorization: Token <key>').",
    ),
)
NOT_FOUND = _error(
    _("No application with this id that you may see (someone else's is 'not found' too)."),
    _error_example("Not found", 404, "not_found", "There is no application with this id that you may see."),
)
CONFLICT = _error(
    _(
        "Not possible now: the state does not allow it (not_allowed), its conditions are not met "
        "(incomplete: details say what is missing), or someone acted first (conflict: a concurrent "
        "change, a second review or ballot)."
    ),
    _error_example(
        "Wrong state",
        409,
        "not_allowed",
        "This action (submit) is not possible while the application is “Submitted”.",
        {"state": "submitted", "action": "submit"},
    ),
    _error_example(
        "Missing documents",
        409,
        "incomplete",
        "Some required documents are missing.",
        {"missing_documents": ["registration"]},
    ),
    _error_example("Twice", 409, "conflict", "You have already voted in this round; a ballot is final."),
    _error_example(
        "Possible duplicate",
        409,
        "possible_duplicate",
        "This application may be a duplicate of “National Union of Students of Ghana”, already in the "
        "registry: link it as a re-application of that organization, or confirm that it is a different "
        "union, before the vote.",
        {
            "possible_duplicates": [
                {
                    "id": 88,
                    "name": "National Union of Students of Ghana",
                    "slug": "nusg-gh",
                    "is_member": False,
                }
            ]
        },
    ),
)
TOO_LARGE = _error(
    _("The file (or the request) is too large."),
    _error_example(
        "Too large",
        413,
        "too_large",
        "The file is too large: the limit is 10.0 MB.",
        {"file": ["max 10485760 bytes"], "max_bytes": 10485760},
    ),
)
UNSUPPORTED = _error(
    _("The file is not a PDF, PNG or JPEG (by its content), or the body is not multipart/form-data."),
    _error_example(
        "Not accepted",
        415,
        "unsupported_type",
        "This file type is not accepted. Please upload a PDF, PNG or JPEG file.",
        {"file": ["accepted: PDF, PNG, JPEG"]},
    ),
)
THROTTLED = _error(
    _("Too many requests; wait the number of seconds in Retry-After."),
    _error_example(
        "Rate limit", 429, "throttled", "Too many requests. Try again in 12 seconds.", {"retry_after": 12}
    ),
)

NO_SUCH_PAGE = _error(_("No such page."), _error_example("No such page", 404, "not_found", "Invalid page."))
ALWAYS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 429: THROTTLED}
ON_ONE = {**ALWAYS, 404: NOT_FOUND}
ACTING = {**ON_ONE, 400: INVALID, 409: CONFLICT}

ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
    OpenApiParameter.PATH,
    description=_("The application's id."),
)
DOC_ID = OpenApiParameter(
    "doc_id",
    {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
    OpenApiParameter.PATH,
    description=_("The document's id (see 'documents' in the application)."),
)


def paginated(schema: dict) -> dict:
    """DRF's page schema with our descriptions and example values."""
    properties = schema["properties"]
    properties["count"].update(description=str(_("How many applications match, on all pages.")), example=42)
    properties["next"].update(
        description=str(_("The next page's address, or null on the last page.")), example=PAGE_LINK_EXAMPLE
    )
    properties["previous"].update(
        description=str(_("The previous page's address, or null on the first.")), example=None
    )
    return schema


def page_parameters(paginator) -> list[dict]:
    return [
        {
            "name": paginator.page_query_param,
            "required": False,
            "in": "query",
            "description": str(_("Page number, from 1.")),
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": paginator.page_size_query_param,
            "required": False,
            "in": "query",
            "description": str(
                _("Applications per page (default %(default)d).") % {"default": paginator.page_size}
            ),
            "schema": {"type": "integer", "minimum": 1, "maximum": paginator.max_page_size},
        },
    ]


def _application(description, name: str = "Application", value: dict = DETAIL_EXAMPLE) -> OpenApiResponse:
    return OpenApiResponse(
        ApplicationDetailSerializer,
        description=description,
        examples=[OpenApiExample(name, value=value, response_only=True)],
    )


# --- operations -------------------------------------------------------------------------------------

list_applications = extend_schema(
    operation_id="listApplications",
    tags=[APPLICATIONS],
    summary=_("List applications"),
    description=_(
        "The applications you may see: applicants their own; the secretariat all; reviewers and the "
        "Executive Committee every application once submitted. Newest change first, in numbered pages "
        "('page', 'page_size' up to 100); 'count' is the total. Pages are positions in a list that may "
        "change meanwhile: an application changed between two requests can move to another page."
    ),
    parameters=[
        OpenApiParameter(
            "state",
            OpenApiTypes.STR,
            enum=ApplicationState.values,
            description=_("Only applications in this state."),
        ),
        OpenApiParameter(
            "region",
            {"type": "string", "maxLength": 20},
            description=_("Region code (see /api/v1/regions/); includes its sub-regions."),
            examples=[OpenApiExample("Africa", value="africa")],
        ),
    ],
    responses={
        200: OpenApiResponse(
            ApplicationSerializer(many=True),
            description=_("One page of applications."),
            # One item: drf-spectacular builds the page around it (see ``paginated``).
            examples=[OpenApiExample("Page", value=APPLICATION_EXAMPLE, response_only=True)],
        ),
        400: INVALID,
        404: NO_SUCH_PAGE,
        **ALWAYS,
    },
)

create_application = extend_schema(
    operation_id="createApplication",
    tags=[APPLICATIONS],
    summary=_("Start an application"),
    description=_(
        "A new draft, with you as the applicant. Only 'name' is needed now; everything else can follow "
        "with PATCH before you submit. The answer's Location header is the new application's address."
    ),
    request=ApplicationWriteSerializer,
    examples=[OpenApiExample("New draft", value=CREATE_EXAMPLE, request_only=True)],
    responses={
        201: _application(_("The new draft.")),
        400: INVALID,
        409: CONFLICT,
        **ALWAYS,
    },
)

get_application = extend_schema(
    operation_id="getApplication",
    tags=[APPLICATIONS],
    summary=_("Get an application"),
    description=_("The application, with its contacts, documents, and the actions you may take now."),
    parameters=[ID],
    responses={200: _application(_("The application.")), **ON_ONE},
)

update_application = extend_schema(
    operation_id="updateApplication",
    tags=[APPLICATIONS],
    summary=_("Change an application"),
    description=_(
        "The applicant changes a draft, or an application the secretariat asked information about. "
        "Send only the fields to change; 'contacts', when sent, replaces the whole list."
    ),
    parameters=[ID],
    request=ApplicationWriteSerializer(partial=True),
    examples=[
        OpenApiExample(
            "Change",
            value={"city": "Kumasi", "motivation": "We represent 420,000 students."},
            request_only=True,
        )
    ],
    responses={200: _application(_("The application as changed.")), **ACTING},
)

delete_application = extend_schema(
    operation_id="deleteApplication",
    tags=[APPLICATIONS],
    summary=_("Delete a draft"),
    description=_(
        "The applicant deletes a draft, never sent, with its contacts and documents: nothing of it "
        "is kept. An application once sent is withdrawn instead (POST …/withdraw/)."
    ),
    parameters=[ID],
    request=None,
    responses={204: OpenApiResponse(description=_("Deleted.")), **ON_ONE, 409: CONFLICT},
)

add_document = extend_schema(
    operation_id="addDocument",
    tags=[APPLICATIONS],
    summary=_("Upload a document"),
    description=_(
        "The applicant attaches a document while the application can be changed: multipart/form-data "
        "with 'kind' and 'file'. The type is found from the content (PDF, PNG or JPEG), never the name; "
        "at most 10 MB."
    ),
    parameters=[ID],
    request={"multipart/form-data": DocumentUploadSerializer},
    responses={
        201: OpenApiResponse(
            DocumentSerializer,
            description=_("The stored document."),
            examples=[OpenApiExample("Document", value=DOCUMENT_EXAMPLE, response_only=True)],
        ),
        413: TOO_LARGE,
        415: UNSUPPORTED,
        **ACTING,
    },
)

get_document = extend_schema(
    operation_id="getDocument",
    tags=[APPLICATIONS],
    summary=_("Download a document"),
    description=_(
        "The file, as an attachment (Content-Disposition), with the content type found at upload and "
        "'X-Content-Type-Options: nosniff'. For everyone who may see the application."
    ),
    parameters=[ID, DOC_ID],
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The file.")),
        (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The file.")),
        (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The file.")),
        406: _error(
            _("An unknown ?format= was asked for."),
            _error_example(
                "Unknown format",
                406,
                "not_acceptable",
                "Unknown format 'xml'. This endpoint offers: json, file.",
            ),
        ),
        400: _error(
            _("?format= given empty or more than once."),
            _error_example(
                "Empty format",
                400,
                "invalid",
                "Some values in the request are not valid. See details for each field.",
                {"format": ["This parameter may not be empty; leave it out instead."]},
            ),
        ),
        **ON_ONE,
    },
)

# path segment → (request serializer, operation id, summary, description, example request body)
TRANSITIONS = {
    "submit": (
        CommentSerializer,
        "submitApplication",
        _("Submit"),
        _(
            "draft → submitted, by the applicant, once every required field and document is there "
            "(409 'incomplete' says what is missing)."
        ),
        {"comment": ""},
    ),
    "resubmit": (
        CommentSerializer,
        "resubmitApplication",
        _("Submit again"),
        _("info_requested → submitted, by the applicant, with the information asked for."),
        {"comment": "The statutes in English are attached."},
    ),
    "withdraw": (
        CommentSerializer,
        "withdrawApplication",
        _("Withdraw"),
        _(
            "Any state after sending, before a decision → withdrawn, by the applicant. An open vote is voided. A draft is never withdrawn: the applicant deletes it (DELETE on the application)."
        ),
        {"comment": "We will apply again next year."},
    ),
    "request-info": (
        MessageSerializer,
        "requestInformation",
        _("Ask for information"),
        _(
            "submitted or under_review → info_requested, by the secretariat; 'comment' is the message "
            "to the applicant (required)."
        ),
        {"comment": "Please send your statutes in English."},
    ),
    "reject": (
        MessageSerializer,
        "rejectApplication",
        _("Reject as ineligible"),
        _("submitted → rejected at screening, by the secretariat; 'comment' is the reason (required)."),
        {"comment": "The union is not a student organization."},
    ),
    "start-review": (
        StartReviewSerializer,
        "startReview",
        _("Start the review"),
        _(
            "submitted → under_review, by the secretariat. Assigns the reviewers given first; enough "
            "reviewers must then be assigned (409 'incomplete' otherwise). A user id that is not a "
            "possible reviewer (a member of the Reviewers or the Executive Committee with no conflict of "
            "interest in the application) is refused: 400 'invalid', naming it."
        ),
        {"reviewers": [3, 4], "comment": ""},
    ),
    "complete-review": (
        CommentSerializer,
        "completeReview",
        _("Complete the review"),
        _(
            "under_review → reviewed, by the secretariat, once every assigned reviewer has a review "
            "written, confirmed or revised after the applicant's latest answer (409 'incomplete' "
            "otherwise: 'pending_reviewers' and 'reviewers_to_confirm' in details)."
        ),
        {"comment": ""},
    ),
    "open-vote": (
        OpenVoteSerializer,
        "openVote",
        _("Open the Executive Committee's vote"),
        _(
            "reviewed → executive_vote, by the secretariat: opens a vote round with the committee's "
            "members as voters (less anyone with a conflict of interest), the 'deadline' (default in 14 "
            "days) and the 'category' proposed. Refused (409 'possible_duplicate') while the application "
            "may be an organization of the registry that the secretariat has neither linked nor "
            "confirmed distinct. A 'deadline' that is not in the future, or more than VOTE_MAX_DAYS "
            "(default 90) days away, is refused: 400 'invalid' on 'deadline'."
        ),
        {"deadline": "2025-04-15T12:00:00Z", "category": "full", "comment": ""},
    ),
    "close-vote": (
        CommentSerializer,
        "closeVote",
        _("Close the vote"),
        _(
            "executive_vote → admitted, rejected or (no quorum) reviewed, by the secretariat. A round "
            "also closes by itself at its deadline or when everyone has voted."
        ),
        {"comment": ""},
    ),
}


# Refusals that depend on the world, not on the request's shape (no schema can say which user ids
# are possible reviewers, or what "now" is): 400 'invalid', each with an example, and said in the
# operation's description. The contract test (tests/api/test_api_contract.py) expects them.
WORLD_REFUSALS = {
    "startReview": [
        _error_example(
            "Not a possible reviewer",
            400,
            "invalid",
            "Reviewers must be members of the Reviewers or the Executive Committee, never the applicant.",
            {"reviewers": ["Not a possible reviewer: 57."]},
        )
    ],
    "openVote": [
        _error_example(
            "Deadline in the past",
            400,
            "invalid",
            "Please correct the errors below.",
            {"deadline": ["The deadline must be in the future."]},
        ),
        _error_example(
            "Deadline too far",
            400,
            "invalid",
            "Please correct the errors below.",
            {"deadline": ["The deadline must be at most 90 days away: 2025-06-30 (UTC) at the latest."]},
        ),
    ],
    "linkOrganization": [
        _error_example(
            "Unknown organization",
            400,
            "invalid",
            "There is no such organization in the registry.",
            {"organization": ["Unknown organization."]},
        ),
        _error_example(
            "A member now",
            400,
            "invalid",
            "“Kenya National Union of Students” is a member of the federation: an application cannot "
            "take it over. Only an organization whose membership has ended can apply again.",
            {"organization": ["A member now; only a former member can apply again."]},
        ),
    ],
    "proposeMotion": [
        _error_example(
            "Not the union's invoice",
            400,
            "invalid",
            "Please correct the errors below.",
            {"invoice_number": ["Give the number of one of this union's invoices."]},
        ),
        _error_example(
            "More than is open",
            400,
            "invalid",
            "Please correct the errors below.",
            {"amount": ["The waiver is more than is open on this invoice."]},
        ),
    ],
}


def acting_responses(operation_id: str) -> dict:
    """``ACTING``, with the operation's refusals of ``WORLD_REFUSALS`` among the 400's examples."""
    refusals = WORLD_REFUSALS.get(operation_id)
    if not refusals:
        return ACTING
    invalid = _error(
        _(
            "Invalid input, or refused for a reason the description gives; 'details' has the messages per field."
        ),
        *INVALID.examples,
        *refusals,
    )
    return {**ACTING, 400: invalid}


def transition(path: str):
    serializer, operation_id, summary, description, body = TRANSITIONS[path]
    return extend_schema(
        operation_id=operation_id,
        tags=[APPLICATIONS],
        summary=summary,
        description=description,
        parameters=[ID],
        request=serializer,
        examples=[OpenApiExample(str(summary), value=body, request_only=True)],
        responses={
            200: _application(_("The application after the transition.")),
            **acting_responses(operation_id),
        },
    )


link_organization = extend_schema(
    operation_id="linkOrganization",
    tags=[APPLICATIONS],
    summary=_("Link to an organization of the registry"),
    description=_(
        "The secretariat, at screening (submitted, under_review, reviewed): the application is a "
        "re-application of this organization of the registry, whose membership has ended; admission "
        "then updates it and gives it a new membership. An unknown organization, or one that is a "
        "member now, is refused (400 'invalid' on 'organization'): an application never takes over an "
        "affiliate. Who linked it, and when, is recorded."
    ),
    parameters=[ID],
    request=LinkOrganizationSerializer,
    examples=[OpenApiExample("Link", value={"organization": 88}, request_only=True)],
    responses={
        200: _application(_("The application, linked."), name="Linked", value=SCREENING_EXAMPLE),
        **acting_responses("linkOrganization"),
    },
)

confirm_distinct = extend_schema(
    operation_id="confirmDistinct",
    tags=[APPLICATIONS],
    summary=_("Confirm a new organization"),
    description=_(
        "The secretariat, at screening (submitted, under_review, reviewed): the applicant is not one of "
        "the organizations in 'possible_duplicates' (nor any other of the registry); admission then "
        "creates a new organization. Undoes a link. Who confirmed it, and when, is recorded; the vote "
        "may then open. An empty body."
    ),
    parameters=[ID],
    request=ConfirmDistinctSerializer,
    examples=[OpenApiExample("Confirm", value={}, request_only=True)],
    responses={
        200: _application(
            _("The application, confirmed as a new union."), name="Confirmed", value=SCREENING_EXAMPLE
        ),
        **ACTING,
    },
)

add_review = extend_schema(
    operation_id="addReview",
    tags=[REVIEW_AND_VOTE],
    summary=_("Review"),
    description=_(
        "An assigned reviewer's one review, while the application is under review. A second one is a 409."
    ),
    parameters=[ID],
    request=ReviewInputSerializer,
    examples=[
        OpenApiExample(
            "Review",
            value={"recommendation": "admit", "comment": "The statutes are democratic."},
            request_only=True,
        )
    ],
    responses={
        201: OpenApiResponse(
            ReviewSerializer,
            description=_("The review."),
            examples=[OpenApiExample("Review", value=REVIEW_EXAMPLE, response_only=True)],
        ),
        **ACTING,
    },
)

revise_review = extend_schema(
    operation_id="reviseReview",
    tags=[REVIEW_AND_VOTE],
    summary=_("Revise your review"),
    description=_(
        "The author changes their review (recommendation and reasons) until the review is completed: "
        "while the application is submitted, under review or waiting for information. Anyone else "
        "is refused (403). A review revised after the applicant's latest answer counts as up to date."
    ),
    parameters=[ID],
    request=ReviewInputSerializer,
    examples=[
        OpenApiExample(
            "Revision",
            value={"recommendation": "admit", "comment": "The statutes sent in answer settle it."},
            request_only=True,
        )
    ],
    responses={
        200: OpenApiResponse(
            ReviewSerializer,
            description=_("The review as revised."),
            examples=[
                OpenApiExample(
                    "Revised",
                    value={**REVIEW_EXAMPLE, "updated_at": "2025-04-02T10:00:00Z"},
                    response_only=True,
                )
            ],
        ),
        **ACTING,
    },
)

confirm_review = extend_schema(
    operation_id="confirmReview",
    tags=[REVIEW_AND_VOTE],
    summary=_("Confirm your review"),
    description=_(
        "The author confirms unchanged a review written before the applicant's latest answer to a "
        "request for information. The review can be completed only when every such review is "
        "confirmed or revised (409 'incomplete' names the reviewers). A review written, revised or "
        "confirmed after the answer needs no confirmation (409 'conflict')."
    ),
    parameters=[ID],
    request=ConfirmReviewSerializer,
    examples=[OpenApiExample("Confirmation", value={}, request_only=True)],
    responses={
        200: OpenApiResponse(
            ReviewSerializer,
            description=_("The review, with the time of the confirmation."),
            examples=[
                OpenApiExample(
                    "Confirmed",
                    value={**REVIEW_EXAMPLE, "confirmed_at": "2025-04-02T10:00:00Z"},
                    response_only=True,
                )
            ],
        ),
        **ACTING,
    },
)

cast_ballot = extend_schema(
    operation_id="castBallot",
    tags=[REVIEW_AND_VOTE],
    summary=_("Vote"),
    description=_(
        "An eligible committee member's ballot in the open round: yes, no or abstain; final once cast "
        "(a second one is a 409). The last ballot closes the round."
    ),
    parameters=[ID],
    request=BallotInputSerializer,
    examples=[OpenApiExample("Yes", value={"choice": "yes"}, request_only=True)],
    responses={
        201: OpenApiResponse(
            BallotSerializer,
            description=_("The ballot."),
            examples=[OpenApiExample("Ballot", value=BALLOT_EXAMPLE, response_only=True)],
        ),
        **ACTING,
    },
)

recuse = extend_schema(
    operation_id="recuse",
    tags=[REVIEW_AND_VOTE],
    summary=_("Recuse yourself"),
    description=_(
        "An eligible committee member leaves the open round before voting (with an optional reason); "
        "the round then counts one voter less."
    ),
    parameters=[ID],
    request=RecusalInputSerializer,
    examples=[OpenApiExample("Recusal", value={"reason": "I was the union's president."}, request_only=True)],
    responses={
        200: OpenApiResponse(
            RecusalSerializer,
            description=_("The recusal."),
            examples=[OpenApiExample("Recusal", value=RECUSAL_EXAMPLE, response_only=True)],
        ),
        **ACTING,
    },
)

vote_rounds = extend_schema(
    operation_id="listVoteRounds",
    tags=[REVIEW_AND_VOTE],
    summary=_("Vote rounds"),
    description=_(
        "Every vote round of the application, first opened first: its rules (also in words), and, for "
        "whom may see them, the tally, who recused and why, and once closed how the outcome was "
        "computed ('explanation'). The applicant never sees the committee's tally on their own case."
    ),
    parameters=[ID],
    responses={
        200: OpenApiResponse(
            VoteRoundSerializer(many=True),
            description=_("The rounds."),
            examples=[OpenApiExample("Rounds", value=ROUNDS_EXAMPLE, response_only=True)],
        ),
        **ON_ONE,
    },
)

history = extend_schema(
    operation_id="getApplicationHistory",
    tags=[APPLICATIONS],
    summary=_("History"),
    description=_(
        "Every transition, oldest first: when, from which state to which, by whom, with the comment. "
        "Applicants see the federation's staff as “The federation” and only the comments meant for them."
    ),
    parameters=[ID],
    responses={
        200: OpenApiResponse(
            HistoryEntrySerializer(many=True),
            description=_("The history."),
            examples=[OpenApiExample("History", value=HISTORY_EXAMPLE, response_only=True)],
        ),
        **ON_ONE,
    },
)
