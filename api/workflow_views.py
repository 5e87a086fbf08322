"""The workflow API: membership applications, their documents, transitions, reviews and votes.

For people only: a session (with CSRF) or a personal token (``accounts.tokens``); partner
keys are refused. Every application is fetched through
``workflows.selectors.application_visible_to``, so one the caller may not see is a
404, never a 403. Each endpoint validates its input's shape, calls ONE service of
``workflows.services`` and answers; the services decide and their refusals
(``WorkflowError``) become 400/403/409/413/415 in ``api.exceptions``.
"""

import re

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.mfa import officer_needs_mfa
from registry.selectors import region_with_descendants_ids
from workflows import selectors, services
from workflows.documents import document_response
from workflows.models import MembershipApplication

from . import workflow_schema as docs
from .authentication import PartnerKeyAuthentication, PersonalTokenAuthentication
from .filters import query_shape_errors
from .parsers import JSONParser, RequestTooLarge
from .permissions import is_partner
from .throttling import AtomicRateThrottle
from .workflow_serializers import (
    ApplicationDetailSerializer,
    ApplicationFilterSerializer,
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

PAGE_SIZE_PATTERN = re.compile(r"[0-9]{1,6}")
# The list's query parameters: none may be empty or repeated (see api.filters.query_shape_errors).
LIST_PARAMETERS = {"state": False, "region": False, "page": False, "page_size": False}

# Ids are bigints: longer numbers are not an application (and would overflow the database driver).
ID_PATTERN = r"[0-9]{1,18}"


class IsPerson(BasePermission):
    """A signed-in, active person. Partner keys are refused (403); officers need two-factor first."""

    def has_permission(self, request, view) -> bool:
        if is_partner(request):
            raise exceptions.PermissionDenied(
                _(
                    "Partner keys give access to the directory only. The workflow endpoints are for "
                    "people: log in, or send a personal token ('Authorization: Token <key>')."
                ),
                code="partner_key_not_allowed",
            )
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False  # DRF answers 401 with the WWW-Authenticate challenge
        if officer_needs_mfa(user):
            raise exceptions.PermissionDenied(
                _(
                    "Members of the Secretariat and the Executive Committee must turn on two-factor "
                    "authentication (/accounts/2fa/) before they use the API."
                ),
                code="mfa_required",
            )
        return True


class PersonRateThrottle(AtomicRateThrottle):
    """Signed-in people, per person (``API_RATE_USER``)."""

    scope = "user"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ApplicationPagination(PageNumberPagination):
    """Numbered pages (``page``, ``page_size`` up to 100) with the total ``count``."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        """``page_size`` as the schema declares it: a whole number from 1 to 100, or left out."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not PAGE_SIZE_PATTERN.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            message = _("Use a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_paginated_response_schema(self, schema):
        return docs.paginated(super().get_paginated_response_schema(schema))

    def get_schema_operation_parameters(self, view):
        return docs.page_parameters(self)


class AnyMediaRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with any ``Accept`` (the file is served as it is)."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover
        raise NotImplementedError("files are streamed by the view; errors are rendered as JSON")


class PersonViewSet(viewsets.GenericViewSet):
    """What every endpoint for people shares (applications, motions): a session or a personal token,
    partner keys refused, officers with two-factor; throttled per person; JSON in and out, errors
    always JSON; answers never stored by a shared cache."""

    authentication_classes = [PersonalTokenAuthentication, SessionAuthentication, PartnerKeyAuthentication]
    permission_classes = [IsPerson]
    throttle_classes = [PersonRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [renderers.JSONRenderer]
    pagination_class = ApplicationPagination
    lookup_value_regex = ID_PATTERN
    schema = docs.WorkflowAutoSchema()

    def validated(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def initial(self, request, *args, **kwargs):
        """``?format=`` (the download's ``file``, or ``json``) as the schema declares it: not empty,
        not repeated. Checked after authentication, so a stranger still gets 401 first."""
        super().initial(request, *args, **kwargs)
        if shape_errors := query_shape_errors(request.query_params, parameters={"format": False}):
            raise exceptions.ValidationError(shape_errors)

    def handle_exception(self, exc):
        # Django refuses some bodies while DRF parses them; answer those in the API's format too.
        if isinstance(exc, RequestDataTooBig):
            exc = RequestTooLarge()
        elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            exc = exceptions.ParseError(str(exc))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and (response.status_code >= 400 or request.method == "OPTIONS"):
            # Errors (and OPTIONS' description) are JSON whatever was negotiated (a download may
            # accept any type).
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers depend on who asks and may hold personal data: never stored by a shared cache.
        patch_vary_headers(response, ["Authorization", "Cookie"])
        patch_cache_control(response, private=True, no_store=True)
        return response


class ApplicationViewSet(mixins.ListModelMixin, PersonViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = ApplicationSerializer

    # --- plumbing --------------------------------------------------------------------------------

    def get_queryset(self):
        return selectors.application_visible_to(self.request.user).order_by("-updated_at", "-pk")

    @staticmethod
    def with_related(queryset):
        """What ``ApplicationSerializer`` reads: region and applicant joined, contacts and documents
        prefetched (three queries for a whole page)."""
        return queryset.select_related("region", "applicant").prefetch_related("contacts", "documents")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        queryset = self.with_related(queryset)
        if shape_errors := query_shape_errors(self.request.query_params, parameters=LIST_PARAMETERS):
            raise exceptions.ValidationError(shape_errors)
        query = ApplicationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if state := query.validated_data.get("state"):
            queryset = queryset.filter(state=state)
        if (region := query.validated_data.get("region")) is not None:
            queryset = queryset.filter(region_id__in=region_with_descendants_ids(region=region))
        return queryset

    def get_object(self) -> MembershipApplication:
        application = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if application is None:
            raise exceptions.NotFound(_("There is no application with this id that you may see."))
        return application

    def application_response(self, application, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The application as it is now, with the actions the caller may take next."""
        fresh = self.with_related(self.get_queryset()).filter(pk=application.pk).first() or application
        context = {
            **self.get_serializer_context(),
            "actions": selectors.available_actions(application=fresh, user=self.request.user),
            "possible_duplicates": selectors.possible_duplicates_for(
                application=fresh, user=self.request.user
            ),
        }
        serializer = ApplicationDetailSerializer(fresh, context=context)
        return Response(serializer.data, status=status_code)

    # --- the application ------------------------------------------------------------------------------

    @docs.list_applications
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @docs.create_application
    def create(self, request, *args, **kwargs):
        body = ApplicationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.application_create(applicant=request.user, **body.service_arguments())
        response = self.application_response(application, status_code=status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @docs.get_application
    def retrieve(self, request, *args, **kwargs):
        return self.application_response(self.get_object())

    @docs.update_application
    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        body = ApplicationWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        application = services.application_update(
            application=application, actor=request.user, **body.service_arguments()
        )
        return self.application_response(application)

    @docs.delete_application
    def destroy(self, request, *args, **kwargs):
        services.application_delete(application=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- documents ----------------------------------------------------------------------------------

    @docs.add_document
    @action(detail=True, methods=["post"], url_path="documents", parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        application = self.get_object()
        body = self.validated(DocumentUploadSerializer)
        document = services.document_add(
            application=application, actor=request.user, kind=body["kind"], upload=body["file"]
        )
        data = DocumentSerializer(document, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    @docs.get_document
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"documents/(?P<doc_id>{ID_PATTERN})",
        url_name="document",
        renderer_classes=[renderers.JSONRenderer, AnyMediaRenderer],
    )
    def document(self, request, pk=None, doc_id=None):
        application = self.get_object()
        document = application.documents.filter(pk=doc_id).first()
        if document is None:
            raise exceptions.NotFound(_("This application has no document with this id."))
        try:
            return document_response(document)
        except FileNotFoundError:
            raise exceptions.NotFound(_("The file of this document is missing.")) from None

    # --- transitions: one action, one service --------------------------------------------------------

    @docs.transition("submit")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        body = self.validated(CommentSerializer)
        return self.application_response(
            services.application_submit(application=application, actor=request.user, **body)
        )

    @docs.transition("resubmit")
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        application = self.get_object()
        body = self.validated(CommentSerializer)
        return self.application_response(
            services.application_resubmit(application=application, actor=request.user, **body)
        )

    @docs.transition("withdraw")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        body = self.validated(CommentSerializer)
        return self.application_response(
            services.application_withdraw(application=application, actor=request.user, **body)
        )

    @docs.transition("request-info")
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        application = self.get_object()
        body = self.validated(MessageSerializer)
        return self.application_response(
            services.application_request_info(application=application, actor=request.user, **body)
        )

    @docs.transition("reject")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self.get_object()
        body = self.validated(MessageSerializer)
        return self.application_response(
            services.application_reject(application=application, actor=request.user, **body)
        )

    @docs.transition("start-review")
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        application = self.get_object()
        body = self.validated(StartReviewSerializer)
        return self.application_response(
            services.application_start_review(application=application, actor=request.user, **body)
        )

    @docs.transition("complete-review")
    @action(detail=True, methods=["post"], url_path="complete-review")
    def complete_review(self, request, pk=None):
        application = self.get_object()
        body = self.validated(CommentSerializer)
        return self.application_response(
            services.application_complete_review(application=application, actor=request.user, **body)
        )

    @docs.transition("open-vote")
    @action(detail=True, methods=["post"], url_path="open-vote")
    def open_vote(self, request, pk=None):
        application = self.get_object()
        body = self.validated(OpenVoteSerializer)
        services.vote_open(application=application, actor=request.user, **body)
        return self.application_response(application)

    @docs.transition("close-vote")
    @action(detail=True, methods=["post"], url_path="close-vote")
    def close_vote(self, request, pk=None):
        application = self.get_object()
        body = self.validated(CommentSerializer)
        services.vote_close(application=application, actor=request.user, **body)
        return self.application_response(application)

    # --- the registry: a re-application, or a new union ----------------------------------------------

    @docs.link_organization
    @action(detail=True, methods=["post"], url_path="link-organization")
    def link_organization(self, request, pk=None):
        application = self.get_object()
        body = self.validated(LinkOrganizationSerializer)
        return self.application_response(
            services.application_link_organization(application=application, actor=request.user, **body)
        )

    @docs.confirm_distinct
    @action(detail=True, methods=["post"], url_path="confirm-distinct")
    def confirm_distinct(self, request, pk=None):
        application = self.get_object()
        self.validated(ConfirmDistinctSerializer)
        return self.application_response(
            services.application_confirm_distinct(application=application, actor=request.user)
        )

    # --- reviews and the vote ------------------------------------------------------------------------

    @docs.add_review
    @action(detail=True, methods=["post"])
    def reviews(self, request, pk=None):
        application = self.get_object()
        body = self.validated(ReviewInputSerializer)
        review = services.review_submit(application=application, reviewer=request.user, **body)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @docs.revise_review
    @action(detail=True, methods=["post"], url_path="revise-review")
    def revise_review(self, request, pk=None):
        application = self.get_object()
        body = self.validated(ReviewInputSerializer)
        review = services.review_revise(application=application, reviewer=request.user, **body)
        return Response(ReviewSerializer(review).data)

    @docs.confirm_review
    @action(detail=True, methods=["post"], url_path="confirm-review")
    def confirm_review(self, request, pk=None):
        application = self.get_object()
        self.validated(ConfirmReviewSerializer)
        review = services.review_confirm(application=application, reviewer=request.user)
        return Response(ReviewSerializer(review).data)

    @docs.cast_ballot
    @action(detail=True, methods=["post"])
    def ballots(self, request, pk=None):
        application = self.get_object()
        body = self.validated(BallotInputSerializer)
        ballot = services.vote_cast(application=application, member=request.user, **body)
        return Response(BallotSerializer(ballot).data, status=status.HTTP_201_CREATED)

    @docs.recuse
    @action(detail=True, methods=["post"])
    def recusal(self, request, pk=None):
        application = self.get_object()
        body = self.validated(RecusalInputSerializer)
        voter = services.vote_recuse(application=application, member=request.user, **body)
        return Response(RecusalSerializer(voter).data)

    @docs.vote_rounds
    @action(detail=True, methods=["get"], url_path="rounds", pagination_class=None)
    def rounds(self, request, pk=None):
        application = self.get_object()
        views = selectors.vote_rounds_for(application=application, user=request.user)
        return Response(VoteRoundSerializer(views, many=True).data)

    @docs.history
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        application = self.get_object()
        entries = selectors.application_history_for(application=application, viewer=request.user)
        return Response(HistoryEntrySerializer(entries, many=True).data)
