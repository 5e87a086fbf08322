"""Builders for the workflow tests: the cast of users, applications walked to a state
through the services, and a snapshot of every row a refused action must leave alone."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django_fsm_log.models import StateLog

from registry.models import Membership, Organization
from tests.factories import (
    ApplicationFactory,
    applicant_user,
    attach_required_documents,
    committee_member,
    reviewer_user,
    secretariat_user,
)
from workflows import services
from workflows.models import (
    ApplicationDocument,
    ApplicationState,
    Ballot,
    ContactPerson,
    MembershipApplication,
    Review,
    ReviewerAssignment,
    Voter,
    VoteRound,
)

S = ApplicationState


@dataclass
class People:
    """Everybody a workflow test needs: applicant A (the owner), applicant B, the secretariat,
    two reviewers and a three-member Executive Committee."""

    applicant: Model
    other_applicant: Model
    secretariat: Model
    reviewers: list
    committee: list
    anonymous: AnonymousUser = field(default_factory=AnonymousUser)

    @classmethod
    def create(cls, committee_size: int = 3) -> "People":
        return cls(
            applicant=applicant_user(),
            other_applicant=applicant_user(),
            secretariat=secretariat_user(),
            reviewers=[reviewer_user(), reviewer_user()],
            committee=[committee_member() for _ in range(committee_size)],
        )

    def role(self, name: str):
        """The user for a role name of the permission tables."""
        return {
            "anonymous": self.anonymous,
            "applicant": self.applicant,
            "other_applicant": self.other_applicant,
            "secretariat": self.secretariat,
            "reviewer": self.reviewers[0],
            "committee": self.committee[0],
        }[name]


ROLES = ("anonymous", "applicant", "other_applicant", "secretariat", "reviewer", "committee")

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


def new_draft(people: People, **kwargs) -> MembershipApplication:
    """A complete draft of applicant A with its required documents."""
    application = ApplicationFactory(applicant=people.applicant, **kwargs)
    attach_required_documents(application)
    return application


def step(application: MembershipApplication, to: str, people: People) -> MembershipApplication:
    """Take the one transition into ``to``, leaving the application ready for the next one:
    submitted with its reviewers assigned, under review with every review in."""
    sec = people.secretariat
    if to == S.SUBMITTED:
        application = services.application_submit(application=application, actor=people.applicant)
        services.reviewers_assign(application=application, actor=sec, reviewers=people.reviewers)
    elif to == S.INFO_REQUESTED:
        application = services.application_request_info(
            application=application, actor=sec, comment="Please send your statutes in English."
        )
    elif to == S.UNDER_REVIEW:
        application = services.application_start_review(application=application, actor=sec)
        for reviewer in people.reviewers:
            services.review_submit(
                application=application, reviewer=reviewer, recommendation="admit", comment="Eligible."
            )
    elif to == S.REVIEWED:
        application = services.application_complete_review(application=application, actor=sec)
    elif to == S.EXECUTIVE_VOTE:
        services.vote_open(application=application, actor=sec)
    elif to == S.ADMITTED:
        for member in people.committee:
            services.vote_cast(application=application, member=member, choice="yes")
    elif to == S.REJECTED:
        services.application_reject(application=application, actor=sec, comment="Not a student union.")
    elif to == S.WITHDRAWN:
        services.application_withdraw(application=application, actor=people.applicant)
    else:  # pragma: no cover
        raise ValueError(to)
    return reload(application)


def application_in(state: str, people: People, **kwargs) -> MembershipApplication:
    """A new application of applicant A walked through the services to ``state``."""
    path = [state]
    while path[-1] != S.DRAFT:
        path.append(PATH[path[-1]])
    application = new_draft(people, **kwargs)
    for to in reversed(path[:-1]):
        application = step(application, to, people)
    assert application.state == state
    return application


def reload(application: MembershipApplication) -> MembershipApplication:
    """A fresh copy from the database (the services never change the caller's copy)."""
    return MembershipApplication.objects.get(pk=application.pk)


def logs(application: MembershipApplication):
    return StateLog.objects.for_(application).order_by("pk")


def log_story(application: MembershipApplication) -> list[tuple]:
    """Every logged step: (transition, from, to, by, comment)."""
    return [
        (log.transition, log.source_state, log.state, log.by, log.description)
        for log in logs(application).select_related("by")
    ]


def snapshot(application: MembershipApplication, *, registry: bool = True) -> dict:
    """Every row a workflow action on ``application`` could touch, to compare before and after
    a refusal; with ``registry`` the organizations and memberships too."""
    pk = application.pk
    rows = {
        "application": MembershipApplication.objects.filter(pk=pk).values().get(),
        "logs": list(StateLog.objects.for_(application).values().order_by("pk")),
        "rounds": list(VoteRound.objects.filter(application_id=pk).values().order_by("pk")),
        "voters": list(Voter.objects.filter(round__application_id=pk).values().order_by("pk")),
        "ballots": list(Ballot.objects.filter(round__application_id=pk).values().order_by("pk")),
        "reviews": list(Review.objects.filter(application_id=pk).values().order_by("pk")),
        "assignments": list(ReviewerAssignment.objects.filter(application_id=pk).values().order_by("pk")),
        "documents": list(ApplicationDocument.objects.filter(application_id=pk).values().order_by("pk")),
        "contacts": list(ContactPerson.objects.filter(application_id=pk).values().order_by("pk")),
    }
    if registry:
        rows["organizations"] = list(Organization.objects.values().order_by("pk"))
        rows["memberships"] = list(Membership.objects.values().order_by("pk"))
    return rows
