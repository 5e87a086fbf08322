"""The application stories of the notification tests (unit and integration): each walks an
application of the cast (tests/cast.py) and says which (event, recipient) it should send."""

import datetime
from collections import Counter

from django.utils import timezone

from tests.cast import Cast, application_in, new_draft, reload
from workflows import services
from workflows.models import ApplicationState, MembershipApplication, VoteRound
from workflows.notifications import Event

S = ApplicationState


def admitted_story(cast: Cast, **kwargs) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    """Draft → submitted → info requested → resubmitted → reviewers → under review → reviews
    → reviewed → vote → admitted. Return the application and the (event, recipient) expected."""
    a = new_draft(cast, **kwargs)
    a = services.application_submit(application=a, actor=cast.applicant)
    a = services.application_request_info(
        application=a, actor=cast.secretariat, comment="Please add your statutes."
    )
    a = services.application_resubmit(application=a, actor=cast.applicant, comment="Done, thank you.")
    services.reviewers_assign(application=a, actor=cast.secretariat, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="admit", comment="Eligible.")
    a = services.application_complete_review(application=reload(a), actor=cast.secretariat)
    services.vote_open(
        application=a, actor=cast.secretariat, deadline=timezone.now() + datetime.timedelta(days=7)
    )
    for member in cast.committee:
        services.vote_cast(application=reload(a), member=member, choice="yes")
    expected = (
        expected_for(Event.SUBMITTED, cast, "applicant", "secretariat")
        + expected_for(Event.INFO_REQUESTED, cast, "applicant")
        + expected_for(Event.RESUBMITTED, cast, "applicant", "secretariat")
        + expected_for(Event.REVIEWER_ASSIGNED, cast, "reviewers")
        + expected_for(Event.REVIEW_STARTED, cast, "applicant")
        + expected_for(Event.REVIEW_COMPLETE, cast, "secretariat")
        + expected_for(Event.VOTE_OPENED, cast, "applicant", "committee")
        + expected_for(Event.ADMITTED, cast, "applicant", "committee", "secretariat")
    )
    return reload(a), expected


def screening_rejection_story(cast: Cast, **kwargs) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    a = application_in(S.REJECTED, cast, assigned=False, **kwargs)
    expected = expected_for(Event.SUBMITTED, cast, "applicant", "secretariat") + expected_for(
        Event.REJECTED, cast, "applicant", "committee"
    )
    return reload(a), expected


def no_quorum_then_withdrawn_story(
    cast: Cast, **kwargs
) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    a = application_in(S.EXECUTIVE_VOTE, cast, **kwargs)
    services.vote_close(application=reload(a), actor=cast.secretariat, comment="Closing early.")
    a = services.application_withdraw(application=reload(a), actor=cast.applicant, comment="We merged.")
    expected = (
        expected_for(Event.SUBMITTED, cast, "applicant", "secretariat")
        + expected_for(Event.REVIEWER_ASSIGNED, cast, "reviewers")
        + expected_for(Event.REVIEW_STARTED, cast, "applicant")
        + expected_for(Event.REVIEW_COMPLETE, cast, "secretariat")
        + expected_for(Event.VOTE_OPENED, cast, "applicant", "committee")
        + expected_for(Event.NO_QUORUM, cast, "secretariat")
        + expected_for(Event.WITHDRAWN, cast, "applicant", "secretariat")
    )
    return reload(a), expected


def expected_for(event: Event, cast: Cast, *groups: str) -> list[tuple[str, str]]:
    return [(event.value, email) for group in groups for email in cast.emails(group)]


def as_counter(pairs) -> Counter:
    return Counter(pairs)


def open_vote_story(
    cast: Cast, *, deadline: datetime.datetime | None = None, **kwargs
) -> tuple[MembershipApplication, object, list[tuple[str, str]]]:
    """Draft → … → executive vote, the round left open. Return the application, the round, the expected."""
    deadline = deadline or timezone.now() + datetime.timedelta(days=7)
    a = application_in(S.EXECUTIVE_VOTE, cast, vote_deadline=deadline, **kwargs)
    vote_round = VoteRound.objects.get(application=a)
    expected = (
        expected_for(Event.SUBMITTED, cast, "applicant", "secretariat")
        + expected_for(Event.REVIEWER_ASSIGNED, cast, "reviewers")
        + expected_for(Event.REVIEW_STARTED, cast, "applicant")
        + expected_for(Event.REVIEW_COMPLETE, cast, "secretariat")
        + expected_for(Event.VOTE_OPENED, cast, "applicant", "committee")
    )
    return reload(a), vote_round, expected


def failed_vote_story(cast: Cast, **kwargs) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    """Draft → … → executive vote; every member votes no, which closes the round by itself."""
    a, _round, expected = open_vote_story(cast, **kwargs)
    for member in cast.committee:
        services.vote_cast(application=reload(a), member=member, choice="no")
    expected += expected_for(Event.REJECTED, cast, "applicant", "committee") + expected_for(
        Event.VOTE_CLOSED, cast, "secretariat"
    )
    return reload(a), expected


def reviews_confirmed_after_answer_story(
    cast: Cast, **kwargs
) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    """Under review with both reviews in → information requested → answered → under review again;
    both reviewers confirm their review → reviewed."""
    a = application_in(S.UNDER_REVIEW, cast, **kwargs)
    a = services.application_request_info(
        application=reload(a), actor=cast.secretariat, comment="Your statutes?"
    )
    a = services.application_resubmit(application=a, actor=cast.applicant, comment="Attached.")
    a = services.application_start_review(application=reload(a), actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_confirm(application=reload(a), reviewer=reviewer)
    a = services.application_complete_review(application=reload(a), actor=cast.secretariat)
    expected = (
        expected_for(Event.SUBMITTED, cast, "applicant", "secretariat")
        + expected_for(Event.REVIEWER_ASSIGNED, cast, "reviewers")
        + expected_for(Event.REVIEW_STARTED, cast, "applicant") * 2
        + expected_for(Event.REVIEW_COMPLETE, cast, "secretariat") * 2
        + expected_for(Event.INFO_REQUESTED, cast, "applicant")
        + expected_for(Event.RESUBMITTED, cast, "applicant", "secretariat")
        + expected_for(Event.REVIEW_TO_CONFIRM, cast, "reviewers")
    )
    return reload(a), expected
