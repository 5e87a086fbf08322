"""One error body everywhere: {"error": {"code", "message", "details"}}."""

import json

import pytest
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.exceptions import exception_handler
from workflows.errors import ErrorCode, WorkflowError

pytestmark = pytest.mark.django_db


def assert_error_body(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def test_method_not_allowed_is_405(api_client, regions):
    response = api_client.post("/api/v1/affiliates/", {})

    assert_error_body(response, 405, "method_not_allowed")


def test_unknown_format_is_406(api_client, regions):
    error = assert_error_body(api_client.get("/api/v1/affiliates/", {"format": "xml"}), 406, "not_acceptable")

    assert "json, csv" in error["message"]


def test_an_accept_header_we_cannot_serve_is_406(api_client, regions):
    response = api_client.get("/api/v1/regions/", HTTP_ACCEPT="text/csv")

    assert_error_body(response, 406, "not_acceptable")


def test_unknown_api_address_is_404_in_the_same_format(api_client):
    error = assert_error_body(api_client.get("/api/v1/members/"), 404, "not_found")

    assert "/api/docs/" in error["message"]


def test_an_address_without_its_final_slash_redirects(api_client):
    response = api_client.get("/api/v1/affiliates?country=KE")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/affiliates/?country=KE"


def test_invalid_csv_request_is_answered_in_json(api_client, regions):
    response = api_client.get("/api/v1/affiliates/", {"format": "csv", "country": "XX"})

    assert_error_body(response, 400, "invalid")


class _Raising(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    exc: Exception | None = None

    def get(self, request):
        raise self.exc


def _raise(exc):
    request = APIRequestFactory().get("/")
    response = _Raising.as_view(exc=exc)(request)
    response.render()
    return response


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (ErrorCode.NOT_ALLOWED, 409),
        (ErrorCode.CONFLICT, 409),
        (ErrorCode.INCOMPLETE, 409),
        (ErrorCode.FORBIDDEN, 403),
        (ErrorCode.INVALID, 400),
        (ErrorCode.TOO_LARGE, 413),
        (ErrorCode.UNSUPPORTED_TYPE, 415),
    ],
)
def test_workflow_errors_map_to_their_status(code, status):
    details = {"document": ["Too big."]} if code is ErrorCode.INVALID else {}

    response = _raise(WorkflowError(code, "The application cannot be submitted.", details=details))

    error = assert_error_body(response, status, code.value)
    assert error["message"] == "The application cannot be submitted."
    assert error["details"] == details


def test_every_workflow_error_code_has_a_status():
    for code in ErrorCode:
        assert exception_handler(WorkflowError(code, "x"), {}) is not None


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (exceptions.ValidationError({"name": ["Required."]}), 400, "invalid"),
        (exceptions.ValidationError(["Both dates are needed."]), 400, "invalid"),
        (exceptions.NotAuthenticated(), 403, "not_authenticated"),
        (exceptions.PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotFound(), 404, "not_found"),
        (exceptions.ParseError(), 400, "parse_error"),
        (exceptions.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (exceptions.Throttled(wait=7), 429, "throttled"),
    ],
)
def test_drf_exceptions_use_the_body(exc, status, code):
    response = _raise(exc)

    assert_error_body(response, status, code)


def test_validation_details_are_lists_of_messages_per_field():
    error = assert_error_body(_raise(exceptions.ValidationError({"name": "Required."})), 400, "invalid")
    assert error["details"] == {"name": ["Required."]}

    error = assert_error_body(_raise(exceptions.ValidationError("Both dates are needed.")), 400, "invalid")
    assert error["details"] == {"non_field_errors": ["Both dates are needed."]}


def test_django_404_and_permission_denied_use_the_body():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    assert_error_body(_raise(Http404()), 404, "not_found")
    assert_error_body(_raise(PermissionDenied()), 403, "permission_denied")


def test_other_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None
