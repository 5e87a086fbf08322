"""The people of every test, and applications walked to a state through the services.

The cast (the ``cast`` fixture of tests/conftest.py): applicant A (the owner of every walked
application) and applicant B, a secretariat of two, two reviewers whom the secretariat assigns,
a third reviewer who is never assigned, and an Executive Committee of three. Tests that count
notifications count on those numbers.

``application_in(state, cast)`` makes a complete draft of applicant A and walks it to ``state``
with the real services, as the people of the cast would; ``walk`` does the same for a draft the
test made itself.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from tests.factories import (
    ApplicationFactory,
    applicant_user,
    attach_required_documents,
    committee_member,
    reviewer_user,
    secretariat_user,
)
from workflows import services
from workflows.models import ApplicationState, MembershipApplication

S = ApplicationState

# Every person of the permission tables, by the name the tables use.
ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "secretariat",
    "assigned_reviewer",
    "other_reviewer",
    "committee",
)


@dataclass
class Cast:
    applicant: Model
    other_applicant: Model
    secretariat_team: list  # two members of the secretariat; ``secretariat`` is the first
    reviewers: list  # the two reviewers the secretariat assigns
    other_reviewer: Model  # in Reviewers, never assigned
    committee: list  # the Executive Committee: three members
    anonymous: AnonymousUser = field(default_factory=AnonymousUser)

    @classmethod
    def create(cls) -> "Cast":
        return cls(
            applicant=applicant_user(first_name="Amina", last_name="Okafor"),
            other_applicant=applicant_user(),
            secretariat_team=[secretariat_user() for _ in range(2)],
            reviewers=[reviewer_user() for _ in range(2)],
            other_reviewer=reviewer_user(),
            committee=[committee_member() for _ in range(3)],
        )

    @property
    def secretariat(self) -> Model:
        """The member of the secretariat who acts."""
        return self.secretariat_team[0]

    def role(self, name: str):
        """The person for a role name of the permission tables (``ROLES``)."""
        return {
            "anonymous": self.anonymous,
            "applicant": self.applicant,
            "other_applicant": self.other_applicant,
            "secretariat": self.secretariat,
            "assigned_reviewer": self.reviewers[0],
            "other_reviewer": self.other_reviewer,
            "committee": self.committee[0],
        }[name]

    def emails(self, group: str) -> list[str]:
        """The addresses of a group ("secretariat", "reviewers", "committee"; else the applicant)."""
        people = {
            "secretariat": self.secretariat_team,
            "reviewers": self.reviewers,
            "committee": self.committee,
        }
        return [u.email for u in people[group]] if group in people else [self.applicant.email]


def new_draft(cast: Cast, **fields) -> MembershipApplication:
    """A complete draft of applicant A, with its required documents."""
    application = ApplicationFactory(applicant=cast.applicant, **fields)
    attach_required_documents(application)
    return application


def reload(application: MembershipApplication) -> MembershipApplication:
    """A fresh copy from the database (the services never change the caller's copy)."""
    return MembershipApplication.objects.get(pk=application.pk)


# The way to each state, from the one before it.
PATH = {
    S.SUBMITTED: S.DRAFT,
    S.INFO_REQUESTED: S.SUBMITTED,
    S.UNDER_REVIEW: S.SUBMITTED,
    S.REVIEWED: S.UNDER_REVIEW,
    S.EXECUTIVE_VOTE: S.REVIEWED,
    S.ADMITTED: S.EXECUTIVE_VOTE,
    S.REJECTED: S.SUBMITTED,
    S.WITHDRAWN: S.SUBMITTED,  # a draft is deleted, never withdrawn
}


def step(
    application: MembershipApplication,
    to: str,
    cast: Cast,
    *,
    assigned: bool = True,
    reviews_in: bool = True,
    vote_deadline: datetime.datetime | None = None,
) -> MembershipApplication:
    """Take the one transition into ``to``. Submitted: with ``assigned`` the secretariat assigns
    the two reviewers at once, otherwise as it starts the review. Under review: with
    ``reviews_in`` both reviews are in. The vote's round closes at ``vote_deadline``."""
    sec = cast.secretariat
    if to == S.SUBMITTED:
        services.application_submit(application=application, actor=cast.applicant)
        if assigned:
            services.reviewers_assign(application=application, actor=sec, reviewers=cast.reviewers)
    elif to == S.INFO_REQUESTED:
        services.application_request_info(
            application=application, actor=sec, comment="Please send your statutes."
        )
    elif to == S.UNDER_REVIEW:
        services.application_start_review(
            application=application, actor=sec, reviewers=None if assigned else cast.reviewers
        )
        for reviewer in cast.reviewers if reviews_in else ():
            services.review_submit(
                application=reload(application),
                reviewer=reviewer,
                recommendation="admit",
                comment="Eligible.",
            )
    elif to == S.REVIEWED:
        services.application_complete_review(application=application, actor=sec)
    elif to == S.EXECUTIVE_VOTE:
        services.vote_open(application=application, actor=sec, deadline=vote_deadline)
    elif to == S.ADMITTED:
        for member in cast.committee:
            services.vote_cast(application=reload(application), member=member, choice="yes")
    elif to == S.REJECTED:
        services.application_reject(application=application, actor=sec, comment="Not a student union.")
    elif to == S.WITHDRAWN:
        services.application_withdraw(application=application, actor=cast.applicant)
    else:  # pragma: no cover
        raise ValueError(to)
    return reload(application)


def walk(application: MembershipApplication, to: str, cast: Cast, **options) -> MembershipApplication:
    """Take ``application`` (a complete draft) to ``to`` through the services; ``options`` as ``step``'s."""
    path = [to]
    while path[-1] != S.DRAFT:
        path.append(PATH[path[-1]])
    for state in reversed(path[:-1]):
        application = step(application, state, cast, **options)
    assert application.state == to
    return application


def application_in(
    state: str,
    cast: Cast,
    *,
    assigned: bool = True,
    reviews_in: bool = True,
    vote_deadline: datetime.datetime | None = None,
    **fields,
) -> MembershipApplication:
    """A new application of applicant A (``fields`` for the factory) walked to ``state``."""
    return walk(
        new_draft(cast, **fields),
        state,
        cast,
        assigned=assigned,
        reviews_in=reviews_in,
        vote_deadline=vote_deadline,
    )
