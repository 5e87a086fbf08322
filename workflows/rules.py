"""The federation's rules as pure functions: transition guards, permissions and the tally.

Guards take the application and answer True or False; they change nothing. Each
carries the error code and message the services report when it fails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db.models import Exists
from django.utils.translation import gettext_lazy as _

from accounts import roles
from registry.models import CURRENT_STANDINGS
from registry.selectors import likely_duplicates

if TYPE_CHECKING:
    from registry.models import Organization

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


def possible_duplicates(application: "MembershipApplication") -> list["Organization"]:
    """Organizations of the registry that may be the union applying (same country, and the same
    name or acronym as search folds them), but the one the secretariat linked it to."""
    found = likely_duplicates(
        name=application.name, acronym=application.acronym, country=application.country.code or ""
    )
    return [organization for organization in found if organization.pk != application.organization_id]


def may_apply_again(organization: "Organization") -> bool:
    """An application may be linked to an organization as its re-application only when its
    membership has ended: an organization that is a member now is never taken over."""
    return not organization.memberships.filter(standing__in=CURRENT_STANDINGS).exists()


@guard(
    "possible_duplicate",
    _(
        "This application may be a duplicate of “%(organizations)s”, already in the registry: link it "
        "as a re-application of that organization, or confirm that it is a different union, before "
        "the vote."
    ),
)
def duplicates_resolved(application: "MembershipApplication") -> bool:
    """No likely duplicate in the registry, or the secretariat decided: linked, or confirmed distinct."""
    if application.organization_id is not None or application.duplicates_checked_at is not None:
        return True
    return not possible_duplicates(application)


# --- permissions (django-fsm ``permission=`` callables) --------------------------------------


def is_applicant(application: "MembershipApplication", user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.is_active
        and user.pk == application.applicant_id
    )


def is_secretariat(application: "MembershipApplication", user) -> bool:
    return roles.is_secretariat(user)


def is_assigned_reviewer(application: "MembershipApplication", user) -> bool:
    return application.assignments.filter(reviewer_id=getattr(user, "pk", None)).exists()


def has_reviewed(application: "MembershipApplication", user) -> bool:
    return application.reviews.filter(reviewer_id=getattr(user, "pk", None)).exists()


def may_read_reviews(application: "MembershipApplication", user) -> bool:
    """Reviewers write their own review before they read the others'; the secretariat always reads."""
    return roles.is_secretariat(user) or not (
        is_assigned_reviewer(application, user) and not has_reviewed(application, user)
    )


def may_view(application: "MembershipApplication", user) -> bool:
    """Applicants see their own; the secretariat all; reviewers and committee from submission on."""
    from .models import ApplicationState

    if is_applicant(application, user) or roles.is_secretariat(user):
        return True
    return application.state != ApplicationState.DRAFT and (
        roles.is_reviewer(user) or roles.is_committee_member(user)
    )


# --- conflicts of interest ----------------------------------------------------------------------


def conflicts_of_interest(application: "MembershipApplication") -> dict[int, str]:
    """Who has a conflict of interest in ``application`` → why (user id → reason).

    The applicant; and when the application is a re-application of an organization in the
    registry (``application.organization``), the applicant of every earlier application that
    admitted it: the people who speak for the organization concerned. (Its representatives,
    once the registry knows them, belong here too.) One query at most, none for an application
    that names no organization.
    """
    from .models import ApplicationState, MembershipApplication

    found = {application.applicant_id: str(_("Conflict of interest: applicant"))}
    if application.organization_id is not None:
        earlier = (
            MembershipApplication.objects.filter(
                organization_id=application.organization_id, state=ApplicationState.ADMITTED
            )
            .exclude(pk=application.pk)
            .values_list("applicant_id", flat=True)
        )
        for applicant_id in earlier:
            found.setdefault(
                applicant_id,
                str(_("Conflict of interest: applicant of the organization's earlier admission")),
            )
    return found


def has_conflict(application: "MembershipApplication", user) -> bool:
    """Whether ``user`` has a conflict of interest in ``application``: they never review it, never
    vote on it, take no step of the committee's on it, and see it only as its applicant sees it."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    if pk == application.applicant_id:
        return True
    return application.organization_id is not None and pk in conflicts_of_interest(application)


def sees_as_applicant(application: "MembershipApplication", user) -> bool:
    """The applicant (and anyone else with a conflict of interest) sees the case only as its
    applicant, whatever other role they hold: staff appear as "the federation", only the comments
    meant for the applicant are shown, never the reviews, the ballots or the committee's page."""
    return has_conflict(application, user)


# Transitions whose comment is meant for the applicant and shown in their history.
APPLICANT_VISIBLE_COMMENTS = frozenset({"request_info", "reject", "withdraw", "resubmit", "submit"})


def may_read_comment(application: "MembershipApplication", user, transition: str) -> bool:
    return not sees_as_applicant(application, user) or transition in APPLICANT_VISIBLE_COMMENTS


def may_see_duplicates(application: "MembershipApplication", user) -> bool:
    """The secretariat sees the likely duplicates of an open application (never on their own case)."""
    return roles.is_secretariat(user) and not application.is_final and not has_conflict(application, user)


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


# --- who may take which action, in which state: one table for the services and the pages ----------


class Refusal(NamedTuple):
    """Why an action is refused: the services raise it as a WorkflowError; the pages offer an
    action only when ``refusal`` finds none."""

    code: str
    message: str
    details: dict = {}


# The longest comment or message kept with a step, a review or a recusal (pages, API and admin
# alike; the services refuse longer ones).
COMMENT_MAX_LENGTH = 10_000


