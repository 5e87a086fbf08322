"""OpenAPI description of the directory API (drf-spectacular): security scheme, parameters, examples.

The views are decorated with the ``extend_schema`` objects defined here, so the
views stay short and the description stays in one place.
"""

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from registry.models import Region

from .pagination import DEFAULT_ORDERING, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ORDERINGS
from .serializers import (
    AffiliatePageSerializer,
    AffiliateSerializer,
    ChangeFeedPageSerializer,
    DecisionPageSerializer,
    ErrorSerializer,
    RegionSerializer,
)

TAG = "Directory"


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PartnerKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _(
                    "Optional. Send 'Authorization: Api-Key <key>' with the key the federation's "
                    "secretariat gave you (in the Authorize dialog, type 'Api-Key ' before the key). "
                    "A partner key adds the 'email' field and a higher rate limit. A malformed, "
                    "unknown, revoked or expired key is refused with 403."
                )
            ),
        }


def region_codes(result, generator, request, public):
    """Postprocessing hook: every ``region`` the API reads (the lists' filters, an application's
    field) takes one of the regions' codes, as listed at /api/v1/regions/. The server refuses any
    other code, so the schema names them: ``enum``, read from the database when it is served."""
    try:
        codes = list(Region.objects.order_by("code").values_list("code", flat=True))
    except DatabaseError:  # a schema generated without a database: no list
        return result
    if not codes:
        return result
    for operation in (op for path in result["paths"].values() for op in path.values()):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "region" and parameter["in"] == "query":
                parameter["schema"]["enum"] = codes
    for name in ("ApplicationWrite", "PatchedApplicationWrite"):
        region = result["components"]["schemas"].get(name, {}).get("properties", {}).get("region")
        if region is not None:
            region["enum"] = [*codes, "", *([None] if region.get("nullable") else [])]
    return result


# --- Examples ----------------------------------------------------------------------------------------

AFFILIATE_EXAMPLE = {
    "slug": "kenya-national-union-of-students",
    "name": "Kenya National Union of Students",
    "name_latin": "",
    "acronym": "KNUS",
    "country": {"code": "KE", "name": "Kenya"},
    "region": {"code": "africa-east", "name": "East Africa"},
    "city": "Nairobi",
    "website": "https://knus.example.org",
    "category": "full",
    "admitted_on": "2019-06-14",
    "in_good_standing": True,
    "updated_at": "2025-03-02T09:30:00Z",
}
PARTNER_AFFILIATE_EXAMPLE = {**AFFILIATE_EXAMPLE, "email": "secretariat@knus.example.org"}
PAGE_EXAMPLE = {
    "next": "https://registry.federation.example/api/v1/affiliates/?region=africa&cursor=WyJuYW1lIiwi...",
    "previous": None,
    "results": [AFFILIATE_EXAMPLE],
}
CSV_EXAMPLE = (
    "slug,name,acronym,country_code,country_name,region_code,region_name,city,website,category,"
    "admitted_on,in_good_standing,updated_at,name_latin\r\n"
    "kenya-national-union-of-students,Kenya National Union of Students,KNUS,KE,Kenya,africa-east,"
    "East Africa,Nairobi,https://knus.example.org,full,2019-06-14,true,2025-03-02T09:30:00Z,\r\n"
)
CHANGES_EXAMPLE = {
    "results": [
        {
            "id": 41,
            "type": "member.admitted",
            "occurred_at": "2025-03-02T09:30:00Z",
            "slug": "kenya-national-union-of-students",
            "previous_slug": None,
            "affiliate": AFFILIATE_EXAMPLE,
            "changed": [],
            "membership": None,
            "decision": {"type": "application", "id": 318},
        },
        {
            "id": 42,
            "type": "member.ended",
            "occurred_at": "2025-03-05T00:15:02Z",
            "slug": "union-nationale-des-etudiants-ci",
            "previous_slug": None,
            "affiliate": None,
            "changed": [],
            "membership": {"state": "ended", "since": "2025-03-05", "reason": "withdrawn"},
            "decision": {"type": "motion", "id": 27},
        },
    ],
    "next_after": 42,
    "has_more": False,
    "last_id": 42,
    "next": "https://registry.federation.example/api/v1/changes/?after=42&limit=100",
}
REGIONS_EXAMPLE = [
    {"code": "africa", "name": "Africa", "parent": None, "affiliate_count": 42},
    {"code": "africa-east", "name": "East Africa", "parent": "africa", "affiliate_count": 17},
]


