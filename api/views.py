"""The partner directory API: read-only, anonymous or with a partner key.

Views translate HTTP to selector calls and back; filtering lives in
``registry.selectors``, paging in ``api.pagination``, shapes in ``api.serializers``.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse, StreamingHttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.http import quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from meetings import selectors as meeting_selectors
from registry import feed, history
from registry.csv_export import csv_lines, streamed_rows
from registry.directory_cache import CachedBody, ResponseSlot, response_slot
from registry.replica import directory_reads
from registry.selectors import affiliate_counts_by_region, affiliate_row, affiliate_rows, region_tree

from . import schema
from .authentication import PartnerKeyAuthentication
from .exceptions import FeedCursorExpired, error_body
from .filters import AsOfQueryForm, ChangeFeedQueryForm, DecisionQueryForm, affiliate_query
from .pagination import affiliate_page, ordered, page_links, paginate
from .permissions import is_partner
from .renderers import CSVRenderer, ORJSONRenderer
from .serializers import (
    CSV_COLUMNS,
    CSV_EMAIL_COLUMN,
    affiliate_item,
    affiliate_page_items,
    csv_values,
    event_item,
    meeting_decisions_item,
    region_items,
)

# Formats answered by streaming (never cached).
STREAMED_FORMATS = frozenset({CSVRenderer.format})


@method_decorator(directory_reads, name="dispatch")
class DirectoryView(APIView):
    """Public, read-only, JSON with an ETag (``If-None-Match`` → 304); errors always in JSON.
    The registry is read from the replica when it may answer (``registry.replica``).

    A view with ``cached`` keeps its answers (200, JSON) in the response cache under the registry's
    version (``registry.directory_cache``), with the address, the query string, partner or not, the
    Accept header and the language: a repeat is answered from it after authentication, permissions
    and throttling (every request still counts), before content negotiation and the view's queries.
    Its ETag names that version and request; other views' ETag is a hash of the body."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [ORJSONRenderer]
    cached = False
    slot: ResponseSlot | None = None
    from_cache = False

    def dispatch(self, request, *args, **kwargs):
        if not (self.cached and settings.DIRECTORY_RESPONSE_CACHE and self.may_cache(request)):
            return super().dispatch(request, *args, **kwargs)
        # DRF's dispatch, with ``initial`` and the handler replaced by ``cached_response``.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request, self.headers = request, self.default_response_headers
        try:
            response = self.cached_response(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def may_cache(self, request) -> bool:
        """A GET or HEAD that does not ask for a streamed format (the CSV download)."""
        if request.method not in ("GET", "HEAD"):
            return False
        asked = request.GET.get(api_settings.URL_FORMAT_OVERRIDE)
        accept = request.META.get("HTTP_ACCEPT", "")
        return not any(
            asked == renderer.format or renderer.media_type in accept
            for renderer in self.renderer_classes
            if renderer.format in STREAMED_FORMATS
        )

    def cached_response(self, request, *args, **kwargs):
        """DRF's ``initial`` checks, then the cached answer; content negotiation and the view on a miss."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)
        self.perform_authentication(request)
        self.check_permissions(request)
        self.check_throttles(request)
        self.slot = response_slot(
            "\n".join(
                (
                    request.build_absolute_uri(),
                    "partner" if is_partner(request) else "anonymous",
                    request.META.get("HTTP_ACCEPT", ""),
                    get_language() or "",
                )
            )
        )
        body = self.slot.get()
        if body is not None:
            self.from_cache = True
            return HttpResponse(body.content, content_type=body.content_type)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        return self.get(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and (response.status_code >= 400 or request.method == "OPTIONS"):
            request.accepted_renderer, request.accepted_media_type = (
                ORJSONRenderer(),
                ORJSONRenderer.media_type,
            )
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept", "Authorization"])
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
            return response
        if self.from_cache:
            etag = self.slot.tag
        else:
            response.render()
            if self.slot is None:
                etag = hashlib.blake2b(response.content, digest_size=16).hexdigest()
            else:
                self.slot.put(CachedBody(response.content, response["Content-Type"]))
                etag = self.slot.tag
        response["ETag"] = quote_etag(etag)
        return get_conditional_response(request, etag=response["ETag"], response=response)


class AffiliateListView(DirectoryView):
    renderer_classes = [ORJSONRenderer, CSVRenderer]
    cached = True  # JSON only: the CSV download streams

    @schema.list_affiliates
    def get(self, request):
        query = affiliate_query(request.query_params, request.META.get("QUERY_STRING", ""))
        if not query.is_valid():
            raise ValidationError(query.errors_by_field())
        if query.cursor_error:
            raise NotFound(query.cursor_error)
        with_email = is_partner(request)
        if request.accepted_renderer.format == CSVRenderer.format:
            return self.csv_response(self.every_row(query), with_email=with_email)
        page, row_of = self.page(query)
        rows = page.rows if row_of is _itself else [row_of(row) for row in page.rows]
        return Response(
            {**page_links(request, page), "results": affiliate_page_items(rows, with_email=with_email)}
        )

    @staticmethod
    def page(query):
        """The page the query asks for, and how to read its rows: today's directory
        (``affiliate_page``) or, with ``as_of``, the entries as the feed published them."""
        data = query.cleaned_data
        paging = {"ordering": data["ordering"], "page_size": data["page_size"], "cursor": data["cursor"]}
        if data["as_of"] is None:
            return affiliate_page(filters=query.filters, **paging), _itself
        rows = history.affiliate_rows_as_of(data["as_of"], **query.filters)
        return paginate(rows, key="organization_id", **paging), _entry

    @staticmethod
    def every_row(query):
        """Every row the query selects, in its order, streamed (the CSV download)."""
        data = query.cleaned_data
        if data["as_of"] is None:
            return streamed_rows(ordered(affiliate_rows(**query.filters), data["ordering"]))
        rows = history.affiliate_rows_as_of(data["as_of"], **query.filters)
        return (_entry(row) for row in streamed_rows(ordered(rows, data["ordering"], key="organization_id")))

    @staticmethod
    def csv_response(rows, *, with_email: bool) -> StreamingHttpResponse:
        header = [*CSV_COLUMNS, CSV_EMAIL_COLUMN] if with_email else CSV_COLUMNS
        lines = csv_lines(header, (csv_values(affiliate_item(row, with_email=with_email)) for row in rows))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="affiliates.csv"'
        return response


def _itself(row: dict) -> dict:
    return row


def _entry(row: dict) -> dict:
    return feed.row_of(row["entry"])


def as_of_query(request):
    """The ``as_of`` of a request (None: today's directory); a 400 naming it if it cannot be used."""
    query = AsOfQueryForm(request.query_params)
    if not query.is_valid():
        raise ValidationError(query.errors_by_field())
    return query.cleaned_data["as_of"]


class AffiliateDetailView(DirectoryView):
    cached = True

    @schema.get_affiliate
    def get(self, request, slug: str):
        as_of = as_of_query(request)
        if as_of is None:
            row = affiliate_row(slug=slug)
            if row is None and (now := history.current_slug(slug)) is not None:
                return renamed_redirect(request, reverse("api:affiliate-detail", kwargs={"slug": now}))
        else:
            entry = history.affiliate_row_as_of(as_of, slug=slug)
            row = None if entry is None else feed.row_of(entry)
        if row is None:
            raise NotFound(_("No affiliate has this slug."))
        return Response(affiliate_item(row, with_email=is_partner(request)))


def renamed_redirect(request, path: str) -> HttpResponsePermanentRedirect:
    """301 from a former slug to the union's page under its slug now, with the query string; cached
    for a day only, as the slug may be given to another union later (``registry.history``)."""
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
    response["Cache-Control"] = f"max-age={RENAMED_REDIRECT_MAX_AGE}"
    return response


RENAMED_REDIRECT_MAX_AGE = 86400


class ChangeFeedView(DirectoryView):
    """The directory's changes in order (``registry.feed``): a partner's copy stays exact."""

    @schema.list_changes
    def get(self, request):
        query = ChangeFeedQueryForm(request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors_by_field())
        after, limit = query.cleaned_data["after"], query.cleaned_data["limit"]
        last_id = feed.last_seq()
        if feed.cursor_expired(after):
            raise FeedCursorExpired(last_id=last_id)
        if after > last_id:
            raise NotFound(_("No event has this id yet. Use the id of the last event you read, or 0."))
        events = feed.events_after(after, limit=limit + 1)
        has_more, events = len(events) > limit, events[:limit]
        next_after = events[-1].seq if events else after
        with_email = is_partner(request)
        return Response(
            {
                "results": [event_item(event, with_email=with_email) for event in events],
                "next_after": next_after,
                "has_more": has_more,
                "last_id": last_id,
                "next": request.build_absolute_uri(
                    f"{request.path}?{urlencode({'after': next_after, 'limit': limit})}"
                ),
            }
        )


class RegionListView(DirectoryView):
    cached = True

    @schema.list_regions
    def get(self, request):
        as_of = as_of_query(request)
        if as_of is None:
            counts = affiliate_counts_by_region()
        else:
            counts = history.affiliate_counts_by_region_as_of(as_of)
        return Response(region_items(region_tree(), counts))


class DecisionListView(DirectoryView):
    """The Executive Committee's public decisions, per meeting with minutes, newest first: what the
    public "Decisions" page lists (``meetings.selectors.meeting_decisions``), in numbered pages of
    meetings. Never a tally, a ballot or a voter's name."""

    @schema.list_decisions
    def get(self, request):
        query = DecisionQueryForm(request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors_by_field())
        data = query.cleaned_data
        minutes = meeting_selectors.public_minutes(meeting_id=data["meeting"], year=data["year"])
        paginator = Paginator(minutes, data["page_size"])
        try:
            page = paginator.page(data["page"])
        except EmptyPage:
            raise NotFound(_("There is no page with this number.")) from None
        meetings = [meeting_selectors.meeting_decisions(row) for row in page.object_list]
        slugs = meeting_selectors.affiliate_slugs(meetings)
        url = request.build_absolute_uri()
        return Response(
            {
                "count": paginator.count,
                "next": replace_query_param(url, "page", page.next_page_number())
                if page.has_next()
                else None,
                "previous": _previous_page(url, page),
                "results": [meeting_decisions_item(meeting, slugs) for meeting in meetings],
            }
        )


def _previous_page(url: str, page) -> str | None:
    if not page.has_previous():
        return None
    number = page.previous_page_number()
    return remove_query_param(url, "page") if number == 1 else replace_query_param(url, "page", number)


@csrf_exempt  # answers only 404 or a redirect: a POST to an unknown address gets JSON, not the CSRF page
def endpoint_not_found(request, path: str = ""):
    """Unknown addresses under /api/ answer in the API's error format (or redirect to the slash form)."""
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not endpoint_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    message = _("There is no API endpoint at this address. The endpoints are listed at /api/docs/.")
    return JsonResponse(error_body("not_found", message), status=404)