def _state_refusal(application: "MembershipApplication", action: str) -> Refusal:
    return Refusal(
        "not_allowed",
        _("This action (%(action)s) is not possible while the application is “%(state)s”.")
        % {"action": action.replace("_", " "), "state": application.get_state_display()},
        {"state": application.state, "action": action},
    )


def _transition_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    """A django-fsm transition: its source states, then its ``permission=`` (guards aside)."""
    from django_fsm import can_proceed

    method = getattr(application, action)
    if not can_proceed(method, check_conditions=False):
        return _state_refusal(application, action)
    if not method._django_fsm.has_transition_perm(application, application.state, user):
        return Refusal("forbidden", _("You are not allowed to take this action on this application."))
    return None


def _edit_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    if not is_applicant(application, user):
        return Refusal("forbidden", _("Only the applicant may change this application."))
    if not application.is_editable:
        return Refusal(
            "not_allowed",
            _("This application cannot be changed while it is “%(state)s”.")
            % {"state": application.get_state_display()},
            {"state": application.state},
        )
    return None


def _assign_reviewers_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    from .models import ApplicationState

    if not roles.is_secretariat(user):
        return Refusal("forbidden", _("Only the secretariat may take this action."))
    if application.state not in (ApplicationState.SUBMITTED, ApplicationState.UNDER_REVIEW):
        return _state_refusal(application, action)
    return None


def _review_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    from .models import ApplicationState

    if application.state != ApplicationState.UNDER_REVIEW:
        return _state_refusal(application, action)
    # One query: None when not assigned, else whether their review is in.
    reviewed = (
        application.assignments.filter(reviewer_id=getattr(user, "pk", None))
        .annotate(done=Exists(application.reviews.filter(reviewer_id=getattr(user, "pk", None))))
        .values_list("done", flat=True)
        .first()
    )
    if reviewed is None:
        return Refusal("forbidden", _("Only a reviewer assigned to this application may review it."))
    if reviewed:
        return Refusal("conflict", _("You have already reviewed this application."))
    return None


def _ballot_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    """Vote or recuse: an eligible member of the open round's electorate who has neither voted nor recused."""
    from .models import ApplicationState, Voter

    if application.state != ApplicationState.EXECUTIVE_VOTE:
        return Refusal("not_allowed", _("There is no open vote on this application."))
    voter = (
        Voter.objects.filter(
            round__application=application, round__closed_at__isnull=True, user_id=getattr(user, "pk", None)
        )
        .select_related("ballot")
        .first()
    )
    return electorate_refusal(voter)


def electorate_refusal(voter) -> Refusal | None:
    """Whether a person's row in the open round's electorate (or None) lets them vote or recuse.

    Eligibility is the snapshot taken when the round opened, not today's committee.
    """
    if voter is None:
        return Refusal("forbidden", _("You are not an eligible voter in this round."))
    if voter.recused_at is not None:
        return Refusal("forbidden", _("You have recused yourself from this vote."))
    if hasattr(voter, "ballot"):
        return Refusal("conflict", _("You have already voted in this round; a ballot is final."))
    return None


# Where the secretariat links an application to an organization of the registry, or confirms it
# is a new one: at screening, before the vote.
DUPLICATE_CHECK_STATES = ("submitted", "under_review", "reviewed")


def _duplicates_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    """Link as a re-application, or confirm distinct: the secretariat, at screening."""
    if not roles.is_secretariat(user):
        return Refusal("forbidden", _("Only the secretariat may take this action."))
    if application.state not in DUPLICATE_CHECK_STATES:
        return _state_refusal(application, action)
    return None


def _close_vote_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    """Only the secretariat closes a vote (asked first, whatever the state); then the transition's
    own check. In ``executive_vote`` a round is always open (opening makes one, every way out closes it)."""
    if not roles.is_secretariat(user):
        return Refusal("forbidden", _("Only the secretariat may take this action."))
    return _transition_refusal(application, user, action)


# Every action a person may take on an application → the check that refuses it (or None).
ACTIONS: dict[str, Callable[["MembershipApplication", object, str], Refusal | None]] = {
    "submit": _transition_refusal,
    "resubmit": _transition_refusal,
    "withdraw": _transition_refusal,
    "request_info": _transition_refusal,
    "reject": _transition_refusal,
    "start_review": _transition_refusal,
    "complete_review": _transition_refusal,
    "open_vote": _transition_refusal,
    "close_vote": _close_vote_refusal,
    "edit": _edit_refusal,
    "assign_reviewers": _assign_reviewers_refusal,
    "review": _review_refusal,
    "vote": _ballot_refusal,
    "recuse": _ballot_refusal,
    "link_organization": _duplicates_refusal,
    "confirm_distinct": _duplicates_refusal,
}


# The applicant's own actions; every other one is the committee's (secretariat, reviewers, voters),
# never taken by someone with a conflict of interest in the application.
APPLICANT_ACTIONS = frozenset({"submit", "resubmit", "withdraw", "edit"})


def _conflict_refusal() -> Refusal:
    return Refusal(
        "forbidden",
        _(
            "You have a conflict of interest in this application: you take no part in its screening, "
            "review or vote."
        ),
        {"conflict_of_interest": True},
    )


def refusal(action: str, application: "MembershipApplication", user) -> Refusal | None:
    """Why ``user`` may not take ``action`` on ``application`` now, or None when they may.

    The action's own check first (state, role, done already), then the conflict of interest:
    someone with one never takes a committee's action on the application."""
    refused = ACTIONS[action](application, user, action)
    if refused is None and action not in APPLICANT_ACTIONS and has_conflict(application, user):
        return _conflict_refusal()
    return refused


def allowed_actions(application: "MembershipApplication", user) -> set[str]:
    """The actions ``user`` may take on ``application`` now (guards such as missing documents aside:
    those are explained when the action is tried)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {action for action in ACTIONS if refusal(action, application, user) is None}