def _error_example(name: str, status: int, code: str, message: str, details: dict | None = None):
    return OpenApiExample(
        name,
        value={"error": {"code": code, "message": message, "details": details or {}}},
        status_codes=[status],
        response_only=True,
    )


INVALID_EXAMPLE = _error_example(
    "Invalid parameters",
    400,
    "invalid",
    "Some values in the request are not valid. See details for each field.",
    {
        "country": ["Unknown country code 'XX'. Use an ISO 3166-1 alpha-2 code, such as KE."],
        "page_size": ["Use a whole number from 1 to 500."],
        "region": ["Give this parameter once."],
    },
)
KEY_EXAMPLES = [
    _error_example(
        "Revoked key",
        403,
        "api_key_revoked",
        "This API key has been revoked. Ask the federation's secretariat for a new key.",
    ),
    _error_example(
        "Expired key",
        403,
        "api_key_expired",
        "This API key has expired. Ask the federation's secretariat for a new key.",
    ),
    _error_example(
        "Malformed key",
        403,
        "api_key_malformed",
        "The API key is malformed. Send the header 'Authorization: Api-Key <key>' with the full key.",
    ),
]
BAD_CURSOR_EXAMPLE = _error_example(
    "Unusable cursor",
    404,
    "not_found",
    "This cursor was made for ordering 'name', not '-admitted_on'. Keep the same ordering.",
)
FEED_INVALID_EXAMPLE = _error_example(
    "Invalid parameters",
    400,
    "invalid",
    "Some values in the request are not valid. See details for each field.",
    {"after": ["Use the id of the last event you read: a whole number, 0 to start from the beginning."]},
)
FEED_AHEAD_EXAMPLE = _error_example(
    "Unknown id", 404, "not_found", "No event has this id yet. Use the id of the last event you read, or 0."
)
FEED_EXPIRED_EXAMPLE = _error_example(
    "Expired cursor",
    410,
    "cursor_expired",
    "The events after this id are no longer kept. Read the whole list from /api/v1/affiliates/, then "
    "follow the feed from last_id (given in details).",
    {"last_id": 90211},
)
NOT_FOUND_EXAMPLE = _error_example("Not an affiliate", 404, "not_found", "No affiliate has this slug.")
NOT_ACCEPTABLE_EXAMPLE = _error_example(
    "Unknown format", 406, "not_acceptable", "Unknown format 'xml'. This endpoint offers: json, csv."
)
THROTTLED_EXAMPLE = _error_example(
    "Rate limit", 429, "throttled", "Too many requests. Try again in 12 seconds.", {"retry_after": 12}
)


def _error(description, examples):
    return OpenApiResponse(ErrorSerializer, description=description, examples=examples)


ERROR_RESPONSES = {
    403: _error(_("The API key is malformed, unknown, revoked or expired."), KEY_EXAMPLES),
    406: _error(_("The requested format or Accept type is not offered."), [NOT_ACCEPTABLE_EXAMPLE]),
    429: _error(_("Too many requests; wait the number of seconds in Retry-After."), [THROTTLED_EXAMPLE]),
}
CONDITIONAL_HEADERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=_("The ETag of a response you kept; if nothing changed, the answer is 304 with no body."),
    ),
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description=_("Identifies this exact response body; send it back in If-None-Match."),
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description=_("Seconds to wait before the next request."),
    ),
]
NOT_MODIFIED = OpenApiResponse(description=_("Not modified: the ETag in If-None-Match still matches."))
RENAMED_REDIRECT = OpenApiResponse(
    description=_(
        "A former slug of an affiliate renamed since (without as_of): to the affiliate under its slug now."
    ),
)
RENAMED_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    description=_("The affiliate's address under its slug now, with the same query string."),
    response=[301],
)


