"""The federation's rules as pure functions: transition guards, permissions and the tally.

Guards take the application and answer True or False; they change nothing. Each
carries the error code and message the services report when it fails.
"""

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db.models import Exists
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.people import display_name
from dues.reports import on_lapse_list
from registry.models import CURRENT_STATES, Representative
from registry.selectors import likely_duplicates, today

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


# --- reviews and the applicant's answers ---------------------------------------------------------
#
# A review written before the applicant answered a request for information stays. Its author is
# asked to read the answer and then confirm the review unchanged or revise it; the review can be
# completed only when every assigned review was written, confirmed or revised after the latest
# answer (the last ``resubmit`` in the log).


def latest_answer_at(application: "MembershipApplication") -> datetime.datetime | None:
    """When the applicant last answered a request for information (sent the application again)."""
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    return (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(type(application)),
            object_id=application.pk,
            transition="resubmit",
        )
        .order_by("-timestamp", "-pk")
        .values_list("timestamp", flat=True)
        .first()
    )


def review_is_current(review, answer_at: datetime.datetime | None) -> bool:
    """Whether ``review`` takes the applicant's latest answer (at ``answer_at``) into account:
    written, revised or confirmed after it, or there is no answer."""
    if answer_at is None:
        return True
    return review.updated_at > answer_at or (
        review.confirmed_at is not None and review.confirmed_at > answer_at
    )


def reviewers_to_confirm(application: "MembershipApplication") -> list[int]:
    """Ids of the assigned reviewers whose review predates the applicant's latest answer and who
    have neither confirmed nor revised it since."""
    answer_at = latest_answer_at(application)
    if answer_at is None:
        return []
    assigned = application.assignments.values_list("reviewer_id", flat=True)
    return sorted(
        application.reviews.filter(reviewer_id__in=assigned, updated_at__lte=answer_at)
        .exclude(confirmed_at__gt=answer_at)
        .values_list("reviewer_id", flat=True)
    )


def _names(user_ids: list[int]) -> str:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(user_ids)
    return ", ".join(display_name(users[pk]) for pk in user_ids if pk in users)


def _reviews_refusal(application: "MembershipApplication") -> "Refusal":
    """Why the review cannot be completed yet, naming the reviewers it waits for."""
    pending, to_confirm = reviewers_pending(application), reviewers_to_confirm(application)
    messages = []
    if not application.assignments.exists():
        messages.append(gettext("No reviewer is assigned."))
    if pending:
        messages.append(
            gettext("Not every assigned reviewer has submitted a review: %(names)s.")
            % {"names": _names(pending)}
        )
    if to_confirm:
        answer_at = timezone.localtime(latest_answer_at(application), datetime.UTC)
        messages.append(
            gettext(
                "Some reviews were written before the applicant's answer of %(date)s; their authors "
                "must confirm or revise them: %(names)s."
            )
            % {"date": formats.date_format(answer_at, "j F Y"), "names": _names(to_confirm)}
        )
    return Refusal(
        "incomplete", " ".join(messages), {"pending_reviewers": pending, "reviewers_to_confirm": to_confirm}
    )


@guard(
    "incomplete",
    _(
        "Every assigned reviewer must have a review written, confirmed or revised after the "
        "applicant's latest answer."
    ),
)
def all_reviews_in(application: "MembershipApplication") -> bool:
    return (
        application.assignments.exists()
        and not reviewers_pending(application)
        and not reviewers_to_confirm(application)
    )


all_reviews_in.explain = _reviews_refusal


def guard_refusal(guard: Guard, application: "MembershipApplication") -> "Refusal":
    """Why ``guard`` refuses: its own explanation (``guard.explain``, naming what is missing) or its
    code and message."""
    explain = getattr(guard, "explain", None)
    if explain is not None:
        return explain(application)
    return Refusal(guard.error_code, guard.error_message)


@guard("conflict", _("A vote on this application is already open."))
def no_open_round(application: "MembershipApplication") -> bool:
    return not application.vote_rounds.filter(closed_at__isnull=True).exists()


def possible_duplicates(application: "MembershipApplication") -> list["Organization"]:
    """Organizations of the registry that may be the union applying (same country, and the same
    name, Latin name or acronym as search folds them), but the one the secretariat linked it to."""
    found = likely_duplicates(
        name=application.name,
        name_latin=application.name_latin,
        acronym=application.acronym,
        country=application.country.code or "",
    )
    return [organization for organization in found if organization.pk != application.organization_id]


