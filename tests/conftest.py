"""Shared fixtures, and the rule for tests that need real services.

Tests marked ``postgres`` or ``redis`` skip with a reason when the service is not
configured, and fail instead when ``REQUIRE_SERVICES=1`` (as in CI). Tests that use
``object_storage`` get an S3-compatible server on loopback (moto's server mode, from the dev
extras), and skip, or fail with ``REQUIRE_SERVICES=1``, when moto is not installed.
"""

import os
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page requested in Arabic by an earlier test leaves
    Arabic active in the thread (the locale middleware activates, nothing deactivates), and a
    message a later test reads outside a request would be Arabic."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (in memory: config/settings_test.py). What the directory
    caches is keyed by the change feed's last event number, which starts again at 0 in each test's
    database: an earlier test's counts would otherwise be read as this one's."""
    from django.core.cache import cache

    cache.clear()


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not redis_available():
        _missing("this test needs Redis: set REDIS_URL=redis://… to a running server")


@pytest.fixture
def regions(db):
    """The default regions and country mapping."""
    from registry.regions import load_default_regions

    load_default_regions()
    from registry.models import Region

    return {r.code: r for r in Region.objects.all()}


@dataclass
class Bucket:
    """A bucket of the S3-compatible server, and a client of that server (boto3) to look into it."""

    name: str
    endpoint_url: str
    client: object

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def s3_server():
    """The address of an S3-compatible server (moto's server mode) on a free loopback port."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        _missing(
            "this test needs an S3-compatible server: moto[server] is not installed (pip install -e '.[dev]')"
        )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings) -> Bucket:
    """A new, empty bucket on the S3-compatible server, and the default storage set to it as
    ``STORAGE_URL=s3://…`` would (config/storage.py)."""
    import boto3

    from config.storage import default_storage

    name = f"documents-{uuid.uuid4().hex[:12]}"
    region = "eu-west-1"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    url = f"s3://test:test@{name}?endpoint_url={s3_server}&region={region}&addressing_style=path"
    settings.STORAGES = {**settings.STORAGES, "default": default_storage(url)}
    return Bucket(name=name, endpoint_url=s3_server, client=client)


@pytest.fixture
def cast(db):
    """The people of every test (tests/cast.py): applicant A and B, a secretariat of two, two
    reviewers to assign and one never assigned, an Executive Committee of three."""
    from django.contrib.contenttypes.models import ContentType

    from tests.cast import Cast
    from workflows.models import MembershipApplication

    # The state log's content type is cached per process: look it up first, so that query
    # counts do not depend on which test ran before.
    ContentType.objects.get_for_model(MembershipApplication)
    return Cast.create()


@pytest.fixture
def client_as(client):
    """``client_as(user)``: the test client logged in as ``user`` (anonymous: logged out)."""

    def login(user):
        client.logout()
        if getattr(user, "is_authenticated", False):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def latest_schema_afterwards():
    """After a test of a data migration (``tests.migrations.migrate``), the database on the newest
    migrations again, as the other tests expect it."""
    yield
    from tests.migrations import migrate_to_latest

    migrate_to_latest()