AS_OF = OpenApiParameter(
    "as_of",
    {"type": "string", "format": "date"},
    description=_(
        "Answer as the directory was at the end of this day (UTC, the registry's time zone), from "
        "its history: each affiliate's name, category, standing and region as they were that day; "
        "the other parameters filter those values (a region with its sub-regions as they are now). "
        "A date written YYYY-MM-DD, today or earlier. A date before the registry's records begin "
        "is refused (400) with the first date available."
    ),
    examples=[OpenApiExample("A past day", value="2025-01-31")],
)
AS_OF_ERROR = _(
    "as_of is not a date written YYYY-MM-DD, is in the future, or is before the registry's records "
    "begin (the message names the first date available)."
)
AS_OF_EXAMPLE = _error_example(
    "Before the records begin",
    400,
    "invalid",
    "Some values in the request are not valid. See details for each field.",
    {"as_of": ["The registry's records begin on 2024-06-01. Use that date or a later one."]},
)


# --- Operations ---------------------------------------------------------------------------------------

list_affiliates = extend_schema(
    operation_id="listAffiliates",
    tags=[TAG],
    summary=_("List affiliates"),
    description=_(
        "Organizations with an active membership of the federation, filtered and ordered, one page at "
        "a time. Follow 'next' until it is null; the links keep your filters. Pages use a cursor, so "
        "no row is repeated or skipped while the list changes. Use ?format=csv (or Accept: text/csv) "
        "for all matching rows, in the same order, as one CSV file."
    ),
    parameters=[
        OpenApiParameter(
            "region",
            OpenApiTypes.STR,
            description=_("Region code (see /api/v1/regions/). Includes its sub-regions."),
            examples=[OpenApiExample("Africa", value="africa")],
        ),
        OpenApiParameter(
            "country",
            OpenApiTypes.STR,
            enum=[code for code, _name in countries],
            description=_("ISO 3166-1 alpha-2 country code, in capitals."),
            examples=[OpenApiExample("Kenya", value="KE")],
        ),
        OpenApiParameter(
            "category",
            OpenApiTypes.STR,
            enum=["full", "associate", "observer"],
            description=_("Membership category."),
        ),
        OpenApiParameter(
            "q",
            # As api.filters.AffiliateQueryForm: at most 200 characters, no NUL.
            {"type": "string", "maxLength": 200, "pattern": "^[^\\x00]*$"},
            description=_(
                "Words to find at the start of words of the name, the name in Latin script, the "
                "acronym or the city; every word must match: 'univ abid' finds 'Université Félix "
                "Houphouët-Boigny, Abidjan', 'niversite' finds nothing. Case and accents are "
                "ignored: 'universite' finds 'Université'. A word in Arabic script (or another "
                "script that joins words) may match anywhere inside a word."
            ),
            examples=[OpenApiExample("Search", value="universite abidjan")],
        ),
        OpenApiParameter(
            "updated_since",
            {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]},
            description=_(
                "Only organizations whose record changed at or after this moment: an ISO 8601 date "
                "(midnight UTC) or date-time (UTC if no offset; write '+' as %2B)."
            ),
            examples=[
                OpenApiExample("Date", value="2025-01-31"),
                OpenApiExample("Date-time", value="2025-01-31T12:00:00Z"),
            ],
        ),
        OpenApiParameter(
            "ordering",
            OpenApiTypes.STR,
            enum=list(ORDERINGS),
            default=DEFAULT_ORDERING,
            description=_("Sort order; '-' means descending. Ties are broken by a stable internal id."),
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
            description=_("Rows per page (JSON only)."),
        ),
        OpenApiParameter(
            "cursor",
            {"type": "string", "maxLength": 1000},
            description=_(
                "Opaque; take it from the 'next' or 'previous' link. Valid only with the same ordering: "
                "a cursor that was not made by the server, or for another ordering, points to no page (404)."
            ),
        ),
        OpenApiParameter(
            "format",
            OpenApiTypes.STR,
            enum=["json", "csv"],
            description=_("json (default) or csv: the whole filtered list as CSV, without paging."),
        ),
        AS_OF,
        *CONDITIONAL_HEADERS,
    ],
    responses={
        (200, "application/json"): OpenApiResponse(
            AffiliatePageSerializer,
            description=_("One page of affiliates."),
            examples=[
                OpenApiExample("Page", value=PAGE_EXAMPLE, response_only=True),
                OpenApiExample(
                    "Page with a partner key",
                    value={**PAGE_EXAMPLE, "results": [PARTNER_AFFILIATE_EXAMPLE]},
                    response_only=True,
                ),
            ],
        ),
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR,
            description=_(
                "Every matching affiliate, with a header row; columns as in JSON, with country and "
                "region flattened to *_code and *_name; 'email' last, for partner keys only."
            ),
            examples=[OpenApiExample("CSV", value=CSV_EXAMPLE, response_only=True, media_type="text/csv")],
        ),
        304: NOT_MODIFIED,
        400: _error(
            _(
                "A parameter is not valid, empty where a value is needed, or given twice; details name "
                "each one."
            ),
            [INVALID_EXAMPLE, AS_OF_EXAMPLE],
        ),
        404: _error(_("The cursor points to no page."), [BAD_CURSOR_EXAMPLE]),
        **ERROR_RESPONSES,
    },
)

