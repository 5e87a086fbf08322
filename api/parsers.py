"""The API's JSON parser: DRF's, with a cap on the body's size and on how deeply it nests.

Python's ``json`` recurses once per level: a body of 100,000 ``[`` ran out of stack (a
``RecursionError``, answered 500). Here a body deeper than ``max_depth`` levels is a 400
``parse_error``, and one larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2 MB, the cap on any
body without files) a 413 ``too_large``, both in the API's error body. No request of the API
needs more than three levels (an application, its list of contacts, a contact).
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils import json

MAX_DEPTH = 20


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def nesting_depth_exceeds(value, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (``[]`` is one)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """``application/json`` with the size and depth limits above (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``)."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestTooLarge(
                _("The JSON body is too large: at most %(limit)d bytes.") % {"limit": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        too_deep = ParseError(
            _("The JSON is nested too deeply: at most %(depth)d levels of arrays and objects.")
            % {"depth": self.max_depth}
        )
        try:
            data = json.loads(
                body.decode(encoding),
                parse_constant=json.strict_constant if self.strict else None,
            )
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:  # invalid JSON, invalid text in the encoding, NaN / Infinity
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        if isinstance(data, dict | list) and nesting_depth_exceeds(data, self.max_depth):
            raise too_deep
        return data
