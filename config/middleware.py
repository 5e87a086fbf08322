"""Project middleware: the request id, and the cap on a request's body.

Both run first (see ``MIDDLEWARE``), before anything reads the request.
"""

import re
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# What an upstream id may look like: a UUID, a load balancer's or a proxy's trace id.
# Anything else (too long, spaces, control characters) is replaced by a new UUID.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")


class RequestIdMiddleware:
    """Give every request an id: the incoming ``X-Request-ID`` if well formed, else a new UUID.

    django-structlog's ``RequestMiddleware`` (``DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID``)
    binds it to every log line of the request and to the tasks it enqueues; the response
    carries it back in ``X-Request-ID``, so that a user's report can be matched to the logs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get(REQUEST_ID_META, "")
        if not REQUEST_ID_PATTERN.fullmatch(request_id):
            request_id = str(uuid.uuid4())
        request.META[REQUEST_ID_META] = request_id
        request.request_id = request_id
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestBodyLimitMiddleware:
    """Refuse with 413 a request that announces a body larger than ``REQUEST_BODY_MAX_BYTES``.

    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps a body without files, but a multipart
    upload is streamed to disk whatever its size; the web server in front (nginx
    ``client_max_body_size``) is the first limit, this one holds where there is none.
    The body is never read: the answer depends on ``Content-Length`` only (WSGI gives a
    body without one, a chunked one, to Django as empty).

    The refusal sets no ``Connection`` header: it is hop-by-hop, which a WSGI application must
    not set (PEP 3333; wsgiref, under runserver and the live-server tests, answered 500
    instead). Closing the connection is the server's decision: Django's development server
    discards the unread body and closes a response without a length, gunicorn's sync workers
    close after every response, and nginx answers such a request itself before it gets here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(request, 400, "invalid", "Invalid Content-Length.")
        if length > settings.REQUEST_BODY_MAX_BYTES:
            limit_mb = settings.REQUEST_BODY_MAX_BYTES / (1024 * 1024)
            return _refusal(request, 413, "too_large", f"The request is too large: at most {limit_mb:g} MB.")
        return self.get_response(request)


def _refusal(request, status: int, code: str, message: str) -> HttpResponse:
    """Plain text, or under /api/ the API's one error body (api/exceptions.py)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": code, "message": message, "details": {}}}, status=status)
    return HttpResponse(f"{message}\n", status=status, content_type="text/plain")