def may_apply_again(organization: "Organization") -> bool:
    """An application may be linked to an organization as its re-application only when its
    membership has ended: an organization that is a member now is never taken over."""
    return not organization.memberships.filter(state__in=CURRENT_STATES).exists()


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
    return application.state != ApplicationState.DRAFT and roles.has_committee_role(user)


# --- conflicts of interest ----------------------------------------------------------------------


def conflicts_of_interest(application: "MembershipApplication") -> dict[int, str]:
    """Who has a conflict of interest in ``application`` → why (user id → reason).

    The applicant; and when the application is a re-application of an organization in the
    registry (``application.organization``), the people who speak for the organization concerned:
    its representatives (``motion_conflicts_of_interest``) and the applicant of every earlier
    application that admitted it. Two queries at most, none for an application that names no
    organization.
    """

    from .models import ApplicationState, MembershipApplication

    found = {application.applicant_id: str(_("Conflict of interest: applicant"))}
    if application.organization_id is not None:
        representatives = Representative.objects.filter(
            organization_id=application.organization_id, removed_at__isnull=True
        ).values_list("user_id", flat=True)
        for user_id in representatives:
            found.setdefault(user_id, str(_("Conflict of interest: represents the union concerned")))
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


def may_read_round(application: "MembershipApplication", user, *, is_open: bool, voted: bool) -> bool:
    """A vote round's tally, named ballots, recusals and explanation: never to the applicant of the
    case (a conflict of interest); the secretariat always; a committee member once they have voted
    in the round; everyone else who sees the application once the round is closed."""
    if sees_as_applicant(application, user):
        return False
    return not is_open or roles.is_secretariat(user) or voted


# Transitions whose comment is meant for the applicant and shown in their history.
APPLICANT_VISIBLE_COMMENTS = frozenset({"request_info", "reject", "withdraw", "resubmit", "submit"})


def may_read_comment(application: "MembershipApplication", user, transition: str) -> bool:
    return not sees_as_applicant(application, user) or transition in APPLICANT_VISIBLE_COMMENTS


def may_see_duplicates(application: "MembershipApplication", user) -> bool:
    """The secretariat sees the likely duplicates of an open application (never on their own case)."""
    return roles.is_secretariat(user) and not application.is_final and not has_conflict(application, user)


# --- one national union per country ---------------------------------------------------------------


def country_member_row(membership) -> dict:
    """A member from the applicant's country as a vote round keeps it."""
    return {
        "name": membership.organization.name,
        "category": membership.category,
        "since": membership.admitted_on.isoformat(),
        "state": membership.state,
    }


def full_member_refusal(category: str, in_country: list) -> str | None:
    """With ``ONE_FULL_MEMBER_PER_COUNTRY``, a second full member from a country is refused at the
    opening of the vote: the message names the member there is (else None)."""
    if not settings.ONE_FULL_MEMBER_PER_COUNTRY or category != "full":
        return None
    full = next((m for m in in_country if m.category == "full"), None)
    if full is None:
        return None
    return gettext(
        "The federation admits one full member per country: %(name)s is one since %(year)d. "
        "Propose the associate or observer category."
    ) % {"name": full.organization.name, "year": full.admitted_on.year}


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


# --- the vote in words: its rules, and how an outcome was reached ---------------------------------


FRACTION_WORDS = {
    Fraction(1, 2): _("half"),
    Fraction(1, 3): _("one third"),
    Fraction(2, 3): _("two thirds"),
    Fraction(1, 4): _("one quarter"),
    Fraction(3, 4): _("three quarters"),
}
MAJORITY_NAMES = {
    "simple": _("simple majority"),
    "two_thirds": _("two-thirds majority"),
    "three_quarters": _("three-quarters majority"),
}
# What the yes votes are counted against, as in "3 yes of 4 (yes + no)".
BASE_WORDS = {
    "yes_no": _("yes + no"),
    "yes_no_abstain": _("yes + no + abstain"),
    "eligible": _("eligible members"),
}


def _fraction_words(value: Fraction) -> str:
    named = FRACTION_WORDS.get(value)
    return str(named) if named is not None else f"{value.numerator}/{value.denominator}"


def _majority_words(majority: str) -> tuple[str, str]:
    """The majority's name and its threshold in words: ("simple majority", "more than half")."""
    threshold, strict = MAJORITIES[majority]
    needed = gettext("more than %(fraction)s") if strict else gettext("at least %(fraction)s")
    return str(MAJORITY_NAMES[majority]), needed % {"fraction": _fraction_words(threshold)}


