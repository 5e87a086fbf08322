"""The site's main navigation: each person sees the places of the roles they hold, and nothing else.

Everyone: the directory, the statistics, the Executive Committee's decisions and the API documentation for partners. Then, signed in:
an applicant their applications; a reviewer the applications assigned to them; the secretariat the
queue, its overview, the change requests and the dues; the Executive Committee the votes; both the
meetings; the whole committee the decisions on members and its statistics; a union's representative
the member area; staff the admin. Roles come from ``accounts.roles``; who represents a union from
the registry; whose applications from the workflow.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import roles
from registry.selectors import represented_organizations
from workflows import selectors


@dataclass(frozen=True)
class Place:
    key: str
    label: str
    url: str


def _public_places() -> list[Place]:
    return [
        Place("directory", _("Directory"), reverse("directory")),
        Place("statistics", _("Statistics"), reverse("statistics")),
        Place("decisions", _("Decisions"), reverse("decisions")),
        Place("api-docs", _("API for partners"), reverse("api:docs")),
    ]


def _committee_places(user) -> list[Place]:
    queue = reverse("committee-queue")
    places = []
    if roles.is_secretariat(user):
        places += [
            Place("queue", _("Applications"), queue),
            Place("overview", _("Overview"), f"{queue}#overview"),
            Place("change-requests", _("Change requests"), reverse("committee-change-requests")),
            Place("dues", _("Dues"), reverse("committee-dues")),
        ]
    if roles.is_committee_member(user):
        places.append(Place("votes", _("Votes"), f"{queue}?state=executive_vote"))
    if roles.is_reviewer(user):
        places.append(Place("reviews", _("My reviews"), f"{queue}?mine=1"))
    if roles.is_officer(user):
        places.append(Place("meetings", _("Meetings"), reverse("committee-meetings")))
    if roles.has_committee_role(user):
        places += [
            Place("motions", _("Decisions on members"), reverse("committee-motions")),
            Place("committee-statistics", _("Committee statistics"), reverse("committee-statistics")),
        ]
    return places


def _own_places(user, *, has_committee_role: bool) -> list[Place]:
    """An applicant's and a representative's places. Someone with no other place is an applicant
    to be: they see "My applications" to start one."""
    places = []
    represents = represented_organizations(user).exists()
    if selectors.applications_of(user=user).exists() or not (represents or has_committee_role):
        places.append(Place("applications", _("My applications"), reverse("my-applications")))
    if represents:
        places.append(Place("member", _("My unions"), reverse("member-home")))
    return places


def main_places(user) -> list[Place]:
    """The places of ``user``'s main navigation, in order (the account and log-out links aside)."""
    places = _public_places()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return places
    committee = _committee_places(user)
    places += _own_places(user, has_committee_role=bool(committee)) + committee
    if user.is_staff:
        places.append(Place("admin", _("Admin"), reverse("admin:index")))
    return places
