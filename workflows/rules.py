"""The federation's rules as pure functions: transition guards, permissions and the tally.

Guards take the application and answer True or False; they change nothing. Each
carries the error code and message the services report when it fails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts import roles

if TYPE_CHECKING:
    from .models import MembershipApplication

# --- guards ---------------------------------------------------------------------------

Guard = Callable[["MembershipApplication"], bool]


def guard(code: str, message) -> Callable[[Guard], Guard]:
    def mark(func: Guard) -> Guard:
        func.error_code = code
        func.error_message = message
        return func

    return mark


REQUIRED_FIELDS = (
    "name",
    "country",
    "region",
    "city",
    "email",
    "founded_year",
    "students_represented",
    "kind",
    "motivation",
)


def missing_fields(application: "MembershipApplication") -> list[str]:
    return [
        f for f in REQUIRED_FIELDS if getattr(application, f if f != "region" else "region_id") in (None, "")
    ]


def missing_document_kinds(application: "MembershipApplication") -> list[str]:
    required = list(settings.WORKFLOW_REQUIRED_DOCUMENT_KINDS)
    present = set(application.documents.filter(kind__in=required).values_list("kind", flat=True))
    return [kind for kind in required if kind not in present]


@guard("incomplete", _("Some required information is missing."))
def content_complete(application: "MembershipApplication") -> bool:
    return not missing_fields(application)


@guard("incomplete", _("Some required documents are missing."))
def required_documents_present(application: "MembershipApplication") -> bool:
    return not missing_document_kinds(application)


@guard("invalid", _("Please write a message: it is required for this action."))
def comment_given(application: "MembershipApplication") -> bool:
    return bool(application.transition_comment.strip())


@guard("incomplete", _("Not enough reviewers are assigned."))
def enough_reviewers_assigned(application: "MembershipApplication") -> bool:
    return application.assignments.count() >= settings.WORKFLOW_REQUIRED_REVIEWERS


def reviewers_pending(application: "MembershipApplication") -> list[int]:
    """Ids of assigned reviewers whose review is not in yet."""
    assigned = set(application.assignments.values_list("reviewer_id", flat=True))
    reviewed = set(application.reviews.values_list("reviewer_id", flat=True))
    return sorted(assigned - reviewed)


@guard("incomplete", _("Not every assigned reviewer has submitted a review."))
def all_reviews_in(application: "MembershipApplication") -> bool:
    return application.assignments.exists() and not reviewers_pending(application)


@guard("conflict", _("A vote on this application is already open."))
def no_open_round(application: "MembershipApplication") -> bool:
    return not application.vote_rounds.filter(closed_at__isnull=True).exists()


# --- permissions (django-fsm ``permission=`` callables) --------------------------------------


def is_applicant(application: "MembershipApplication", user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.is_active
        and user.pk == application.applicant_id
    )


def is_secretariat(application: "MembershipApplication", user) -> bool:
    return roles.is_secretariat(user)


def may_view(application: "MembershipApplication", user) -> bool:
    """Applicants see their own; the secretariat all; reviewers and committee from submission on."""
    from .models import ApplicationState

    if is_applicant(application, user) or roles.is_secretariat(user):
        return True
    return application.state != ApplicationState.DRAFT and (
        roles.is_reviewer(user) or roles.is_committee_member(user)
    )


def sees_as_applicant(application: "MembershipApplication", user) -> bool:
    """The applicant sees their own case only as its applicant, whatever other role they hold
    (a conflict of interest is excluded by rule): staff appear as "the federation", and only the
    comments meant for the applicant are shown."""
    return is_applicant(application, user)


# Transitions whose comment is meant for the applicant and shown in their history.
APPLICANT_VISIBLE_COMMENTS = frozenset({"request_info", "reject", "withdraw", "resubmit", "submit"})


def may_read_comment(application: "MembershipApplication", user, transition: str) -> bool:
    return not sees_as_applicant(application, user) or transition in APPLICANT_VISIBLE_COMMENTS


# --- the vote -----------------------------------------------------------------------------

MAJORITIES: dict[str, tuple[Fraction, bool]] = {
    # name: (threshold, strictly greater)
    "simple": (Fraction(1, 2), True),
    "two_thirds": (Fraction(2, 3), False),
    "three_quarters": (Fraction(3, 4), False),
}
BASES = ("yes_no", "yes_no_abstain", "eligible")


@dataclass(frozen=True)
class VoteRules:
    """Quorum: ballots cast > ``quorum`` * eligible. Majority: yes / base against the threshold."""

    quorum: Fraction = Fraction(1, 2)
    majority: str = "simple"
    base: str = "yes_no"

    def __post_init__(self):
        if self.majority not in MAJORITIES:
            raise ValueError(f"Unknown majority {self.majority!r}; use one of {sorted(MAJORITIES)}.")
        if self.base not in BASES:
            raise ValueError(f"Unknown base {self.base!r}; use one of {list(BASES)}.")
        if not 0 <= self.quorum < 1:
            raise ValueError("The quorum must be a fraction in [0, 1).")

    @classmethod
    def from_settings(cls) -> "VoteRules":
        return cls(
            quorum=Fraction(settings.VOTE_QUORUM),
            majority=settings.VOTE_MAJORITY,
            base=settings.VOTE_BASE,
        )

    @classmethod
    def from_json(cls, data: dict) -> "VoteRules":
        return cls(quorum=Fraction(data["quorum"]), majority=data["majority"], base=data["base"])

    def to_json(self) -> dict:
        return {"quorum": str(self.quorum), "majority": self.majority, "base": self.base}


@dataclass(frozen=True)
class Tally:
    eligible: int
    yes: int
    no: int
    abstain: int

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


def vote_outcome(tally: Tally, rules: VoteRules) -> str:
    """``passed``, ``failed`` or ``no_quorum``, in exact fractions."""
    if tally.eligible == 0 or Fraction(tally.cast, tally.eligible) <= rules.quorum:
        return "no_quorum"
    base = {"yes_no": tally.yes + tally.no, "yes_no_abstain": tally.cast, "eligible": tally.eligible}[
        rules.base
    ]
    if base == 0:
        return "failed"
    threshold, strict = MAJORITIES[rules.majority]
    share = Fraction(tally.yes, base)
    passed = share > threshold if strict else share >= threshold
    return "passed" if passed else "failed"
