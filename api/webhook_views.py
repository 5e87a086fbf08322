"""Partners' webhook endpoints (``/api/v1/webhooks/``): for the holder of a partner key only.

Each endpoint is the key's own: another key's is a 404, a request without a key a 401 with the
challenge ``WWW-Authenticate: Api-Key``, a refused key a 403 (as every refusal of a partner key). The views validate the body's shape, call ONE service of
``api.webhooks`` and answer; a refused URL or event type is a 400 naming the field.
"""

import contextlib

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications.models import NotificationState

from . import webhooks
from .authentication import KEYWORD, PartnerKeyAuthentication
from .filters import query_shape_errors
from .models import WebhookDelivery, WebhookEndpoint
from .parsers import JSONParser
from .permissions import IsPartner
from .serializers import ErrorSerializer
from .webhook_serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
)
from .workflow_views import ApplicationPagination

TAG = "Webhooks"
ID_PATTERN = r"[0-9]{1,18}"
ID = OpenApiParameter(
    "webhook_id", int, OpenApiParameter.PATH, description=_("The endpoint's id."), pattern=rf"^{ID_PATTERN}$"
)
DELIVERY_ID = OpenApiParameter(
    "delivery_id", int, OpenApiParameter.PATH, description=_("The delivery's id."), pattern=rf"^{ID_PATTERN}$"
)
STATE = OpenApiParameter(
    "state",
    str,
    OpenApiParameter.QUERY,
    description=_("Only the deliveries in this state."),
    enum=NotificationState.values,
)
ENDPOINT_EXAMPLE = {
    "id": 3,
    "url": "https://partner.example/hooks/federation",
    "description": "Member sync",
    "event_types": ["member.admitted", "member.ended"],
    "enabled": True,
    "previous_secret_valid_until": None,
    "consecutive_failures": 0,
    "disabled_at": None,
    "disabled_reason": "",
    "created_at": "2026-11-30T09:00:00Z",
    "updated_at": "2026-11-30T09:00:00Z",
}
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw2Lb+U6M2kqE="
DELIVERY_EXAMPLE = {
    "id": 81,
    "webhook_id": "msg_3_1207",
    "event_id": 1207,
    "event_type": "member.admitted",
    "state": "sent",
    "attempts": 1,
    "response_status": 204,
    "response_body": "",
    "last_error": "",
    "next_attempt_at": None,
    "created_at": "2026-11-30T09:12:00Z",
    "sent_at": "2026-11-30T09:12:01Z",
}


def _error(description, example_name, status_code, code, message, details=None):
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(
                example_name,
                value={"error": {"code": code, "message": message, "details": details or {}}},
                status_codes=[str(status_code)],
            )
        ],
    )


UNAUTHENTICATED = _error(
    _("No partner key: send the header 'Authorization: Api-Key <key>'."),
    "No key",
    401,
    "not_authenticated",
    "Authentication credentials were not provided.",
)
FORBIDDEN = _error(
    _("A malformed, unknown, revoked or expired partner key."),
    "Revoked key",
    403,
    "api_key_revoked",
    "This API key has been revoked. Ask the federation's secretariat for a new key.",
)
NOT_FOUND = _error(
    _("No endpoint (or delivery) with this id on your key."), "Not found", 404, "not_found", "Not found."
)
INVALID = _error(
    _("The body is not valid: the URL or event types are refused (details per field)."),
    "Private address",
    400,
    "invalid",
    "Some values in the request are not valid. See details for each field.",
    {
        "url": [
            "The URL leads to 10.0.0.5, a private, loopback, link-local, multicast or reserved address. "
            "Webhooks are sent to public addresses only."
        ]
    },
)
CONFLICT = _error(
    _("The delivery is being sent right now."),
    "Being sent",
    409,
    "conflict",
    "This delivery is being sent right now.",
)
ALWAYS = {401: UNAUTHENTICATED, 403: FORBIDDEN}
ON_ONE = {**ALWAYS, 404: NOT_FOUND}


def _endpoint(description, *, with_secret=False) -> OpenApiResponse:
    value = {**ENDPOINT_EXAMPLE, "secret": SECRET_EXAMPLE} if with_secret else ENDPOINT_EXAMPLE
    return OpenApiResponse(
        WebhookEndpointCreatedSerializer if with_secret else WebhookEndpointSerializer,
        description=description,
        examples=[OpenApiExample("Endpoint", value=value)],
    )


