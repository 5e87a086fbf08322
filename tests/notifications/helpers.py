"""The cast and the application stories of the notification tests (unit and integration)."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from tests.factories import (
    ApplicationFactory,
    applicant_user,
    attach_required_documents,
    committee_member,
    reviewer_user,
    secretariat_user,
)
from workflows import services
from workflows.models import MembershipApplication
from workflows.notifications import Event


@dataclass
class Cast:
    """An applicant, a secretariat of two, two reviewers and an Executive Committee of three."""

    applicant: object
    secretariat: list
    reviewers: list
    committee: list

    @classmethod
    def create(cls, prefix: str = "") -> "Cast":
        def email(role: str, n: int = 0) -> str:
            return f"{prefix}{role}{n}@example.org"

        return cls(
            applicant=applicant_user(username=email("applicant"), first_name="Amina", last_name="Okafor"),
            secretariat=[secretariat_user(username=email("secretariat", n)) for n in range(2)],
            reviewers=[reviewer_user(username=email("reviewer", n)) for n in range(2)],
            committee=[committee_member(username=email("committee", n)) for n in range(3)],
        )

    @property
    def sec(self):
        return self.secretariat[0]

    def emails(self, group: str) -> list[str]:
        people = {"secretariat": self.secretariat, "reviewers": self.reviewers, "committee": self.committee}
        return [u.email for u in people[group]] if group in people else [self.applicant.email]


def new_draft(cast: Cast, **kwargs) -> MembershipApplication:
    application = ApplicationFactory(applicant=cast.applicant, **kwargs)
    attach_required_documents(application)
    return application


def reload(application: MembershipApplication) -> MembershipApplication:
    return MembershipApplication.objects.get(pk=application.pk)


def admitted_story(cast: Cast, **kwargs) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    """Draft → submitted → info requested → resubmitted → reviewers → under review → reviews
    → reviewed → vote → admitted. Return the application and the (event, recipient) expected."""
    a = new_draft(cast, **kwargs)
    a = services.application_submit(application=a, actor=cast.applicant)
    a = services.application_request_info(application=a, actor=cast.sec, comment="Please add your statutes.")
    a = services.application_resubmit(application=a, actor=cast.applicant, comment="Done, thank you.")
    services.reviewers_assign(application=a, actor=cast.sec, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.sec)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="admit", comment="Eligible.")
    a = services.application_complete_review(application=reload(a), actor=cast.sec)
    services.vote_open(application=a, actor=cast.sec, deadline=timezone.now() + datetime.timedelta(days=7))
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
    a = new_draft(cast, **kwargs)
    a = services.application_submit(application=a, actor=cast.applicant)
    a = services.application_reject(application=a, actor=cast.sec, comment="Not a student union.")
    expected = expected_for(Event.SUBMITTED, cast, "applicant", "secretariat") + expected_for(
        Event.REJECTED, cast, "applicant", "committee"
    )
    return reload(a), expected


def no_quorum_then_withdrawn_story(
    cast: Cast, **kwargs
) -> tuple[MembershipApplication, list[tuple[str, str]]]:
    a = new_draft(cast, **kwargs)
    a = services.application_submit(application=a, actor=cast.applicant)
    services.reviewers_assign(application=a, actor=cast.sec, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.sec)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="admit", comment="Fine.")
    a = services.application_complete_review(application=reload(a), actor=cast.sec)
    services.vote_open(application=a, actor=cast.sec)
    services.vote_close(application=reload(a), actor=cast.sec, comment="Closing early.")
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
    a = new_draft(cast, **kwargs)
    a = services.application_submit(application=a, actor=cast.applicant)
    services.reviewers_assign(application=a, actor=cast.sec, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.sec)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="admit", comment="Yes.")
    a = services.application_complete_review(application=reload(a), actor=cast.sec)
    vote_round = services.vote_open(
        application=a, actor=cast.sec, deadline=deadline or timezone.now() + datetime.timedelta(days=7)
    )
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
    a = new_draft(cast, **kwargs)
    a = services.application_submit(application=a, actor=cast.applicant)
    services.reviewers_assign(application=a, actor=cast.sec, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.sec)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="admit", comment="Fine.")
    a = services.application_request_info(application=reload(a), actor=cast.sec, comment="Your statutes?")
    a = services.application_resubmit(application=a, actor=cast.applicant, comment="Attached.")
    a = services.application_start_review(application=reload(a), actor=cast.sec)
    for reviewer in cast.reviewers:
        services.review_confirm(application=reload(a), reviewer=reviewer)
    a = services.application_complete_review(application=reload(a), actor=cast.sec)
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
