"""Which database the directory reads: the router, the sticky cookie, the lag's fall-back, /healthz.

The replica alias here is a second connection to the test database (a test mirror, as when
DATABASE_REPLICA_URL is unset), and the measured lag is the test's: these tests show where each query
goes. tests/integration/test_replica.py shows the same against a real streaming replica.
"""

import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from django.db import OperationalError, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from registry import replica as replica_module
from registry.models import Organization
from registry.replica import COOKIE, Lag, ReplicaMiddleware, directory_database, forget_replica_status
from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in, reload
from tests.config.helpers import clean_env
from tests.factories import MembershipFactory
from tests.integration.harness import wait_until
from workflows import services
from workflows.models import ApplicationState

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def _replica_connections_closed():
    """Close the replica alias's connections (and pool) after each test: as a mirror on PostgreSQL they
    are sessions on the test database, which must have none left when it is dropped."""
    yield
    replica_connection = connections["replica"]
    replica_connection.close()
    if hasattr(replica_connection, "close_pool"):
        replica_connection.close_pool()


@dataclass
class FakeReplica:
    """What ``measure_lag`` and ``primary_position`` answer; ``measured`` counts the measurements."""

    lag: Lag = field(
        default_factory=lambda: Lag(standby=True, seconds=0.0, bytes=0, replayed=1000, primary=1000)
    )
    primary: int = 1000
    unreachable: bool = False
    measured: int = 0

    def measure(self) -> Lag:
        self.measured += 1
        if self.unreachable:
            raise OperationalError("connection refused")
        return self.lag

    def behind(self, *, seconds: float, bytes: int) -> None:
        self.lag = Lag(
            standby=True, seconds=seconds, bytes=bytes, replayed=self.primary - bytes, primary=self.primary
        )


@pytest.fixture
def replica(settings, monkeypatch) -> FakeReplica:
    settings.DATABASE_REPLICA_READS = True
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0  # measured on every request
    settings.DATABASE_REPLICA_MAX_LAG = 5
    fake = FakeReplica()
    monkeypatch.setattr(replica_module, "measure_lag", fake.measure)
    monkeypatch.setattr(replica_module, "primary_position", lambda: fake.primary)
    forget_replica_status()
    yield fake
    forget_replica_status()


def replicated(slug: str) -> None:
    """Wait until the replica alias has the organization (at once here; in CI's PostgreSQL run the alias
    is the real replica of TEST_REPLICA_URL, which replays it within milliseconds)."""
    wait_until(
        lambda: Organization.objects.using("replica").filter(slug=slug).exists(),
        timeout=30,
        what=f"{slug} on the replica",
    )


@pytest.fixture
def affiliate(regions):
    organization = MembershipFactory(
        organization__slug="knus", organization__region=regions["africa-east"]
    ).organization
    replicated("knus")
    return organization


