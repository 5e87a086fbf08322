"""One error body for the whole API: ``{"error": {"code", "message", "details"}}``.

``code`` is stable and meant for programs; ``message`` is for people; ``details``
holds the messages per field for 400s and other facts (``retry_after`` for 429).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from workflows.errors import ErrorCode, WorkflowError

WORKFLOW_STATUS = {
    ErrorCode.NOT_ALLOWED: status.HTTP_409_CONFLICT,
    ErrorCode.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorCode.INCOMPLETE: status.HTTP_409_CONFLICT,
    ErrorCode.POSSIBLE_DUPLICATE: status.HTTP_409_CONFLICT,
    ErrorCode.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorCode.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorCode.TOO_LARGE: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    ErrorCode.UNSUPPORTED_TYPE: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}

INVALID_MESSAGE = _("Some values in the request are not valid. See details for each field.")
NOT_FOUND_MESSAGE = _("Not found.")


class FeedCursorExpired(exceptions.APIException):
    """A feed cursor older than the events kept (``FEED_RETENTION_DAYS``, or a restore)."""

    status_code = status.HTTP_410_GONE
    default_code = "cursor_expired"
    default_detail = _(
        "The events after this id are no longer kept. Read the whole list from /api/v1/affiliates/, "
        "then follow the feed from last_id (given in details)."
    )

    def __init__(self, *, last_id: int):
        super().__init__()
        self.details = {"last_id": last_id}


def error_body(code: str, message: Any, details: dict | None = None) -> dict:
    return {"error": {"code": str(code), "message": str(message), "details": details or {}}}


def _plain(detail: Any) -> Any:
    """ErrorDetail / lazy strings → str, keeping the shape of lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list | tuple):
        return [_plain(value) for value in detail]
    if detail is None or isinstance(detail, bool | int | float):
        return detail  # numbers in a service's details (max_bytes, assigned, required) stay numbers
    return str(detail)


def _validation_details(detail: Any) -> dict:
    if isinstance(detail, dict):
        return {
            field: value if isinstance(value, list) else [value] for field, value in _plain(detail).items()
        }
    return {"non_field_errors": _plain(detail if isinstance(detail, list) else [detail])}


def _body_for(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        return error_body("invalid", INVALID_MESSAGE, _validation_details(exc.detail))
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        message = ngettext(
            "Too many requests. Try again in %(seconds)d second.",
            "Too many requests. Try again in %(seconds)d seconds.",
            wait,
        ) % {"seconds": wait}
        return error_body("throttled", message, {"retry_after": wait})
    if isinstance(exc, FeedCursorExpired):
        return error_body(exc.default_code, exc.detail, exc.details)
    code = getattr(exc.detail, "code", None) or exc.default_code
    if isinstance(exc.detail, dict | list):
        return error_body(code, exc.default_detail, {"errors": _plain(exc.detail)})
    return error_body(code, exc.detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler (status, headers such as Retry-After, rollback) with our body.

    ``WorkflowError`` maps to 400/403/409/413/415 by its code. Anything else
    returns None, and Django answers 500.
    """
    if isinstance(exc, WorkflowError):
        set_rollback()
        return Response(
            error_body(exc.code.value, exc.message, _plain(exc.details)), status=WORKFLOW_STATUS[exc.code]
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*(exc.args or [NOT_FOUND_MESSAGE]))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _body_for(exc)
    return response