def describe_rules(rules: VoteRules) -> list[str]:
    """A round's rules in words, one sentence each: quorum, majority, base."""
    if rules.quorum == 0:
        quorum = gettext("Quorum: at least one eligible member must vote (yes, no or abstain).")
    else:
        quorum = gettext(
            "Quorum: more than %(fraction)s of the eligible members must vote (yes, no or abstain)."
        ) % {"fraction": _fraction_words(rules.quorum)}
    name, needed = _majority_words(rules.majority)
    majority = {
        "yes_no": gettext(
            "Majority: %(needed)s of the yes and no votes must be yes (%(name)s). Abstentions do not count."
        ),
        "yes_no_abstain": gettext(
            "Majority: %(needed)s of all votes cast (yes, no and abstain) must be yes (%(name)s). "
            "Abstentions count like no."
        ),
        "eligible": gettext(
            "Majority: %(needed)s of all eligible members must vote yes (%(name)s). "
            "Abstaining or not voting counts like no."
        ),
    }[rules.base] % {"needed": needed, "name": name}
    recusal = gettext("A member who recuses is not eligible in the round.")
    return [quorum, majority, recusal]


@dataclass(frozen=True)
class OutcomeExplanation:
    """How a tally's outcome follows from the rules, in whole numbers: the ballots the quorum
    needs, the yes votes the majority needs, and the verdict they give. ``lines`` say it in words."""

    outcome: str  # passed, failed or no_quorum
    quorum_needed: int  # at least this many ballots
    majority_base: int | None  # None without a quorum
    yes_needed: int | None  # at least this many yes; None without a quorum
    lines: tuple[str, ...]


def _quorum_needed(rules: VoteRules, eligible: int) -> int:
    """The fewest ballots that are more than ``quorum`` times the eligible members."""
    return math.floor(rules.quorum * eligible) + 1


def _yes_needed(rules: VoteRules, base: int) -> int:
    """The fewest yes votes that reach the majority of ``base`` votes (at least one)."""
    threshold, strict = MAJORITIES[rules.majority]
    needed = math.floor(threshold * base) + 1 if strict else math.ceil(threshold * base)
    return max(needed, 1)


def _quorum_line(tally: Tally, rules: VoteRules, needed: int, reached: bool) -> str:
    if tally.eligible == 0:
        return gettext("Nobody was eligible to vote (every member recused) — no quorum.")
    if rules.quorum == 0:
        rule = gettext("at least 1")
    else:
        rule = gettext("more than %(fraction)s: at least %(needed)d") % {
            "fraction": _fraction_words(rules.quorum),
            "needed": needed,
        }
    values = {"cast": tally.cast, "eligible": tally.eligible, "rule": rule}
    if reached:
        return gettext("%(cast)d of %(eligible)d eligible voted — quorum reached (%(rule)s).") % values
    return gettext("%(cast)d of %(eligible)d eligible voted — no quorum (%(rule)s).") % values


def _majority_line(tally: Tally, rules: VoteRules, base: int, needed: int, reached: bool) -> str:
    name, threshold = _majority_words(rules.majority)
    if base == 0:
        return gettext("0 yes of 0 (%(base)s): nobody voted yes or no — %(name)s not reached.") % {
            "base": str(BASE_WORDS[rules.base]),
            "name": name,
        }
    values = {
        "yes": tally.yes,
        "base": base,
        "base_words": str(BASE_WORDS[rules.base]),
        "name": name,
        "threshold": threshold,
        "needed": needed,
    }
    if reached:
        message = gettext(
            "%(yes)d yes of %(base)d (%(base_words)s) — %(name)s reached "
            "(%(threshold)s: at least %(needed)d yes)."
        )
    else:
        message = gettext(
            "%(yes)d yes of %(base)d (%(base_words)s) — %(name)s not reached "
            "(%(threshold)s: at least %(needed)d yes)."
        )
    return message % values


VERDICTS = {
    "passed": _("Outcome: passed → admitted."),
    "failed": _("Outcome: failed → rejected."),
    "no_quorum": _("Outcome: no quorum → the round is void; the application goes back to “Reviewed”."),
}


