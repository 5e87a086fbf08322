"""Requests through the whole Django stack in this process: a WSGI call, as gunicorn makes it.

Unlike ``django.test.Client`` this keeps production's request cycle: ``request_started`` /
``request_finished`` (connections go back to the pool after each request), every
middleware, the real ``WSGIRequest``. Requests arrive as from the reverse proxy
(``X-Forwarded-Proto: https``), anonymous unless their headers carry a session cookie.
"""

import io
import sys
import time
from urllib.parse import urlsplit

from django.core.handlers.wsgi import WSGIHandler

HOST = "127.0.0.1"


class WSGIClient:
    def __init__(self):
        self.handler = WSGIHandler()

    def environ(self, url: str, headers: dict | None = None) -> dict:
        """The WSGI environ of ``GET url``; ``headers`` (as ``HTTP_*`` keys) replace the defaults."""
        parts = urlsplit(url)
        return {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": HOST,
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": HOST,
            "HTTP_HOST": HOST,
            "HTTP_ACCEPT": "application/json",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_FOR": "192.0.2.10",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **(headers or {}),
        }

    def get(self, url: str, headers: dict | None = None) -> tuple[int, bytes]:
        """The status and body of ``GET url``, the response closed (``request_finished`` sent)."""
        status: list[str] = []

        def start_response(value, headers, exc_info=None):
            status.append(value)

        response = self.handler(self.environ(url, headers), start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
        return int(status[0].split(" ", 1)[0]), body

    def timed(self, url: str, headers: dict | None = None) -> float:
        """Seconds for one ``GET url``; an error status is an error."""
        started = time.perf_counter()
        code, body = self.get(url, headers)
        elapsed = time.perf_counter() - started
        if code != 200:
            raise RuntimeError(f"GET {url} answered {code}: {body[:300]!r}")
        return elapsed