def read_registry(call):
    """``call()``'s response (its streamed body read too) and the aliases that read registry tables."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = call()
        if response.streaming:
            response.content_read = b"".join(response.streaming_content)
    aliases = {
        alias
        for alias, captured in (("default", primary), ("replica", replica))
        if any("registry_" in query["sql"] for query in captured.captured_queries)
    }
    return response, aliases


DIRECTORY = [
    "/api/v1/affiliates/",
    "/api/v1/affiliates/knus/",
    "/api/v1/affiliates/?format=csv",
    "/api/v1/regions/",
    "/directory/",
    "/directory/knus/",
    "/statistics/",
    "/statistics/?csv=members-by-year",
]


@pytest.mark.parametrize("url", DIRECTORY)
def test_the_directory_reads_the_registry_from_the_replica(client, replica, affiliate, url):
    response, aliases = read_registry(lambda: client.get(url))

    assert response.status_code == 200
    assert aliases == {"replica"}


@pytest.mark.parametrize("url", ["/api/v1/affiliates/knus/", "/directory/knus/"])
def test_without_a_replica_the_directory_reads_the_primary(client, settings, affiliate, url):
    settings.DATABASE_REPLICA_READS = False

    response, aliases = read_registry(lambda: client.get(url))

    assert response.status_code == 200
    assert aliases == {"default"}


def test_pages_outside_the_directory_and_the_partner_key_read_the_primary(client, replica, affiliate):
    from api.models import PartnerKey

    _key, secret = PartnerKey.objects.create_key(name="Partner")
    home, home_aliases = read_registry(lambda: client.get("/"))
    with CaptureQueriesContext(connections["default"]) as primary:
        detail = client.get("/api/v1/affiliates/knus/", headers={"Authorization": f"Api-Key {secret}"})

    assert home.status_code == 200
    assert home_aliases == {"default"}
    assert detail.status_code == 200
    assert "email" in detail.json()  # the key was found, on the primary
    assert any("api_partnerkey" in query["sql"] for query in primary.captured_queries)


def test_a_write_goes_to_the_primary_even_for_an_organization_read_from_the_replica(replica, affiliate):
    organization = Organization.objects.using("replica").get(slug="knus")
    organization.city = "Nairobi"

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        organization.save(update_fields=["city"])

    assert organization._state.db == "default"
    assert not on_replica.captured_queries
    assert Organization.objects.using("default").get(slug="knus").city == "Nairobi"


def test_inside_a_transaction_the_directory_reads_the_primary(replica):
    assert directory_database() == "replica"
    with transaction.atomic():
        assert directory_database() == "default"


def test_the_member_whose_vote_admits_a_union_reads_it_from_the_primary_until_the_replica_replays_it(
    replica, cast, settings
):
    settings.OFFICERS_REQUIRE_MFA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    application = application_in(ApplicationState.EXECUTIVE_VOTE, cast)
    for member in cast.committee[:2]:
        services.vote_cast(application=reload(application), member=member, choice="yes")
    voter = client_with(f"Token {token_for(cast.committee[2])}")
    replica.primary = 5000  # the primary's WAL position after the vote

    vote = voter.post(f"/api/v1/applications/{application.pk}/ballots/", {"choice": "yes"}, format="json")
    slug = reload(application).organization.slug
    mine, my_aliases = read_registry(lambda: voter.get(f"/api/v1/affiliates/{slug}/"))
    replicated(slug)
    others, others_aliases = read_registry(lambda: client_with(None).get(f"/api/v1/affiliates/{slug}/"))
    replica.behind(seconds=0.0, bytes=0)
    later, later_aliases = read_registry(lambda: voter.get(f"/api/v1/affiliates/{slug}/"))

    assert vote.status_code == 201
    cookie = vote.cookies[COOKIE]
    assert cookie["max-age"] == settings.DATABASE_REPLICA_STICKY_SECONDS
    assert cookie["httponly"]
    assert (mine.status_code, my_aliases) == (200, {"default"})
    assert (others.status_code, others_aliases) == (200, {"replica"})  # a client that wrote nothing
    assert (later.status_code, later_aliases) == (200, {"replica"})


def test_a_get_that_writes_marks_its_client_and_a_forged_cookie_counts_for_nothing(
    client, replica, affiliate
):
    def view_that_writes(request):
        Organization.objects.filter(slug="knus").update(city="Mombasa")
        return HttpResponse("ok")

    wrote = ReplicaMiddleware(view_that_writes)(RequestFactory().get("/"))
    read_only = ReplicaMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    client.cookies[COOKIE] = "999999"  # not signed by the site
    _response, aliases = read_registry(lambda: client.get("/directory/knus/"))

    assert wrote.cookies[COOKIE].value.startswith("1000:")  # the position, signed
    assert COOKIE not in read_only.cookies
    assert aliases == {"replica"}


def test_beyond_the_lag_limit_reads_fall_back_and_return_only_once_the_replica_has_caught_up(
    client, replica, affiliate
):
    replica.primary = 9000
    replica.behind(seconds=12.5, bytes=400)
    _lagging, lagging_aliases = read_registry(lambda: client.get("/directory/knus/"))
    health_lagging = client.get("/healthz").json()
    # Within the limit, but the replica has not replayed what the primary had at the last measurement.
    replica.primary = 9500
    replica.behind(seconds=1.0, bytes=600)
    _catching_up, catching_up_aliases = read_registry(lambda: client.get("/directory/knus/"))
    health_catching_up = client.get("/healthz").json()
    replica.primary = 9800
    replica.behind(seconds=0.5, bytes=200)  # replayed 9600: all the primary had at the last measurement
    _caught_up, caught_up_aliases = read_registry(lambda: client.get("/directory/knus/"))
    replica.behind(seconds=0.0, bytes=0)
    health_ok = client.get("/healthz").json()

    assert lagging_aliases == {"default"}
    assert health_lagging["status"] == "degraded"
    assert health_lagging["replica"] == "lagging"
    assert health_lagging["replica_lag_seconds"] == 12.5
    assert health_lagging["replica_lag_bytes"] == 400
    assert health_lagging["directory_reads"] == "primary"
    assert catching_up_aliases == {"default"}
    assert (health_catching_up["replica"], health_catching_up["directory_reads"]) == (
        "catching-up",
        "primary",
    )
    assert caught_up_aliases == {"replica"}
    assert health_ok == {
        "status": "ok",
        "database": "ok",
        "broker": health_ok["broker"],
        "replica": "ok",
        "replica_lag_seconds": 0.0,
        "replica_lag_bytes": 0,
        "directory_reads": "replica",
    }


def test_a_replica_that_has_what_the_primary_had_a_measurement_ago_is_that_far_behind_at_most(
    replica, settings, monkeypatch
):
    # A bulk import on the primary: one long transaction whose WAL the replica replays as it streams,
    # while the last commit it replayed grows old.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(replica_module, "monotonic", lambda: clock[0])
    replica.primary = 5000
    replica.behind(seconds=30.0, bytes=100)
    first = replica_module.replica_status()
    clock[0] = 1001.5
    replica.primary = 8000
    replica.behind(seconds=31.5, bytes=2000)  # replayed 6000: all the primary had at 1000.0
    second = replica_module.replica_status()
    clock[0] = 1003.0
    replica.primary = 9000
    replica.behind(seconds=33.0, bytes=3500)  # replayed 5500: not what it had at 1001.5
    third = replica_module.replica_status()

    assert (first.state, first.lag_seconds, first.reads) == ("lagging", 30.0, "primary")
    assert (second.state, second.lag_seconds, second.reads) == ("ok", 1.5, "replica")
    assert (third.state, third.lag_seconds) == ("ok", 3.0)


def test_an_unreachable_replica_sends_reads_to_the_primary_and_degrades_the_health_check(
    client, replica, affiliate
):
    replica.unreachable = True

    response, aliases = read_registry(lambda: client.get("/api/v1/affiliates/knus/"))
    health = client.get("/healthz")

    assert (response.status_code, aliases) == (200, {"default"})
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["replica"] == "unreachable"
    assert health.json()["directory_reads"] == "primary"


def test_a_replica_that_is_not_a_standby_is_not_read(client, replica, affiliate):
    replica.lag = Lag(standby=False, seconds=None, bytes=None, replayed=None)

    _response, aliases = read_registry(lambda: client.get("/directory/knus/"))

    assert aliases == {"default"}
    assert client.get("/healthz").json()["replica"] == "not-standby"


def test_the_lag_is_measured_once_per_interval_not_per_request(client, replica, settings, affiliate):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60

    for _ in range(3):
        client.get("/api/v1/affiliates/")
        client.get("/directory/")

    assert replica.measured == 1


def test_an_unreachable_replica_is_tried_again_ten_intervals_later(replica, settings, monkeypatch):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(replica_module, "monotonic", lambda: clock[0])
    replica.unreachable = True

    seen = []
    for now in (1000.0, 1005.0, 1010.5, 1011.0, 1012.5):
        clock[0] = now
        if now == 1010.5:
            replica.unreachable = False
        seen.append((replica_module.replica_status().state, replica.measured))

    assert seen == [
        ("unreachable", 1),
        ("unreachable", 1),  # 5 s later: not tried again yet
        ("catching-up", 2),  # 10 s later: answers, but reads wait one more measurement
        ("catching-up", 2),
        ("ok", 3),  # one interval later
    ]


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"DATABASE_REPLICA_URL": "postgres://u@db:5432/x"}, "DATABASE_REPLICA_URL needs PostgreSQL"),
        (
            {"DATABASE_URL": "postgres://u@db:5432/x", "DATABASE_REPLICA_URL": "mysql://u@db/x"},
            "DATABASE_REPLICA_URL needs PostgreSQL",
        ),
        (
            {
                "DATABASE_URL": "postgres://u@db:5432/x",
                "DATABASE_REPLICA_URL": "postgres://u@r:5432/x",
                "DATABASE_REPLICA_MAX_LAG": "-1",
            },
            "must not be negative",
        ),
    ],
)
def test_a_wrong_replica_setting_stops_start_up_with_its_reason(variables, reason):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert reason in result.stderr


def test_a_replica_url_gives_a_pooled_replica_alias_that_is_never_migrated():
    from tests.config.helpers import run_settings

    found = run_settings(
        "from django.db import router\n"
        "r = settings.DATABASES['replica']\n"
        "print(json.dumps([r['HOST'], r['PORT'], r['NAME'], r['OPTIONS']['pool'], settings.DATABASE_REPLICA_READS,"
        " router.allow_migrate('replica', 'registry'), router.allow_migrate('default', 'registry')]))",
        DATABASE_URL="postgres://u@db:5432/registry",
        DATABASE_REPLICA_URL="postgres://u@standby:5433/registry",
        DATABASE_POOL_MAX_SIZE="4",
    )

    assert found == [
        "standby",
        5433,
        "registry",
        {"min_size": 1, "max_size": 4, "timeout": 2},
        True,
        False,
        True,
    ]