@contextlib.contextmanager
def _refusals():
    """A service's refusal as the API says it: 400 naming the field, 409 for a conflict."""
    try:
        yield
    except webhooks.WebhookError as error:
        if error.code == "conflict":
            raise Conflict(error.message) from error
        raise exceptions.ValidationError({error.field: [error.message]}, code=error.code) from error


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The endpoints of the calling partner key (``request.auth``)."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [IsPartner]
    parser_classes = [JSONParser]
    renderer_classes = [renderers.JSONRenderer]
    pagination_class = ApplicationPagination
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "webhook_id"
    lookup_value_regex = ID_PATTERN

    def get_authenticate_header(self, request):
        """A request without a key is a 401 with the challenge ``WWW-Authenticate: Api-Key``, as
        HTTP asks of missing credentials (no browser prompts for that scheme); a key sent and refused
        stays a 403, as everywhere."""
        return KEYWORD

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(partner_key=self.request.auth).order_by("pk")

    def get_object(self) -> WebhookEndpoint:
        endpoint = self.get_queryset().filter(pk=self.kwargs["webhook_id"]).first()
        if endpoint is None:
            raise exceptions.NotFound(_("There is no webhook endpoint with this id on your key."))
        return endpoint

    def _input(self, *, partial: bool) -> dict:
        serializer = WebhookEndpointInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, endpoint, *, secret=None, status_code=status.HTTP_200_OK) -> Response:
        data = dict(WebhookEndpointSerializer(endpoint).data)
        if secret is not None:
            data["secret"] = secret
        return Response(data, status=status_code)

    def filter_queryset(self, queryset):
        if self.action == "list" and (
            errors := query_shape_errors(
                self.request.query_params, parameters={"page": False, "page_size": False}
            )
        ):
            raise exceptions.ValidationError(errors)
        return queryset

    @extend_schema(
        operation_id="listWebhookEndpoints",
        tags=[TAG],
        summary=_("List your webhook endpoints"),
        responses={200: WebhookEndpointSerializer(many=True), 400: INVALID, **ALWAYS},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        operation_id="createWebhookEndpoint",
        tags=[TAG],
        summary=_("Register a webhook endpoint"),
        description=_(
            "An https URL on a public address, and the event types to send (none: every event). The "
            "answer holds the signing secret (whsec_…): it is shown this once, never again."
        ),
        request=WebhookEndpointInputSerializer,
        examples=[
            OpenApiExample(
                "Register",
                value={"url": "https://partner.example/hooks/federation", "event_types": ["member.admitted"]},
                request_only=True,
            )
        ],
        responses={
            201: _endpoint(_("The endpoint, with its secret (shown once)."), with_secret=True),
            400: INVALID,
            **ALWAYS,
        },
    )
    def create(self, request, *args, **kwargs):
        body = self._input(partial=False)
        with _refusals():
            endpoint, secret = webhooks.webhook_endpoint_create(partner_key=request.auth, **body)
        return self._answer(endpoint, secret=secret, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="getWebhookEndpoint",
        tags=[TAG],
        summary=_("Get a webhook endpoint"),
        parameters=[ID],
        responses={200: _endpoint(_("The endpoint (never its secret).")), **ON_ONE},
    )
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(
        operation_id="updateWebhookEndpoint",
        tags=[TAG],
        summary=_("Change a webhook endpoint"),
        description=_(
            "Any of url, event_types, description, enabled. Enabling a disabled endpoint sends what "
            "waited meanwhile."
        ),
        parameters=[ID],
        request=WebhookEndpointInputSerializer,
        examples=[OpenApiExample("Enable", value={"enabled": True}, request_only=True)],
        responses={200: _endpoint(_("The endpoint after the change.")), 400: INVALID, **ON_ONE},
    )
    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        body = self._input(partial=True)
        with _refusals():
            endpoint = webhooks.webhook_endpoint_update(endpoint=endpoint, **body)
        return self._answer(endpoint)

    @extend_schema(
        operation_id="deleteWebhookEndpoint",
        tags=[TAG],
        summary=_("Delete a webhook endpoint"),
        description=_("The endpoint and its delivery log are deleted; nothing more is sent to it."),
        parameters=[ID],
        responses={204: None, **ON_ONE},
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    @extend_schema(
        operation_id="rotateWebhookSecret",
        tags=[TAG],
        summary=_("Rotate the signing secret"),
        description=_(
            "A new secret, shown this once. The previous one keeps signing next to it for "
            "WEBHOOK_SECRET_ROTATION_HOURS (both signatures in webhook-signature), then is dropped."
        ),
        parameters=[ID],
        request=None,
        responses={
            200: _endpoint(_("The endpoint, with its new secret (shown once)."), with_secret=True),
            **ON_ONE,
        },
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, webhook_id=None):
        endpoint, secret = webhooks.webhook_secret_rotate(endpoint=self.get_object())
        return self._answer(endpoint, secret=secret)

    @extend_schema(
        operation_id="listWebhookDeliveries",
        tags=[TAG],
        summary=_("The endpoint's delivery log"),
        description=_("Newest first: each event sent (or to be sent), its attempts and the last answer."),
        parameters=[ID, STATE],
        responses={
            200: OpenApiResponse(
                WebhookDeliverySerializer(many=True),
                examples=[OpenApiExample("Deliveries", value=[DELIVERY_EXAMPLE])],
            ),
            400: INVALID,
            **ON_ONE,
        },
    )
    @action(detail=True, methods=["get"], url_path="deliveries")
    def deliveries(self, request, webhook_id=None):
        endpoint = self.get_object()
        if errors := query_shape_errors(
            request.query_params, parameters={"page": False, "page_size": False, "state": False}
        ):
            raise exceptions.ValidationError(errors)
        rows = endpoint.deliveries.order_by("-pk")
        state = request.query_params.get("state")
        if state is not None:
            if state not in NotificationState.values:
                raise exceptions.ValidationError(
                    {
                        "state": [
                            _("Choose among: %(states)s.") % {"states": ", ".join(NotificationState.values)}
                        ]
                    }
                )
            rows = rows.filter(state=state)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        operation_id="redeliverWebhook",
        tags=[TAG],
        summary=_("Send a delivery again"),
        description=_("The same body and webhook-id, now, with a fresh count of attempts and retry window."),
        parameters=[ID, DELIVERY_ID],
        request=None,
        responses={
            202: OpenApiResponse(
                WebhookDeliverySerializer,
                examples=[
                    OpenApiExample("Queued", value={**DELIVERY_EXAMPLE, "state": "pending", "attempts": 0})
                ],
            ),
            409: CONFLICT,
            **ON_ONE,
        },
    )
    @action(detail=True, methods=["post"], url_path=rf"deliveries/(?P<delivery_id>{ID_PATTERN})/redeliver")
    def redeliver(self, request, webhook_id=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = WebhookDelivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
        if delivery is None:
            raise exceptions.NotFound(_("There is no delivery with this id on this endpoint."))
        try:
            delivery = webhooks.webhook_redeliver(delivery=delivery)
        except webhooks.WebhookError as error:
            raise Conflict(error.message) from error
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