def explain_outcome(tally: Tally, rules: VoteRules) -> OutcomeExplanation:
    """How ``tally`` gives its outcome under ``rules``, in words and whole numbers (pure).

    Counted in integers (the ballots and yes votes needed), not by ``vote_outcome``'s fractions:
    the tests check that both always agree.
    """
    quorum_needed = _quorum_needed(rules, tally.eligible)
    quorum_reached = tally.eligible > 0 and tally.cast >= quorum_needed
    lines = [_quorum_line(tally, rules, quorum_needed, quorum_reached)]
    base = yes_needed = None
    if not quorum_reached:
        outcome = "no_quorum"
    else:
        base = {"yes_no": tally.yes + tally.no, "yes_no_abstain": tally.cast, "eligible": tally.eligible}[
            rules.base
        ]
        yes_needed = _yes_needed(rules, base)
        majority_reached = base > 0 and tally.yes >= yes_needed
        lines.append(_majority_line(tally, rules, base, yes_needed, majority_reached))
        outcome = "passed" if majority_reached else "failed"
    lines.append(str(VERDICTS[outcome]))
    return OutcomeExplanation(outcome, quorum_needed, base, yes_needed, tuple(lines))


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


def _delete_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    """A draft is deleted, never withdrawn: only its applicant, only while it was never sent (a
    draft never was: no transition leads back to ``draft``). A sent application is withdrawn."""
    from .models import ApplicationState

    if not is_applicant(application, user):
        return Refusal("forbidden", _("Only the applicant may delete this draft."))
    if application.state != ApplicationState.DRAFT:
        return Refusal(
            "not_allowed",
            _("Only a draft can be deleted. An application that was sent can be withdrawn instead."),
            {"state": application.state, "action": action},
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


def own_review(application: "MembershipApplication", user):
    """``user``'s review of ``application``, or None."""
    return application.reviews.filter(reviewer_id=getattr(user, "pk", None)).first()


def _own_review_refusal(application: "MembershipApplication", user, action: str) -> Refusal | None:
    """Revise or confirm a review: its author only, until the review is completed (submitted, under
    review, or waiting for an answer); to confirm, the review must predate the latest answer."""
    from .models import ApplicationState

    if application.state not in (
        ApplicationState.SUBMITTED,
        ApplicationState.INFO_REQUESTED,
        ApplicationState.UNDER_REVIEW,
    ):
        return _state_refusal(application, action)
    review = own_review(application, user)
    if review is None:
        return Refusal("forbidden", _("Only the author of a review may revise or confirm it."))
    if action == "confirm_review" and review_is_current(review, latest_answer_at(application)):
        return Refusal(
            "conflict",
            _(
                "Your review needs no confirmation: you wrote, revised or confirmed it after the applicant's latest answer."
            ),
        )
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
        .select_related("ballot", "round")
        .first()
    )
    return voter_refusal(voter.round if voter else None, voter, action)


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


# --- votes in the meeting room ------------------------------------------------------------------------
# A round is voted online (each member's own ballot), named in the room (the minute-taker records
# each present member's choice as a ballot) or counted in the room (the minute-taker enters the
# totals). Every mode has the same electorate, tally (``votes.round_tally``) and outcome
# (``vote_outcome``).


def round_mode_refusal(vote_round, action: str) -> Refusal | None:
    """A member's own ballot (``vote``) belongs to an online round: in the room the minute-taker
    records the votes. A recusal (``recuse``) is open in every mode until a counted round's totals
    are entered: they were counted among the members then eligible."""
    if action == "vote" and vote_round.mode != "online":
        return Refusal(
            "not_allowed", _("This round is voted in the meeting room: the minute-taker records the votes.")
        )
    if action == "recuse" and vote_round.totals_recorded_at is not None:
        return Refusal(
            "conflict", _("The totals counted in the room are recorded: no one may recuse any more.")
        )
    return None


def voter_refusal(vote_round, voter, action: str) -> Refusal | None:
    """A member's own ``action`` (vote, recuse) in ``vote_round``, their row ``voter`` (or None):
    first what the round's mode allows, then what their row does."""
    return (vote_round is not None and round_mode_refusal(vote_round, action)) or electorate_refusal(voter)


ROOM_MODE_REFUSALS = {
    "named": _("This round is not voted by name in the room: its votes cannot be recorded one by one."),
    "counted": _("This round is not counted in the room: its totals cannot be entered."),
}


def room_record_refusal(vote_round, mode: str) -> Refusal | None:
    """Votes taken in the room are recorded in an open round of their ``mode`` (named, counted)."""
    if vote_round is None or vote_round.closed_at is not None:
        return Refusal("not_allowed", _("This round is closed: nothing more can be recorded in it."))
    if vote_round.mode != mode:
        return Refusal("not_allowed", ROOM_MODE_REFUSALS[mode])
    return None