get_affiliate = extend_schema(
    operation_id="getAffiliate",
    tags=[TAG],
    summary=_("Get one affiliate"),
    description=_(
        "One affiliate by its slug. Organizations that are not active affiliates are not found. A union "
        "renamed keeps answering to its former slugs: without as_of, a former slug is a permanent "
        "redirect (301, the query string kept) to the affiliate under its slug now; with as_of, the "
        "affiliate is answered as it was that day, under the slug it had then, whether the slug in the "
        "address is that day's, a later one or an earlier one."
    ),
    parameters=[AS_OF, *CONDITIONAL_HEADERS, RENAMED_LOCATION],
    responses={
        200: OpenApiResponse(
            AffiliateSerializer,
            description=_("The affiliate."),
            examples=[
                OpenApiExample("Affiliate", value=AFFILIATE_EXAMPLE, response_only=True),
                OpenApiExample("With a partner key", value=PARTNER_AFFILIATE_EXAMPLE, response_only=True),
            ],
        ),
        301: RENAMED_REDIRECT,
        304: NOT_MODIFIED,
        400: _error(AS_OF_ERROR, [AS_OF_EXAMPLE]),
        404: _error(_("No active affiliate has this slug."), [NOT_FOUND_EXAMPLE]),
        **ERROR_RESPONSES,
    },
)

list_regions = extend_schema(
    operation_id="listRegions",
    tags=[TAG],
    summary=_("List regions"),
    description=_(
        "Every region, parents before their sub-regions, with the number of affiliates in each "
        "(sub-regions included). Use the codes in the 'region' filter of /api/v1/affiliates/."
    ),
    parameters=[AS_OF, *CONDITIONAL_HEADERS],
    responses={
        200: OpenApiResponse(
            RegionSerializer(many=True),
            description=_("All regions."),
            examples=[OpenApiExample("Regions", value=REGIONS_EXAMPLE, response_only=True)],
        ),
        304: NOT_MODIFIED,
        400: _error(AS_OF_ERROR, [AS_OF_EXAMPLE]),
        **ERROR_RESPONSES,
    },
)

