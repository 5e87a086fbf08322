"""Migration registry 0004: the typed "standing" becomes the membership's state, with an end reason."""

import datetime

import pytest

from tests.migrations import migrate

BEFORE = [("registry", "0003_history_and_archived_decisions")]
AFTER = [("registry", "0005_suspensions_and_yearly_returns")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_withdrawn_memberships_end_and_suspended_ones_are_dated():
    old = migrate(BEFORE)
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
        new = migrate(AFTER)

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