def room_recorder_refusal(subject, user, *, minute_taker_id: int | None = None) -> Refusal | None:
    """Who records the votes taken in the room on ``subject`` (an application or a motion): the
    minute-taker of the meeting where the vote is held (``minute_taker_id``), or whoever may close
    the round (the secretariat); never someone with a conflict of interest in it."""
    from .models import MembershipApplication

    application = isinstance(subject, MembershipApplication)
    if minute_taker_id is not None and getattr(user, "pk", None) == minute_taker_id:
        if application and has_conflict(subject, user):
            return Refusal(
                "forbidden",
                _("You have a conflict of interest in this application: the secretariat records the votes."),
                {"conflict_of_interest": True},
            )
        if not application and user.pk in motion_conflicts_of_interest(subject.membership):
            return _motion_conflict_refusal()
        return None
    if application:
        return refusal("close_vote", subject, user)
    return motion_refusal("close_vote", subject, user)


def named_choice_refusal(voter, user, choice) -> Refusal | None:
    """One choice the minute-taker records for ``user`` (their row in the round's electorate, or
    None): a member present (in the electorate), not recused, not recorded yet; yes, no or abstain."""
    from .models import BallotChoice

    name = {"name": display_name(user)}
    if choice not in BallotChoice.values:
        return Refusal("invalid", gettext("%(name)s: choose yes, no or abstain.") % name)
    if voter is None:
        return Refusal("invalid", gettext("%(name)s is not present: not in this round's electorate.") % name)
    if voter.recused_at is not None:
        return Refusal("invalid", gettext("%(name)s has recused themselves from this vote.") % name)
    if hasattr(voter, "ballot"):
        return Refusal(
            "conflict", gettext("The vote of %(name)s is recorded already; a ballot is final.") % name
        )
    return None


def counted_totals_refusal(yes, no, abstain, *, eligible: int) -> Refusal | None:
    """The totals counted in the room: whole numbers, zero or more, adding up to at most the members
    present who may vote (``eligible``: present, less recusals). Fewer is allowed: a member present
    who does not vote is not counted, as an online member who casts no ballot."""
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (yes, no, abstain)):
        return Refusal("invalid", _("The totals are whole numbers, zero or more."))
    total = yes + no + abstain
    if total > eligible:
        return Refusal(
            "invalid",
            gettext(
                "The totals (%(total)d) do not match the members present (%(present)d): there cannot be "
                "more votes than members present who may vote; those who did not vote are not counted."
            )
            % {"total": total, "present": eligible},
        )
    return None


def close_round_refusal(vote_round) -> Refusal | None:
    """A counted round is closed by a person once its totals are entered (at its deadline the
    system closes it all the same: without totals, nobody voted)."""
    if vote_round.mode == "counted" and vote_round.totals_recorded_at is None:
        return Refusal("incomplete", _("Enter the totals counted in the room before closing the round."))
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
    "delete": _delete_refusal,
    "request_info": _transition_refusal,
    "reject": _transition_refusal,
    "start_review": _transition_refusal,
    "complete_review": _transition_refusal,
    "open_vote": _transition_refusal,
    "close_vote": _close_vote_refusal,
    "edit": _edit_refusal,
    "assign_reviewers": _assign_reviewers_refusal,
    "review": _review_refusal,
    "revise_review": _own_review_refusal,
    "confirm_review": _own_review_refusal,
    "vote": _ballot_refusal,
    "recuse": _ballot_refusal,
    "link_organization": _duplicates_refusal,
    "confirm_distinct": _duplicates_refusal,
}


# The applicant's own actions; every other one is the committee's (secretariat, reviewers, voters),
# never taken by someone with a conflict of interest in the application.
APPLICANT_ACTIONS = frozenset({"submit", "resubmit", "withdraw", "delete", "edit"})


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


# Guards that the action's own form answers (a message to write): never an obstacle to offering it.
INPUT_GUARDS = frozenset({"comment_given"})


def obstacles(application: "MembershipApplication", action: str) -> list[str]:
    """What stands in the way of a transition that the person may otherwise take: the messages of
    its failing guards (a review not in yet, a missing document). Empty when it can succeed."""
    method = getattr(application, action, None)
    meta = getattr(method, "_django_fsm", None)
    transition = meta.get_transition(application.state) if meta is not None else None
    if transition is None:
        return []
    return [
        str(guard_refusal(guard, application).message)
        for guard in transition.conditions
        if guard.__name__ not in INPUT_GUARDS and not guard(application)
    ]


