"""What the workflow tests read back: the state log, and a snapshot of every row a refused
action must leave alone. The people and the walk to a state are in tests/cast.py."""

from django_fsm_log.models import StateLog

from registry.models import Membership, Organization
from workflows.models import (
    ApplicationDocument,
    Ballot,
    ContactPerson,
    MembershipApplication,
    Review,
    ReviewerAssignment,
    Voter,
    VoteRound,
)


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
