"""Directory reads from a real streaming replica of the test database's PostgreSQL server.

`.ci/replica start` makes one on 127.0.0.1:5433 (pg_basebackup -R); TEST_REPLICA_URL names it
(its database name is replaced by the test database's, which reaches the replica by replication).
Without it these tests skip, and fail with REQUIRE_SERVICES=1. Replay is paused
(``pg_wal_replay_pause``) to hold the replica at an older state, and always resumed after.
"""

import os
import time

import pytest
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext

from registry.replica import forget_replica_status, measure_lag, primary_position
from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in, reload
from tests.conftest import REQUIRE_SERVICES
from tests.factories import MembershipFactory
from tests.integration.harness import wait_until
from workflows import services
from workflows.models import ApplicationState

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

S = ApplicationState


@pytest.fixture(autouse=True)
def _replica_connections_closed():
    """Close the replica alias's connections (and pool) after each test: as a mirror on PostgreSQL they
    are sessions on the test database, which must have none left when it is dropped."""
    yield
    replica_connection = connections["replica"]
    replica_connection.close()
    if hasattr(replica_connection, "close_pool"):
        replica_connection.close_pool()


def on_replica(sql: str):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def replayed_up_to(position: int) -> bool:
    try:
        lag = measure_lag()
    except OperationalError:  # the test database is not on the replica yet
        connections["replica"].close()
        return False
    return lag.standby and lag.replayed >= position


def wait_for_replay(timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary has now."""
    position = primary_position()
    wait_until(
        lambda: replayed_up_to(position), timeout=timeout, what="the replica to replay the primary's WAL"
    )


def pause_replay() -> None:
    on_replica("SELECT pg_wal_replay_pause()")
    wait_until(
        lambda: on_replica("SELECT pg_get_wal_replay_pause_state()") == "paused",
        timeout=10,
        what="replay to pause",
    )


def resume_replay() -> None:
    on_replica("SELECT pg_wal_replay_resume()")


@pytest.fixture
def replica(settings):
    """Directory reads on, from the real replica, measured on every request; caught up at the start."""
    if connection.vendor != "postgresql" or not os.environ.get("TEST_REPLICA_URL"):
        reason = (
            "these tests need a streaming replica of DATABASE_URL's PostgreSQL: run `.ci/replica start` "
            "and set TEST_REPLICA_URL=postgres://postgres@127.0.0.1:5433/postgres"
        )
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    settings.DATABASE_REPLICA_READS = True
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    settings.OFFICERS_REQUIRE_MFA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    forget_replica_status()
    wait_until(lambda: replayed_up_to(0), timeout=60, what="the test database on the replica")
    resume_replay()
    wait_for_replay()
    try:
        yield
    finally:
        resume_replay()
        forget_replica_status()


def served(call):
    """``call()``'s response and the aliases that read registry tables for it."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as standby,
    ):
        response = call()
    aliases = {
        alias
        for alias, captured in (("default", primary), ("replica", standby))
        if any("registry_" in query["sql"] for query in captured.captured_queries)
    }
    return response, aliases


def affiliate_on(alias: str, slug: str) -> bool:
    from registry.models import Organization

    return Organization.objects.using(alias).filter(slug=slug, memberships__state="active").exists()


def test_an_admission_is_on_the_primary_at_once_and_on_the_replica_after_replay(replica, cast, client):
    application = application_in(S.ADMITTED, cast)
    slug = application.organization.slug

    assert affiliate_on("default", slug)
    wait_until(lambda: affiliate_on("replica", slug), timeout=30, what="the admission on the replica")
    wait_for_replay()
    response, aliases = served(lambda: client.get(f"/api/v1/affiliates/{slug}/"))
    page, page_aliases = served(lambda: client.get(f"/directory/{slug}/"))
    health = client.get("/healthz").json()

    assert (response.status_code, aliases) == (200, {"replica"})
    assert response.json()["slug"] == slug
    assert (page.status_code, page_aliases) == (200, {"replica"})
    assert health["replica"] == "ok"
    assert health["directory_reads"] == "replica"
    assert health["replica_lag_seconds"] is not None
    assert health["replica_lag_bytes"] is not None


def test_while_replay_waits_partners_see_the_replicas_state_and_the_voter_sees_the_admission(
    replica, cast, regions
):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    for member in cast.committee[:2]:
        services.vote_cast(application=reload(application), member=member, choice="yes")
    partner, voter = client_with(None), client_with(f"Token {token_for(cast.committee[2])}")
    wait_for_replay()
    before = partner.get("/api/v1/affiliates/")
    pause_replay()

    vote = voter.post(f"/api/v1/applications/{application.pk}/ballots/", {"choice": "yes"}, format="json")
    slug = reload(application).organization.slug
    held_list, held_aliases = served(lambda: partner.get("/api/v1/affiliates/"))
    held_detail = partner.get(f"/api/v1/affiliates/{slug}/")
    mine, my_aliases = served(lambda: voter.get(f"/api/v1/affiliates/{slug}/"))
    health = partner.get("/healthz").json()
    resume_replay()
    wait_until(
        lambda: partner.get(f"/api/v1/affiliates/{slug}/").status_code == 200,
        timeout=30,
        what="the admission in the partner's directory",
    )
    after, after_aliases = served(lambda: partner.get("/api/v1/affiliates/"))

    assert vote.status_code == 201
    assert affiliate_on("default", slug)
    # The partner reads the replica, held before the admission: the same list, the same ETag.
    assert held_aliases == {"replica"}
    assert held_list["ETag"] == before["ETag"]
    assert slug not in {row["slug"] for row in held_list.json()["results"]}
    assert held_detail.status_code == 404
    # The member whose vote admitted the union reads the primary (the cookie of the write).
    assert (mine.status_code, my_aliases) == (200, {"default"})
    assert health["replica"] == "ok"  # behind, but within DATABASE_REPLICA_MAX_LAG
    assert health["replica_lag_bytes"] > 0
    # Replayed: the partner's directory moves forward, from the replica.
    assert after_aliases == {"replica"}
    assert after["ETag"] != before["ETag"]
    assert slug in {row["slug"] for row in after.json()["results"]}


def test_beyond_the_lag_limit_directory_reads_fall_back_to_the_primary(replica, settings, client, regions):
    settings.DATABASE_REPLICA_MAX_LAG = 0.5
    pause_replay()
    organization = MembershipFactory(organization__region=regions["africa-east"]).organization
    time.sleep(0.6)

    response, aliases = served(lambda: client.get(f"/api/v1/affiliates/{organization.slug}/"))
    health = client.get("/healthz")
    resume_replay()
    wait_until(
        lambda: client.get("/healthz").json()["directory_reads"] == "replica",
        timeout=30,
        what="directory reads back on the replica",
    )
    back, back_aliases = served(lambda: client.get(f"/api/v1/affiliates/{organization.slug}/"))

    assert (response.status_code, aliases) == (200, {"default"})
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["replica"] == "lagging"
    assert health.json()["replica_lag_seconds"] > 0.5
    assert health.json()["replica_lag_bytes"] > 0
    assert health.json()["directory_reads"] == "primary"
    assert (back.status_code, back_aliases) == (200, {"replica"})


def test_with_nothing_to_replay_the_lag_is_zero_however_old_the_last_transaction(replica):
    time.sleep(1.1)  # the last transaction the replica replayed is at least this old

    lag = wait_until(
        lambda: (found := measure_lag()).bytes == 0 and found,
        timeout=30,
        what="a moment with no WAL to replay",
    )

    assert lag.standby
    assert lag.replayed >= lag.primary
    assert lag.seconds == 0.0
