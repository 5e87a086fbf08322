"""An oversized request answered by a real WSGI server (Django's, as under runserver): 413, not 500.

The test client does not check what a WSGI server refuses; wsgiref does: a hop-by-hop header
set by the application (``Connection: close``) made it answer 500 instead of the 413.
"""

import http.client
import json
import socket
from urllib.parse import urlsplit
from wsgiref.util import is_hop_by_hop

import pytest

OVERSIZED = 13 * 1024 * 1024  # REQUEST_BODY_MAX_BYTES is 12 MB


def post_announcing(live_server, path: str, length: int) -> tuple[http.client.HTTPResponse, bytes]:
    """POST with ``Content-Length: length`` and (almost) no body, as a client that is refused early sees it."""
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(length))
        connection.endheaders(b"{}")
        connection.sock.shutdown(socket.SHUT_WR)  # the rest of the body never comes: the server sees its end
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_an_oversized_api_request_gets_413_in_the_api_format_from_a_wsgi_server(live_server):
    response, body = post_announcing(live_server, "/api/v1/applications/", OVERSIZED)

    assert response.status == 413
    assert json.loads(body)["error"]["code"] == "too_large"
    assert response.getheader("X-Request-ID")


@pytest.mark.django_db(transaction=True)
def test_an_oversized_page_request_gets_413_from_a_wsgi_server(live_server):
    response, body = post_announcing(live_server, "/accounts/login/", OVERSIZED)

    assert response.status == 413
    assert body.startswith(b"The request is too large")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/applications/", "/accounts/login/"])
def test_the_413_refusal_sets_no_hop_by_hop_header(client, path):
    response = client.generic(
        "POST", path, data=b"{}", content_type="application/json", CONTENT_LENGTH=str(OVERSIZED)
    )

    assert response.status_code == 413
    assert [name for name in response.headers if is_hop_by_hop(name)] == []
