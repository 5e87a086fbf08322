"""README "Scaling with Compose": the compose file's nginx, run for real in front of gunicorn.

nginx runs deploy/nginx/registry.conf with three substitutions, each checked to happen once: Docker's
resolver becomes a small DNS server of the test's on loopback, the `web` service's port a free port, and
`listen 80` a loopback port. The name `web` resolves to gunicorn instances (the production settings,
DEBUG off) on 127.0.0.2, 127.0.0.3 and later 127.0.0.4, as Docker's DNS resolves it to each replica.
Shown: requests reach every replica; a replica added to the DNS answer is used without reloading nginx
(as with `--scale web=N`); a body over 12 MB is refused with 413 by nginx and one of 12 MB reaches the
application; the application logs the client's address, not what the client wrote in X-Forwarded-For;
a client's X-Forwarded-Proto is overwritten. Every process started is stopped by its id; the
replica added is the last test's, so the stack is shared by the module.
"""

import http.client
import json
import socket
import struct
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from bench.servers import Process, free_port, wait_until
from tests.config.test_deployment import NGINX_CONF, TWELVE_MB, nginx_binary, nginx_wrapper

GUNICORN = Path(sys.executable).with_name("gunicorn")
REPLICAS = ("127.0.0.2", "127.0.0.3")
ADDED_REPLICA = "127.0.0.4"
CLIENT_ADDRESS = "127.0.0.5"


class DnsServer:
    """Answers every A query with ``self.addresses`` (TTL 0), on a UDP port of 127.0.0.1."""

    def __init__(self, addresses: list[str]):
        self.addresses = list(addresses)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                query, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            self.sock.sendto(self.answer(query), peer)

    def answer(self, query: bytes) -> bytes:
        end = 12
        while query[end]:
            end += query[end] + 1
        question = query[12 : end + 5]
        (qtype,) = struct.unpack("!H", query[end + 1 : end + 3])
        addresses = self.addresses if qtype == 1 else []
        header = query[:2] + struct.pack("!HHHHH", 0x8180, 1, len(addresses), 0, 0)
        records = b"".join(
            b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + socket.inet_aton(address)
            for address in addresses
        )
        return header + question + records


def replaced_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not once in {NGINX_CONF.name}"
    return text.replace(old, new)


def gunicorn(address: str, port: int, tmp_path: Path) -> Process:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "tests-only-not-secret-" + "x" * 40,
        "ALLOW_LOCAL_CACHE": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1/32",  # nginx, whose connections to 127.0.0.x come from 127.0.0.1
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    argv = [str(GUNICORN), "config.wsgi:application", "--bind", f"{address}:{port}", "--workers", "1"]
    return Process(f"gunicorn-{address}", argv, env=env, log_dir=tmp_path).start()


def request(
    port: int, method: str = "GET", path: str = "/healthz", *, body: bytes | None = None, headers=None
):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(CLIENT_ADDRESS, 0))
    try:
        connection.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("proxy")
    binary = nginx_binary()
    web_port, proxy_port = free_port(), free_port()
    processes: list[Process] = []
    with DnsServer(list(REPLICAS)) as dns:
        try:
            for address in REPLICAS:
                processes.append(gunicorn(address, web_port, tmp_path))
            conf = NGINX_CONF.read_text()
            conf = replaced_once(
                conf, "resolver 127.0.0.11 valid=10s", f"resolver 127.0.0.1:{dns.port} valid=1s"
            )
            conf = replaced_once(conf, "http://web:8000;", f"http://web:{web_port};")
            conf = replaced_once(conf, "listen 80;", f"listen 127.0.0.1:{proxy_port};")
            server_conf = tmp_path / "registry.conf"
            server_conf.write_text(conf)
            wrapper = nginx_wrapper(
                tmp_path, server_conf=server_conf, extra="add_header X-Upstream $upstream_addr always;"
            )
            nginx = Process(
                "nginx",
                [
                    binary,
                    "-c",
                    str(wrapper),
                    "-p",
                    str(tmp_path),
                    "-e",
                    str(tmp_path / "error.log"),
                    "-g",
                    "daemon off;",
                ],
                env={"PATH": "/usr/sbin:/usr/bin:/bin"},
                log_dir=tmp_path,
            ).start()
            processes.append(nginx)
            for process in processes[:-1]:
                address = process.argv[process.argv.index("--bind") + 1]
                host, port = address.split(":")

                def answers(host=host, port=int(port), process=process) -> bool:
                    process.check_alive()
                    try:
                        connection = http.client.HTTPConnection(host, port, timeout=5)
                        connection.request("GET", "/healthz", headers={"Host": "localhost"})
                        return connection.getresponse().status == 200
                    except OSError:
                        return False

                wait_until(answers, timeout=60, interval=0.3, what=f"gunicorn on {address}")
            wait_until(lambda: request(proxy_port).status == 200, timeout=30, interval=0.3, what="nginx")
            yield {
                "dns": dns,
                "proxy_port": proxy_port,
                "web_port": web_port,
                "tmp": tmp_path,
                "processes": processes,
            }
        finally:
            for process in reversed(processes):
                process.stop(timeout=10)


def listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def upstream_host(response) -> str:
    return response.getheader("X-Upstream", "").rpartition(":")[0]


def test_a_body_over_12_mb_is_refused_by_the_proxy_and_12_mb_goes_through(stack):
    port = stack["proxy_port"]

    too_large = request(port, "POST", body=b"x" * (TWELVE_MB + 1))
    assert too_large.status == 413
    assert not too_large.getheader("X-Upstream")  # nginx answered; no replica saw it

    limit = request(port, "POST", body=b"x" * TWELVE_MB)
    assert limit.status == 403  # the application's answer (a POST without a CSRF token): the body passed
    assert upstream_host(limit) in REPLICAS


def test_the_application_sees_the_clients_address_and_the_proxys_scheme(stack):
    port = stack["proxy_port"]

    response = request(port, headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.status == 200
    request_id = response.getheader("X-Request-ID")

    def logged() -> dict | None:
        for process in stack["processes"][:-1]:
            for line in process.tail(200_000).splitlines():
                if line.startswith("{") and request_id in line:
                    entry = json.loads(line)
                    if entry.get("event") == "request_finished":
                        return entry
        return None

    entry = wait_until(logged, timeout=10, interval=0.2, what="the request's log line")
    assert entry["ip"] == CLIENT_ADDRESS  # not 203.0.113.9 (written by the client), nor nginx's 127.0.0.1

    # The client's X-Forwarded-Proto is replaced by the proxy's scheme (http): the site redirects.
    redirected = request(port, path="/directory/", headers={"X-Forwarded-Proto": "https"})
    assert redirected.status == 301
    assert redirected.getheader("Location") == f"https://127.0.0.1:{port}/directory/"


def test_requests_reach_every_replica_and_a_replica_added_later(stack):
    port = stack["proxy_port"]

    served = Counter(upstream_host(request(port)) for _ in range(24))
    assert set(served) == set(REPLICAS), served

    stack["processes"].insert(0, gunicorn(ADDED_REPLICA, stack["web_port"], stack["tmp"]))
    wait_until(
        lambda: listening(ADDED_REPLICA, stack["web_port"]), timeout=60, interval=0.3, what="the replica"
    )
    stack["dns"].addresses.append(ADDED_REPLICA)

    def added_replica_served() -> bool:
        return upstream_host(request(port)) == ADDED_REPLICA

    try:
        wait_until(
            added_replica_served, timeout=20, interval=0.1, what="a request served by the added replica"
        )
    finally:
        stack["dns"].addresses.remove(ADDED_REPLICA)
