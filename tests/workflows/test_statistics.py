"""The applications in numbers (workflows.statistics): by state, and the median days per stage from
the transition log, against a small history counted by hand."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django_fsm_log.models import StateLog

from tests.factories import ApplicationFactory
from workflows.models import MembershipApplication
from workflows.statistics import applications_by_state, median_days_per_stage

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)


def application(state: str, moves: list[tuple[str, float]]) -> MembershipApplication:
    """An application now in ``state`` whose log enters each (state, days after T0) in turn."""
    created = ApplicationFactory()
    MembershipApplication.objects.filter(pk=created.pk).update(state=state)
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    source = "draft"
    for target, days in moves:
        StateLog.objects.create(
            content_type=content_type,
            object_id=created.pk,
            source_state=source,
            state=target,
            transition="t",
            timestamp=T0 + datetime.timedelta(days=days),
        )
        source = target
    return created


@pytest.fixture
def history(db):
    """Three applications through the stages, and a draft:

    1. submitted 0 → under_review 2 → reviewed 7 → executive_vote 8 → admitted 22
    2. submitted 0 → info_requested 1 → submitted 5 → under_review 9 (still)
    3. submitted 0 → under_review 4 → reviewed 10 (still)

    Finished stays, in days — submitted: 2, 1, 4, 4 (median 3); info_requested: 4; under_review:
    5, 6 (median 5.5); reviewed: 1; executive_vote: 14.
    """
    application(
        "admitted",
        [("submitted", 0), ("under_review", 2), ("reviewed", 7), ("executive_vote", 8), ("admitted", 22)],
    )
    application(
        "under_review", [("submitted", 0), ("info_requested", 1), ("submitted", 5), ("under_review", 9)]
    )
    application("reviewed", [("submitted", 0), ("under_review", 4), ("reviewed", 10)])
    ApplicationFactory()


def test_applications_by_state_lists_every_state(history):
    assert applications_by_state().rows == [
        ["Draft", 1],
        ["Submitted", 0],
        ["Information requested", 0],
        ["Under review", 1],
        ["Reviewed", 1],
        ["Executive Committee vote", 0],
        ["Admitted", 1],
        ["Rejected", 0],
        ["Withdrawn", 0],
    ]


def test_median_days_per_stage_over_the_stays_that_ended(history):
    figure = median_days_per_stage()

    assert figure.header == ["Stage", "Stays counted", "Median days"]
    assert figure.rows == [
        ["Submitted", 4, 3.0],
        ["Information requested", 1, 4.0],
        ["Under review", 2, 5.5],
        ["Reviewed", 1, 1.0],
        ["Executive Committee vote", 1, 14.0],
    ]


def test_a_stage_nobody_left_has_no_median(db):
    application("submitted", [("submitted", 0)])

    assert median_days_per_stage().rows[0] == ["Submitted", 0, None]


def test_the_figures_cost_one_query_each_however_many_applications(history, django_assert_num_queries):
    ContentType.objects.get_for_model(MembershipApplication)  # cached, as on every page
    with django_assert_num_queries(2):
        applications_by_state()
        median_days_per_stage()