def allowed_actions(application: "MembershipApplication", user) -> set[str]:
    """The actions ``user`` may take on ``application`` now (guards such as missing documents aside:
    those are explained when the action is tried)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {action for action in ACTIONS if refusal(action, application, user) is None}


# --- a member union's life: who may act for it, and when -------------------------------------------------
#
# One table for the services (``workflows.membership``) and the member area: each entry takes
# (organization, user, action, target) and returns the Refusal, or None when the person may act.
# ``target`` is the row acted on: a representative, an invitation, a change request.


def _not_representative() -> Refusal:
    return Refusal("forbidden", _("Only a representative of this union may do this."))


def _ended_refusal(organization) -> Refusal | None:
    from registry.selectors import current_membership

    if current_membership(organization) is None:
        return Refusal(
            "not_allowed", _("This union's membership has ended: its record can no longer change.")
        )
    return None


def _view_member_refusal(organization, user, action: str, target=None) -> Refusal | None:
    from registry.selectors import is_representative

    return None if is_representative(organization, user) else _not_representative()


def _current_member_refusal(organization, user, action: str, target=None) -> Refusal | None:
    """Invite, edit the profile, file a return: a representative of a union still a member."""
    return _view_member_refusal(organization, user, action) or _ended_refusal(organization)


def _certificate_refusal(organization, user, action: str, target=None) -> Refusal | None:
    """A membership certificate: for the union's representatives and the secretariat, while it is a member."""
    if not roles.is_secretariat(user) and (refused := _view_member_refusal(organization, user, action)):
        return refused
    return _ended_refusal(organization)


def _dues_refusal(organization, user, action: str, target=None) -> Refusal | None:
    """The union's dues statement and invoices: for its representatives and the secretariat, also
    after the membership ended (what is still open is still owed)."""
    if roles.is_secretariat(user):
        return None
    return _view_member_refusal(organization, user, action)


def _request_change_refusal(organization, user, action: str, target=None) -> Refusal | None:
    from registry.models import ChangeRequestState

    if refused := _current_member_refusal(organization, user, action):
        return refused
    if organization.change_requests.filter(state=ChangeRequestState.PENDING).exists():
        return Refusal(
            "conflict", _("A change request of this union is waiting for the secretariat: one at a time.")
        )
    return None


def _revoke_invitation_refusal(organization, user, action: str, target=None) -> Refusal | None:
    if refused := _view_member_refusal(organization, user, action):
        return refused
    if target is not None and (target.organization_id != organization.pk or not target.is_pending()):
        return Refusal("conflict", _("This invitation was accepted, revoked or has expired already."))
    return None


def _representative_target_refusal(organization, target) -> Refusal | None:
    if target is not None and (target.organization_id != organization.pk or not target.is_active):
        return Refusal("conflict", _("This person no longer represents this union."))
    return None


def _remove_refusal(organization, user, action: str, target=None) -> Refusal | None:
    """A representative removes another (or themselves); never the last one, nor the primary contact."""
    if refused := _view_member_refusal(organization, user, action):
        return refused
    if refused := _representative_target_refusal(organization, target):
        return refused
    if target is not None and target.is_primary:
        return Refusal("not_allowed", _("Choose another primary contact before removing this one."))
    if organization.representatives.filter(removed_at__isnull=True).count() <= 1:
        return Refusal("not_allowed", _("A union keeps at least one representative: this is the last one."))
    return None


def _make_primary_refusal(organization, user, action: str, target=None) -> Refusal | None:
    if refused := _view_member_refusal(organization, user, action):
        return refused
    if refused := _representative_target_refusal(organization, target):
        return refused
    if target is not None and target.is_primary:
        return Refusal("conflict", _("This person is the primary contact already."))
    return None


def _decide_change_refusal(organization, user, action: str, target=None) -> Refusal | None:
    """The secretariat approves or declines a pending request of a union still a member."""
    from registry.models import ChangeRequestState

    if not roles.is_secretariat(user):
        return Refusal("forbidden", _("Only the secretariat may decide on a change request."))
    if target is not None and target.state != ChangeRequestState.PENDING:
        return Refusal(
            "conflict",
            _("This change request is “%(state)s” already.") % {"state": target.get_state_display()},
            {"state": target.state},
        )
    return _ended_refusal(organization)


MEMBER_ACTIONS: dict[str, Callable[..., Refusal | None]] = {
    "view": _view_member_refusal,
    "invite": _current_member_refusal,
    "revoke_invitation": _revoke_invitation_refusal,
    "remove_representative": _remove_refusal,
    "make_primary": _make_primary_refusal,
    "edit_profile": _current_member_refusal,
    "request_change": _request_change_refusal,
    "file_return": _current_member_refusal,
    "decide_change_request": _decide_change_refusal,
    "certificate": _certificate_refusal,
    "dues": _dues_refusal,
}


