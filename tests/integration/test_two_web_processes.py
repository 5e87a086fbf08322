"""Shared nothing on the web tier: two gunicorn instances and a Celery worker on one PostgreSQL, one
Redis and one object store, as ``docker compose up --scale web=2`` runs them (README "Running at scale").

The stack runs with the production settings (``DEBUG=0``, hashed static files from collectstatic) and
is started once for the module. Each test acts through real HTTP on both instances:

- a session created on one instance is valid on the other;
- a document uploaded through one is downloaded, byte for byte, through the other (the object store);
- a rate limit counted across both holds at exactly its limit (the counters are in Redis);
- killing one instance under load loses no read that the other could take (the client retries an
  idempotent read on the other) and no notification (the outbox is in the database, the worker sends it).
"""

import concurrent.futures
import contextlib
import functools
import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.tokens import token_create
from bench.servers import Gunicorn
from notifications.models import Notification, NotificationState
from tests.cast import Cast, new_draft
from tests.conftest import REQUIRE_SERVICES
from tests.factories import MembershipFactory, PartnerKeyFactory, minimal_pdf
from tests.integration.harness import (
    CELERY,
    CeleryWorker,
    RedisServer,
    SmtpServer,
    database_url,
    wait_until,
)
from workflows.models import ApplicationDocument, MembershipApplication
from workflows.models import ApplicationState as S

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"  # tests/factories.py
ANON_LIMIT = 12


def _skip_or_fail(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


class Stack:
    """Two web instances (``web``), a worker, their Redis, SMTP server and bucket."""

    def __init__(self, *, database: str, s3_server: str, log_dir: Path):
        self.redis = RedisServer(db=0).start()
        self.smtp = SmtpServer().start()
        self.bucket = f"documents-{uuid.uuid4().hex[:12]}"
        self.storage_url = (
            f"s3://test:test@{self.bucket}?endpoint_url={s3_server}&region=eu-west-1&addressing_style=path"
        )
        import boto3

        self.s3 = boto3.client(
            "s3",
            endpoint_url=s3_server,
            region_name="eu-west-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        self.s3.create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "STORAGE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "two-web-processes-" + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database,
            "REDIS_URL": self.redis.url,
            "STORAGE_URL": self.storage_url,
            "EMAIL_URL": self.smtp.url,
            "API_RATE_ANON": f"{ANON_LIMIT}/hour",
            "API_RATE_PARTNER": "1000000/min",
            "API_RATE_USER": "1000000/min",
            "OFFICERS_REQUIRE_MFA": "0",
            # The sweeper enqueues again what was committed but not published (the test asks for it).
            "NOTIFICATION_SWEEP_GRACE_SECONDS": "5",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.web = [Gunicorn(env=self.env, log_dir=log_dir / f"web{n}", workers=2) for n in (1, 2)]
        self.worker = CeleryWorker(env=self.env, concurrency=2)

    def start(self) -> "Stack":
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=300,
        )
        for web in self.web:
            web.start()
        self.worker.start()
        for web in self.web:
            web.wait_ready("/healthz")
        return self

    def stop(self) -> None:
        for web in self.web:
            with contextlib.suppress(Exception):
                web.stop()
        self.worker.cleanup()
        self.smtp.stop()
        self.redis.stop()

    def url(self, n: int, path: str) -> str:
        return self.web[n].url(path)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, s3_server, tmp_path_factory):
    if connection.vendor != "postgresql":
        _skip_or_fail("this test needs PostgreSQL: set DATABASE_URL=postgres://…")
    try:
        RedisServer()
    except FileNotFoundError:
        _skip_or_fail("this test starts its own redis-server, which is not installed")
    with django_db_blocker.unblock():
        database = database_url(connection.settings_dict)
    running = Stack(database=database, s3_server=s3_server, log_dir=tmp_path_factory.mktemp("web"))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def _same_bucket_here(stack, settings):
    """Documents written by this process (the drafts' papers) go to the stack's bucket."""
    from config.storage import default_storage

    settings.STORAGES = {**settings.STORAGES, "default": default_storage(stack.storage_url)}
    settings.OFFICERS_REQUIRE_MFA = False


def _log_in(stack: Stack, n: int, user) -> requests.Session:
    # The tests hash passwords with a fast hasher the production settings do not accept.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    browser = requests.Session()
    page = browser.get(stack.url(n, "/accounts/login/"), timeout=20)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = browser.post(
        stack.url(n, "/accounts/login/"),
        data={"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": stack.url(n, "/accounts/login/")},
        allow_redirects=False,
        timeout=20,
    )
    assert answer.status_code == 302, re.findall(
        r"(?s)<ul class=\"errorlist[^>]*>.*?</ul>|role=\"alert\".{0,300}", answer.text
    )
    return browser


def test_a_session_created_on_one_instance_works_on_the_other(stack):
    cast = Cast.create()
    browser = _log_in(stack, 0, cast.applicant)

    on_other = browser.get(stack.url(1, "/account/profile/"), allow_redirects=False, timeout=20)

    assert on_other.status_code == 200
    assert cast.applicant.email in on_other.text
    # Without the cookie the same page sends to the log-in page: the session is what opened it.
    assert (
        requests.get(stack.url(1, "/account/profile/"), allow_redirects=False, timeout=20).status_code == 302
    )


