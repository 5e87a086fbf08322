"""Migration registry 0004: the typed "standing" becomes the membership's state, with an end reason."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("registry", "0003_history_and_archived_decisions")]
AFTER = [("registry", "0005_suspensions_and_yearly_returns")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_afterwards():
    """Leave the database on the newest migrations, as the other tests expect it."""
    yield
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_withdrawn_memberships_end_and_suspended_ones_are_dated():
    old = _migrate(BEFORE)
    try:
        Region = old.get_model("registry", "Region")
        Organization = old.get_model("registry", "Organization")
        Membership = old.get_model("registry", "Membership")
        region = Region.objects.create(code="m-test", name="Migration test")
        rows = {}
        for n, (standing, ended_on) in enumerate(
            [
                ("active", None),
                ("suspended", None),
                ("withdrawn", datetime.date(2020, 6, 1)),
                ("withdrawn", None),
            ]
        ):
            org = Organization.objects.create(name=f"U{n}", slug=f"u-{n}", country="KE", region=region)
            rows[n] = Membership.objects.create(
                organization=org, standing=standing, admitted_on=datetime.date(2015, 1, 1), ended_on=ended_on
            ).pk
    finally:
        new = _migrate(AFTER)

    Membership = new.get_model("registry", "Membership")
    by_pk = {m.pk: m for m in Membership.objects.filter(pk__in=rows.values())}
    today = datetime.datetime.now(datetime.UTC).date()
    assert [(by_pk[rows[n]].state, by_pk[rows[n]].end_reason, by_pk[rows[n]].ended_on) for n in range(4)] == [
        ("active", "", None),
        ("suspended", "", None),
        ("ended", "withdrawn", datetime.date(2020, 6, 1)),
        ("ended", "withdrawn", today),  # no end date: it ended, at the latest, when last changed
    ]
    suspension = new.get_model("registry", "MembershipSuspension").objects.get()
    assert (suspension.membership_id, suspension.starts_on, suspension.ends_on) == (rows[1], today, None)