def member_refusal(action: str, organization, user, target=None) -> Refusal | None:
    """Why ``user`` may not take ``action`` for ``organization`` (on ``target``) now, or None."""
    return MEMBER_ACTIONS[action](organization, user, action, target)


def member_allowed_actions(organization, user) -> set[str]:
    """The member area's actions ``user`` may take for ``organization`` now (on any target)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {action for action in MEMBER_ACTIONS if member_refusal(action, organization, user) is None}


def invitation_refusal(invitation, user, *, now=None) -> Refusal | None:
    """Why ``user`` may not accept ``invitation`` now: not pending, not their confirmed address,
    a membership that has ended, or they represent the union already."""
    from django.utils import timezone

    from accounts.people import has_verified_email
    from registry.selectors import is_representative

    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return Refusal("conflict", _("This invitation has been used already."))
    if invitation.revoked_at is not None:
        return Refusal("conflict", _("This invitation was withdrawn by the union."))
    if now >= invitation.expires_at:
        return Refusal("conflict", _("This invitation has expired. Please ask the union for a new one."))
    if not has_verified_email(user, invitation.email):
        return Refusal(
            "forbidden",
            _(
                "This invitation is for %(email)s. Add that address to your account and confirm it, "
                "then open the link again."
            )
            % {"email": invitation.email},
        )
    if refused := _ended_refusal(invitation.organization):
        return refused
    if is_representative(invitation.organization, user):
        return Refusal("conflict", _("You represent this union already."))
    return None


# --- decisions on members: motions ---------------------------------------------------------------------
#
# A motion is proposed (by the secretariat; a union asks for a change of category or gives notice
# of withdrawal), put to the Executive Committee's vote in the rounds of ``workflows.votes`` (a
# notice of withdrawal is confirmed instead), carried, defeated or dropped.

# Which motion fits which membership state: suspend an active member, reinstate a suspended one.
MOTION_KIND_STATES = {
    "suspend": ("active",),
    "reinstate": ("suspended",),
    "expel": ("active", "suspended"),
    "change_category": ("active", "suspended"),
    "withdrawal": ("active", "suspended"),
    "lapse": ("active", "suspended"),
    "waive_dues": ("active", "suspended"),
}
# What a union asks for itself; the others only the secretariat proposes.
UNION_MOTION_KINDS = frozenset({"change_category", "withdrawal"})
# Motions whose reason is required: the union is told why.
MOTION_REASON_REQUIRED = frozenset({"suspend", "expel", "lapse", "waive_dues"})
# Motions that end the membership when carried (its other open motions are dropped).
MOTION_ENDS_MEMBERSHIP = frozenset({"expel", "withdrawal", "lapse"})


@guard("not_allowed", _("A notice of withdrawal needs no vote: the secretariat confirms it."))
def motion_needs_vote(motion) -> bool:
    return motion.kind != "withdrawal"


@guard("not_allowed", _("Only a notice of withdrawal is confirmed without a vote."))
def motion_is_notice(motion) -> bool:
    return motion.kind == "withdrawal"


def motion_rules(kind: str) -> VoteRules:
    """The vote's rules for a motion of ``kind``: an expulsion needs ``EXPULSION_MAJORITY``."""
    rules = VoteRules.from_settings()
    if kind == "expel":
        return VoteRules(quorum=rules.quorum, majority=settings.EXPULSION_MAJORITY, base=rules.base)
    return rules


def motion_conflicts_of_interest(membership) -> dict[int, str]:
    """Who has a conflict of interest in a motion on ``membership``: the union's representatives
    (user id → reason). One query."""

    reason = str(_("Conflict of interest: represents the union concerned"))
    users = Representative.objects.filter(
        organization_id=membership.organization_id, removed_at__isnull=True
    ).values_list("user_id", flat=True)
    return dict.fromkeys(users, reason)


def _motion_conflict_refusal() -> Refusal:
    return Refusal(
        "forbidden",
        _("You represent the union concerned: you take no part in the committee's decision on it."),
        {"conflict_of_interest": True},
    )