def test_static_files_are_hashed_and_served_for_long_caching_by_either_instance(stack):
    page = requests.get(stack.url(0, "/accounts/login/"), timeout=20)
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.text)
    assert stylesheet, "the page links the hashed stylesheet that collectstatic wrote"

    served = requests.get(stack.url(1, stylesheet.group(1)), timeout=20)

    assert served.status_code == 200
    assert "immutable" in served.headers["Cache-Control"]
    assert requests.get(stack.url(1, "/static/css/site.css"), timeout=20).status_code == 200


def test_a_document_uploaded_through_one_instance_is_downloaded_through_the_other(stack):
    cast = Cast.create()
    application = new_draft(cast)
    _token, key = token_create(user=cast.applicant, name="two instances")
    auth = {"Authorization": f"Token {key}"}
    content = minimal_pdf(  # a letter-size page: other bytes than the drafts' papers
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>",
    )

    uploaded = requests.post(
        stack.url(0, f"/api/v1/applications/{application.pk}/documents/"),
        headers=auth,
        data={"kind": "other"},
        files={"file": ("minutes.pdf", content, "application/pdf")},
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    document = ApplicationDocument.objects.get(pk=uploaded.json()["id"])

    downloaded = requests.get(
        stack.url(1, f"/api/v1/applications/{application.pk}/documents/{document.pk}/"),
        headers=auth,
        timeout=30,
    )

    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert stack.s3.get_object(Bucket=stack.bucket, Key=document.file.name)["Body"].read() == content


def test_a_rate_limit_counted_across_both_instances_holds_at_exactly_its_limit(stack):
    for key in stack.redis.client().scan_iter("*throttle_*"):
        stack.redis.client().delete(key)
    attempts = 3 * ANON_LIMIT

    def ask(n: int) -> int:
        return requests.get(stack.url(n % 2, "/api/v1/regions/"), timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(ask, range(attempts)))

    assert codes.count(200) == ANON_LIMIT
    assert codes.count(429) == attempts - ANON_LIMIT


def test_killing_one_instance_under_load_loses_no_read_and_no_notification(stack):
    cast = Cast.create()
    MembershipFactory.create_batch(3)
    drafts = [new_draft(cast) for _ in range(12)]
    _token, key = token_create(user=cast.applicant, name="under load")
    token = {"Authorization": f"Token {key}"}
    partner = {"Authorization": f"Api-Key {PartnerKeyFactory().key}"}
    reads: list[int] = []
    submits: dict[int, int] = {}
    failovers: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()
    order = itertools.count()

    def on_either(method: str, path: str, *, headers: dict, idempotent: bool) -> requests.Response | None:
        """First the instance whose turn it is, then the other if the first is gone."""
        first = next(order) % 2
        for n in (first, 1 - first):
            try:
                return requests.request(method, stack.url(n, path), headers=headers, timeout=30)
            except requests.ConnectionError:
                with lock:
                    failovers.append(method)
                if not idempotent:
                    return None  # the write's fate is unknown: it is sent again, and a 409 says it was done
        raise AssertionError(f"neither instance answered {method} {path}")

    def read() -> None:
        response = on_either("GET", "/api/v1/affiliates/?page_size=5", headers=partner, idempotent=True)
        with lock:
            reads.append(response.status_code)

    def submit(application: MembershipApplication) -> None:
        path = f"/api/v1/applications/{application.pk}/submit/"
        response = on_either("POST", path, headers=token, idempotent=False)
        while response is None or response.status_code >= 500:
            response = on_either("POST", path, headers=token, idempotent=False)
        with lock:
            submits[application.pk] = response.status_code

    def kill_first_instance() -> None:
        os.killpg(stack.web[0].pid, signal.SIGKILL)  # the arbiter and its workers, mid-request
        stack.web[0].process.wait(timeout=10)
        stack.web[0].process = None
        killed.set()

    # 120 reads with a submission after every tenth; the first instance dies after the 40th read.
    work = []
    for i in range(120):
        work.append(read)
        if i % 10 == 9:
            work.append(functools.partial(submit, drafts[i // 10]))
        if i == 40:
            work.append(kill_first_instance)
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        for future in [pool.submit(job) for job in work]:
            future.result()

    assert killed.is_set()
    assert "GET" in failovers  # reads did reach the dead instance, and were answered by the other
    assert reads == [200] * 120
    assert set(submits.values()) <= {200, 409}
    assert set(
        MembershipApplication.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)
    ) == {S.SUBMITTED}
    rows = Notification.objects.filter(event="submitted")
    assert rows.count() == len(drafts) * (1 + len(cast.secretariat_team))  # the applicant, the secretariat

    def all_sent() -> bool:
        if not rows.exclude(state=NotificationState.SENT).exists():
            return True
        # A submission that committed on the killed instance before it published its messages: its
        # rows wait in the outbox for the sweeper (beat, every minute in production), asked here.
        subprocess.run(
            [str(CELERY), "-A", "config", "call", "workflows.tasks.sweep_notifications"],
            cwd=ROOT,
            env=stack.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        return False

    wait_until(
        all_sent, timeout=120, interval=5, what="the worker to send every notification of the submissions"
    )
    received = stack.smtp.recorder.by_message_id()
    assert all(received[row.message_id] == 1 for row in rows), received
