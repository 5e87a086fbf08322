"""A real HTTP receiver on loopback for the webhook tests: it records each request and answers as
its script says (``ok``, ``fail`` (500), ``redirect`` (302 to its own ``/internal``), ``hang``,
``huge`` (a 50 MB body, written until the client hangs up))."""

import http.server
import threading
from dataclasses import dataclass, field

HUGE = 50 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    mode: str = "ok"
    requests: list[Received] = field(default_factory=list)
    huge_bytes_written: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def deliveries(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/hook"]


def start_receiver() -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            mode = receiver.mode
            if mode == "ok":
                self.send_response(204)
                self.end_headers()
            elif mode == "fail":
                self.send_response(500)
                self.send_header("Content-Length", "5")
                self.end_headers()
                self.wfile.write(b"oops!")
            elif mode == "redirect":
                self.send_response(302)
                self.send_header("Location", f"{receiver.url}/internal")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "hang":
                receiver.release.wait(10)
            elif mode == "huge":
                self.send_response(200)
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                try:
                    while receiver.huge_bytes_written < HUGE:
                        self.wfile.write(b"x" * CHUNK)
                        receiver.huge_bytes_written += CHUNK
                except OSError:  # the client hung up
                    pass

        do_GET = do_POST

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