def motion_proposal_refusal(membership, user, kind: str) -> Refusal | None:
    """Why ``user`` may not propose a motion of ``kind`` on ``membership`` now, or None.

    The secretariat proposes any kind (and records a notice received by letter); a representative
    of the union asks for a change of category and gives notice of withdrawal. Never on an ended
    membership, never a kind that does not fit its state, never two open motions of one kind."""
    from registry.selectors import is_representative

    if kind not in MOTION_KIND_STATES:
        return Refusal("invalid", _("Choose what the motion decides."), {"kind": [_("Unknown kind.")]})
    secretariat = roles.is_secretariat(user)
    representative = is_representative(membership.organization_id, user)
    if secretariat and representative and kind not in UNION_MOTION_KINDS:
        return _motion_conflict_refusal()
    if not secretariat and not (representative and kind in UNION_MOTION_KINDS):
        return Refusal("forbidden", _("Only the secretariat may propose this decision."))
    if membership.state == "ended":
        return Refusal("not_allowed", _("This membership has ended: no decision can change it now."))
    if membership.state not in MOTION_KIND_STATES[kind]:
        return Refusal(
            "not_allowed",
            _("This decision does not fit a membership that is “%(state)s”.")
            % {"state": membership.get_state_display()},
            {"state": membership.state},
        )
    if membership.motions.filter(kind=kind, state__in=("proposed", "voting")).exists():
        return Refusal("conflict", _("A motion of this kind is open already for this member."))
    if kind == "lapse" and not on_lapse_list(membership, today()):
        return lapse_refusal()
    return None


def lapse_refusal() -> Refusal:
    return Refusal(
        "not_allowed",
        _(
            "This union is not on the lapse list: it has not been in arrears for %(years)s federation "
            "years. Nothing was changed."
        )
        % {"years": settings.DUES_LAPSE_YEARS},
    )


def _motion_state_refusal(motion, action: str) -> Refusal:
    return Refusal(
        "not_allowed",
        _("This action (%(action)s) is not possible while the motion is “%(state)s”.")
        % {"action": action.replace("_", " "), "state": motion.get_state_display()},
        {"state": motion.state, "action": action},
    )


def _motion_transition_refusal(motion, user, action: str) -> Refusal | None:
    """The secretariat, on a transition the motion's state and kind allow."""
    from django_fsm import can_proceed

    if not roles.is_secretariat(user):
        return Refusal("forbidden", _("Only the secretariat may take this action."))
    method = getattr(motion, action)
    if not can_proceed(method, check_conditions=False):
        return _motion_state_refusal(motion, action)
    for condition in method._django_fsm.get_transition(motion.state).conditions:
        if not condition(motion):
            return Refusal(condition.error_code, condition.error_message)
    return None


def _motion_ballot_refusal(motion, user, action: str) -> Refusal | None:
    from .models import Voter

    if motion.state != "voting":
        return Refusal("not_allowed", _("There is no open vote on this motion."))
    voter = (
        Voter.objects.filter(
            round__motion=motion, round__closed_at__isnull=True, user_id=getattr(user, "pk", None)
        )
        .select_related("ballot", "round")
        .first()
    )
    return voter_refusal(voter.round if voter else None, voter, action)


MOTION_ACTIONS: dict[str, Callable[..., Refusal | None]] = {
    "open_vote": _motion_transition_refusal,
    "close_vote": _motion_transition_refusal,
    "confirm": _motion_transition_refusal,
    "drop": _motion_transition_refusal,
    "vote": _motion_ballot_refusal,
    "recuse": _motion_ballot_refusal,
}


def has_motion_conflict(motion, user) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and pk in motion_conflicts_of_interest(motion.membership)


def motion_refusal(action: str, motion, user) -> Refusal | None:
    """Why ``user`` may not take ``action`` on ``motion`` now, or None when they may. Every action on
    a motion is the committee's: never taken by a representative of the union concerned."""
    refused = MOTION_ACTIONS[action](motion, user, action)
    if refused is None and has_motion_conflict(motion, user):
        return _motion_conflict_refusal()
    return refused


def motion_allowed_actions(motion, user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {action for action in MOTION_ACTIONS if motion_refusal(action, motion, user) is None}


def may_read_motion_round(motion, user, *, is_open: bool, voted: bool) -> bool:
    """A motion's tally, named ballots and recusals: as for an admission, never to the union's
    representatives (they hear the outcome); the secretariat always; a voter once they have voted."""
    if has_motion_conflict(motion, user) or not roles.has_committee_role(user):
        return False
    return not is_open or roles.is_secretariat(user) or voted


def may_read_motion_dues(motion, user) -> bool:
    """A waiver's invoice and amount: the committee's (secretariat, reviewers, voters), as its motion
    page shows them. Not what a union's representative reads of its motions (its dues page shows
    its invoices), nor anyone outside: partners see standing, never amounts."""
    return roles.has_committee_role(user)


def may_view_motion(motion, user) -> bool:
    """The committee (secretariat, reviewers, voters) and the union's representatives."""
    from registry.selectors import is_representative

    return roles.has_committee_role(user) or is_representative(motion.membership.organization_id, user)