list_changes = extend_schema(
    operation_id="listChanges",
    tags=[TAG],
    summary=_("Follow the changes to the directory"),
    description=_(
        "Every change to what /api/v1/affiliates/ shows, oldest first: admissions, changed details, "
        "category and good-standing changes, suspensions, reinstatements and ends of membership. "
        "Start with after=0 and apply each event in order: when 'affiliate' is null, remove 'slug'; "
        "otherwise remove 'previous_slug' (if given) and store 'affiliate' under its slug. Your copy is "
        "then exactly the directory. Keep 'next_after' and ask again (at once while 'has_more' is true, "
        "else every few minutes). No event is ever skipped: ids follow the order in which changes were "
        "committed, without gaps. An event may be applied twice without harm."
    ),
    parameters=[
        OpenApiParameter(
            "after",
            {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "default": 0},
            description=_("The id of the last event you read; 0 (the default) starts from the beginning."),
            examples=[OpenApiExample("From the start", value=0), OpenApiExample("Later", value=42)],
        ),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 100},
            description=_("At most this many events."),
        ),
        *CONDITIONAL_HEADERS,
    ],
    responses={
        200: OpenApiResponse(
            ChangeFeedPageSerializer,
            description=_("The next events."),
            examples=[OpenApiExample("Events", value=CHANGES_EXAMPLE, response_only=True)],
        ),
        304: NOT_MODIFIED,
        400: _error(
            _("after or limit is not a whole number in range, empty, or given twice."), [FEED_INVALID_EXAMPLE]
        ),
        404: _error(_("No event has this id yet."), [FEED_AHEAD_EXAMPLE]),
        410: _error(
            _("The events after this id are no longer kept: start again from the directory."),
            [FEED_EXPIRED_EXAMPLE],
        ),
        **ERROR_RESPONSES,
    },
)


DECISIONS_EXAMPLE = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "meeting": 4,
            "title": "Executive Committee, December session",
            "starts_at": "2026-12-12T09:00:00Z",
            "minutes_approved": True,
            "decisions": [
                {
                    "kind": "application",
                    "decision": "admitted",
                    "category": "full",
                    "motion_kind": "",
                    "organization": {
                        "name": "Kenya National Union of Students",
                        "acronym": "KNUS",
                        "country": {"code": "KE", "name": "Kenya"},
                        "slug": "kenya-national-union-of-students",
                    },
                },
                {
                    "kind": "motion",
                    "decision": "carried",
                    "category": "",
                    "motion_kind": "suspend",
                    "organization": {
                        "name": "Tajik Students' Union",
                        "acronym": "TSU",
                        "country": {"code": "TJ", "name": "Tajikistan"},
                        "slug": None,
                    },
                },
            ],
        }
    ],
}
DECISIONS_INVALID_EXAMPLE = _error_example(
    "Invalid parameters",
    400,
    "invalid",
    "Some values in the request are not valid. See details for each field.",
    {"year": ["Use a year of four digits, such as 2026."], "page": ["Give this parameter once."]},
)
NO_PAGE_EXAMPLE = _error_example("No such page", 404, "not_found", "There is no page with this number.")

list_decisions = extend_schema(
    operation_id="listDecisions",
    tags=[TAG],
    summary=_("List the Executive Committee's public decisions"),
    description=_(
        "Per meeting whose minutes are written (approved, or a closed meeting's draft), newest first, "
        "the unions it admitted and the motions on members it carried, as its minutes record them: "
        "never a tally, a ballot or a voter's name. A meeting that took no such decision is listed with "
        "none. Numbered pages of meetings; 'slug' links a union that is an affiliate today."
    ),
    parameters=[
        OpenApiParameter(
            "meeting",
            {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
            description=_("Only this meeting's decisions (its id)."),
        ),
        OpenApiParameter(
            "year",
            {"type": "integer", "minimum": 1900, "maximum": 9999},
            description=_("Only the meetings that started in this year (UTC)."),
            examples=[OpenApiExample("2026", value=2026)],
        ),
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": 10**9},
            description=_("Page number, from 1."),
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            description=_("Meetings per page."),
        ),
        *CONDITIONAL_HEADERS,
    ],
    responses={
        200: OpenApiResponse(
            DecisionPageSerializer,
            description=_("One page of meetings with their public decisions."),
            examples=[OpenApiExample("Decisions", value=DECISIONS_EXAMPLE, response_only=True)],
        ),
        304: NOT_MODIFIED,
        400: _error(
            _(
                "A parameter is not a whole number in range, is empty, or is given twice; details name each one."
            ),
            [DECISIONS_INVALID_EXAMPLE],
        ),
        404: _error(_("There is no page with this number."), [NO_PAGE_EXAMPLE]),
        **ERROR_RESPONSES,
    },
)
