"""Migration workflows 0012: each application is in its state since its latest logged transition,
or since its last update when none is logged, as the queue read it from the log before."""

import datetime

import pytest

from tests.migrations import migrate

BEFORE = [("workflows", "0011_motion_lapse_and_dues_waiver")]
AFTER = [("workflows", "0012_application_state_changed_at")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_the_moment_comes_from_the_latest_logged_transition_or_the_last_update():
    old = migrate(BEFORE)
    at = [datetime.datetime(2026, 1, day, 10, tzinfo=datetime.UTC) for day in (2, 3, 4)]
    User = old.get_model("auth", "User")
    Application = old.get_model("workflows", "MembershipApplication")
    # The log's app is not among 0011's ancestors: its table is there, through the current models.
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    applicant = User.objects.create(username="migration-applicant")
    logged = Application.objects.create(applicant=applicant, name="Logged Union", state="under_review")
    unlogged = Application.objects.create(applicant=applicant, name="Unlogged Union", state="submitted")
    Application.objects.filter(pk=unlogged.pk).update(updated_at=at[2])
    content_type = ContentType.objects.get_by_natural_key("workflows", "membershipapplication")
    for when, transition, state in ((at[0], "submit", "submitted"), (at[1], "start_review", "under_review")):
        StateLog.objects.create(
            content_type=content_type,
            object_id=logged.pk,
            transition=transition,
            state=state,
            source_state="",
            timestamp=when,
        )

    new = migrate(AFTER)

    moments = dict(
        new.get_model("workflows", "MembershipApplication").objects.values_list("name", "state_changed_at")
    )
    assert moments == {"Logged Union": at[1], "Unlogged Union": at[2]}
