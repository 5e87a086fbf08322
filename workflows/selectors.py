"""Reads of the workflow for the pages and the API: queues, histories, and what a person may do now.

``available_actions`` reads ``rules.ACTIONS``, the table the services refuse from, so a page
offers exactly the buttons that the services would accept, guards aside: a guard that fails
(a missing document, a pending review) is explained when the button is used.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from accounts import roles
from accounts.people import display_name
from registry.selectors import region_with_descendants_ids

from . import rules
from .models import (
    QUEUE_OPEN_STATES,
    ApplicationState,
    Ballot,
    MembershipApplication,
    Review,
    ReviewerAssignment,
    Voter,
    VoteRound,
)

QUEUE_STATES = tuple(s for s in ApplicationState if s != ApplicationState.DRAFT)


def _state_logs(application: MembershipApplication) -> QuerySet[StateLog]:
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    return StateLog.objects.filter(content_type=content_type, object_id=application.pk)


def application_history(*, application: MembershipApplication) -> list[StateLog]:
    """The transition log, oldest first, with who acted."""
    return list(_state_logs(application).select_related("by").order_by("timestamp", "pk"))


# What a logged transition means, said to the applicant and to the committee.
STEP_WORDS: dict[str, object] = {
    "submit": _("The application was sent."),
    "resubmit": _("The application was sent again with the information asked for."),
    "request_info": _("The secretariat asked for more information."),
    "start_review": _("The review started."),
    "complete_review": _("The review was finished."),
    "open_vote": _("The Executive Committee's vote opened."),
    "close_vote": _("The vote closed."),
    "reject": _("The secretariat rejected the application."),
    "withdraw": _("The application was withdrawn."),
}


@dataclass(frozen=True)
class HistoryEntry:
    """One logged step as a given person may read it."""

    when: datetime.datetime
    transition: str
    source: str
    to: str
    by: str | None  # who acted: a name, "The federation" for staff seen by the applicant; None: the system
    by_viewer: bool  # the reader took this step
    comment: str

    @property
    def what(self):
        return STEP_WORDS.get(self.transition, self.transition)

    @property
    def who(self):
        """For the pages: "You", a name, "The federation", or "The system"."""
        if self.by_viewer:
            return _("You")
        return self.by or _("The system")

    @property
    def state_label(self):
        return ApplicationState(self.to).label if self.to in ApplicationState.values else self.to


def application_history_for(*, application: MembershipApplication, viewer) -> list[HistoryEntry]:
    """The transition log, oldest first, as ``viewer`` may read it (``rules.sees_as_applicant``,
    ``rules.may_read_comment``). The portal's status and committee pages and the API show this."""
    as_applicant = rules.sees_as_applicant(application, viewer)
    entries = []
    for log in application_history(application=application):
        if log.by is None:
            by = str(_("The federation")) if as_applicant else None
        elif as_applicant and log.by_id != application.applicant_id:
            by = str(_("The federation"))
        else:
            by = display_name(log.by)
        entries.append(
            HistoryEntry(
                when=log.timestamp,
                transition=log.transition,
                source=log.source_state,
                to=log.state,
                by=by,
                by_viewer=log.by_id is not None and log.by_id == getattr(viewer, "pk", None),
                comment=(log.description or "")
                if rules.may_read_comment(application, viewer, log.transition)
                else "",
            )
        )
    return entries


def latest_info_request(*, application: MembershipApplication) -> StateLog | None:
    """The secretariat's latest request for information, while the application waits for the answer."""
    if application.state != ApplicationState.INFO_REQUESTED:
        return None
    return _state_logs(application).filter(transition="request_info").order_by("-timestamp", "-pk").first()


def application_reviews(*, application: MembershipApplication) -> list[Review]:
    """The reviews, oldest first, with their reviewer; each with ``before_answer``: the moment of
    the applicant's latest answer when the review was written before it and neither confirmed nor
    revised since (``rules.review_is_current``), else None."""
    answer_at = rules.latest_answer_at(application)
    reviews = list(application.reviews.select_related("reviewer"))
    for review in reviews:
        review.before_answer = None if rules.review_is_current(review, answer_at) else answer_at
    return reviews


def own_review(*, application: MembershipApplication, reviewer) -> Review | None:
    """``reviewer``'s review of ``application`` (to fill the form that revises it), or None."""
    return rules.own_review(application, reviewer)


def possible_reviewers(*, application: MembershipApplication):
    """Who may be assigned to review ``application``: Reviewers and the Executive Committee, never
    someone with a conflict of interest in it (``rules.conflicts_of_interest``: its applicant …);
    by name. The assignment forms list them and the service accepts only them."""
    return (
        roles.possible_reviewers()
        .exclude(pk__in=list(rules.conflicts_of_interest(application)))
        .order_by("last_name", "first_name", "email", "pk")
    )


def applications_of(*, user) -> QuerySet[MembershipApplication]:
    return MembershipApplication.objects.filter(applicant=user).order_by("-updated_at")


def application_visible_to(user) -> QuerySet[MembershipApplication]:
    """The applications ``user`` may see: ``rules.may_view`` as a query (one query for the roles).

    Applicants see their own; the secretariat all; reviewers and the Executive Committee every
    application past the draft. Nobody else sees any, anonymous users and inactive accounts included.
    """
    applications = MembershipApplication.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return applications.none()
    if roles.is_secretariat(user):
        return applications
    visible = Q(applicant_id=user.pk)
    if roles.has_committee_role(user):
        visible |= ~Q(state=ApplicationState.DRAFT)
    return applications.filter(visible)


def _count_of(queryset, *, per: str = "application") -> Coalesce:
    """A correlated COUNT of ``queryset`` (filtered on ``OuterRef("pk")`` through ``per``), 0 for none."""
    counted = queryset.order_by().values(per).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def _progress_annotations() -> dict:
    """What the queue shows of each application's progress, as correlated subqueries (no row
    multiplication): reviewers assigned and reviews in; the open round's ballots, electorate
    (recusals aside) and deadline."""
    open_round = VoteRound.objects.filter(application=OuterRef("pk"), closed_at__isnull=True)
    return {
        "reviewers_assigned": _count_of(ReviewerAssignment.objects.filter(application=OuterRef("pk"))),
        "reviews_in": _count_of(Review.objects.filter(application=OuterRef("pk"))),
        "ballots_cast": _count_of(
            Ballot.objects.filter(round__application=OuterRef("pk"), round__closed_at__isnull=True),
            per="round__application",
        ),
        "voters_eligible": _count_of(
            Voter.objects.filter(
                round__application=OuterRef("pk"), round__closed_at__isnull=True, recused_at__isnull=True
            ),
            per="round__application",
        ),
        "vote_deadline": Subquery(open_round.values("deadline")[:1]),
    }


def committee_queue(
    *,
    state: str | None = None,
    region=None,
    waiting_days: int | None = None,
    assigned_to=None,
    now: datetime.datetime | None = None,
) -> QuerySet[MembershipApplication]:
    """Applications past the draft, oldest waiting first (one query, in the order of an index:
    ``state_changed_at``, then id), annotated with ``in_state_since`` and the progress of their
    review and vote (``_progress_annotations``).

    ``state`` empty means every open state; ``region`` includes its sub-regions;
    ``waiting_days`` keeps those in their current state for at least that many days;
    ``assigned_to`` keeps those a reviewer is assigned to.
    """
    now = now or timezone.now()
    qs = (
        MembershipApplication.objects.exclude(state=ApplicationState.DRAFT)
        .select_related("region", "applicant")
        .annotate(in_state_since=F("state_changed_at"), **_progress_annotations())
    )
    if assigned_to is not None:
        qs = qs.filter(assignments__reviewer=assigned_to)
    # The open states as a list, as the partial index ``application_waiting_idx`` names them.
    qs = qs.filter(state=state) if state else qs.filter(state__in=QUEUE_OPEN_STATES)
    if region is not None:
        qs = qs.filter(region_id__in=region_with_descendants_ids(region=region))
    if waiting_days:
        qs = qs.filter(state_changed_at__lte=now - datetime.timedelta(days=waiting_days))
    return qs.order_by("state_changed_at", "pk")


QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue: its applications, how many match in all, and the cursor of the next
    page (None on the last)."""

    applications: list[MembershipApplication]
    total: int
    next_cursor: str | None


def queue_cursor(application: MembershipApplication) -> str:
    """Where the page after ``application`` starts: its place in the queue's order, as text."""
    return f"{application.state_changed_at.astimezone(datetime.UTC):%Y%m%dT%H%M%S%f}.{application.pk}"


def parse_queue_cursor(text: str) -> tuple[datetime.datetime, int]:
    """``queue_cursor``'s text read back; ValueError when it is not one."""
    moment, _dot, pk = text.partition(".")
    when = datetime.datetime.strptime(moment, "%Y%m%dT%H%M%S%f").replace(tzinfo=datetime.UTC)
    if len(moment) != 21 or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        raise ValueError(text)
    return when, int(pk)


def committee_queue_page(*, after: str | None = None, size: int = QUEUE_PAGE_SIZE, **filters) -> QueuePage:
    """A page of ``committee_queue(**filters)`` after the cursor ``after`` (keyset: the rows past
    it in the queue's order), and the number of applications matching in all (two queries, at any
    depth and any size of the queue). ValueError when ``after`` is not a cursor."""
    queue = committee_queue(**filters)
    page = queue
    if after:
        when, pk = parse_queue_cursor(after)
        page = queue.filter(Q(state_changed_at__gt=when) | Q(state_changed_at=when, pk__gt=pk))
    rows = list(page[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return QueuePage(
        applications=rows,
        total=queue.count(),
        next_cursor=queue_cursor(rows[-1]) if more else None,
    )


@dataclass(frozen=True)
class Overview:
    """The secretariat's view of the whole workload."""

    oldest_waiting: MembershipApplication | None
    votes_closing_soon: list[VoteRound]
    failed_notifications: int


def secretariat_overview(
    *, now: datetime.datetime | None = None, soon: datetime.timedelta | None = None
) -> Overview:
    """The application waiting longest in its state, the open votes closing within ``soon`` (2 days),
    and how many e-mails failed for good (three queries)."""
    from notifications.models import Notification, NotificationState

    now = now or timezone.now()
    soon = soon or datetime.timedelta(days=2)
    return Overview(
        oldest_waiting=committee_queue(now=now).first(),
        votes_closing_soon=list(
            VoteRound.objects.filter(closed_at__isnull=True, deadline__lte=now + soon)
            .select_related("application")
            .order_by("deadline")
        ),
        failed_notifications=Notification.objects.filter(state=NotificationState.FAILED).count(),
    )


def state_counts() -> dict[str, int]:
    """Applications per state, past the draft (one query); every state present, zero or more."""
    counts = dict(
        MembershipApplication.objects.exclude(state=ApplicationState.DRAFT)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in QUEUE_STATES}


def open_round(*, application: MembershipApplication) -> VoteRound | None:
    return application.vote_rounds.filter(closed_at__isnull=True).first()


@dataclass
class RoundView:
    """A vote round as one person may see it."""

    round: VoteRound
    tally: rules.Tally | None  # None: hidden from this person for now
    ballots: list[Ballot]
    my_voter: Voter | None
    cast: int
    recusals: list[Voter] = field(default_factory=list)  # who left the electorate, and why (with the tally)

    @property
    def my_ballot(self) -> Ballot | None:
        return getattr(self.my_voter, "ballot", None) if self.my_voter else None

    @property
    def vote_rules(self) -> rules.VoteRules:
        return rules.VoteRules.from_json(self.round.vote_rules)

    @property
    def rules_words(self) -> list[str]:
        """The round's quorum, majority and base in words."""
        return rules.describe_rules(self.vote_rules)

    @property
    def explanation(self) -> rules.OutcomeExplanation | None:
        """How the outcome was reached, once the round is closed (and its tally may be seen)."""
        if self.round.is_open or self.tally is None:
            return None
        return rules.explain_outcome(self.tally, self.vote_rules)


def vote_rounds_for(*, application: MembershipApplication, user) -> list[RoundView]:
    """Every round of ``application``; the tally, named ballots and recusals only for whom may see
    them (``rules.may_read_round``)."""

    def visible(vote_round: VoteRound, voted: bool) -> bool:
        return rules.may_read_round(application, user, is_open=vote_round.is_open, voted=voted)

    return _round_views(application.vote_rounds.order_by("number"), user=user, visible=visible)


def motion_rounds_for(*, motion, user) -> list[RoundView]:
    """Every round of ``motion``, read as ``rules.may_read_motion_round`` allows."""

    def visible(vote_round: VoteRound, voted: bool) -> bool:
        return rules.may_read_motion_round(motion, user, is_open=vote_round.is_open, voted=voted)

    return _round_views(motion.vote_rounds.order_by("number"), user=user, visible=visible)


def _round_views(rounds, *, user, visible) -> list[RoundView]:
    from .votes import round_tally

    views = []
    for vote_round in rounds:
        my_voter = (
            Voter.objects.filter(round=vote_round, user_id=user.pk).select_related("ballot").first()
            if user.is_authenticated
            else None
        )
        shown = visible(vote_round, my_voter is not None and hasattr(my_voter, "ballot"))
        if vote_round.is_open:
            tally = round_tally(vote_round)
        else:
            tally = rules.Tally(
                eligible=vote_round.eligible_count,
                yes=vote_round.yes_count,
                no=vote_round.no_count,
                abstain=vote_round.abstain_count,
            )
        views.append(
            RoundView(
                round=vote_round,
                tally=tally if shown else None,
                ballots=_ballots(vote_round) if shown else [],
                my_voter=my_voter,
                cast=tally.cast,
                recusals=_recusals(vote_round) if shown else [],
            )
        )
    return views


def open_motions():
    """Motions proposed or in a vote, oldest first, with their union (one query)."""
    from .models import MOTION_OPEN_STATES, Motion

    return (
        Motion.objects.filter(state__in=MOTION_OPEN_STATES)
        .select_related("membership__organization", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def decided_motions(limit: int = 20):
    from .models import MOTION_OPEN_STATES, Motion

    return (
        Motion.objects.exclude(state__in=MOTION_OPEN_STATES)
        .select_related("membership__organization")
        .order_by("-decided_at", "-pk")[:limit]
    )


def _ballots(vote_round: VoteRound) -> list[Ballot]:
    return list(vote_round.ballots.select_related("voter__user").order_by("cast_at", "pk"))


def _recusals(vote_round: VoteRound) -> list[Voter]:
    return list(
        vote_round.voters.filter(recused_at__isnull=False).select_related("user").order_by("recused_at", "pk")
    )


def possible_duplicates_for(*, application: MembershipApplication, user) -> list | None:
    """The organizations of the registry that may be the union applying (``rules.possible_duplicates``),
    for whom may see them (``rules.may_see_duplicates``: the secretariat); None for everyone else."""
    if not rules.may_see_duplicates(application, user):
        return None
    return rules.possible_duplicates(application)


def members_from_country_of(*, application: MembershipApplication) -> list:
    """The members (not ended) from the applicant's country, other than the organization applying:
    what the committee weighs when the federation admits one national union per country."""
    from registry.selectors import members_in_country

    if application.is_final or not application.country:
        return []
    return members_in_country(
        country=application.country.code, exclude_organization_id=application.organization_id
    )


def available_actions(*, application: MembershipApplication, user) -> set[str]:
    """The actions ``user`` may take on ``application`` now: ``rules.allowed_actions``, the same
    table the services refuse from."""
    return rules.allowed_actions(application, user)


def waiting_on(*, user, applications) -> dict[int, str]:
    """For the queue: application id → what it waits for from ``user`` ("review" or "vote")."""
    ids = [a.pk for a in applications]
    waiting: dict[int, str] = {}
    if not ids or not user.is_authenticated:
        return waiting
    reviewed = set(
        MembershipApplication.objects.filter(pk__in=ids, reviews__reviewer=user).values_list("pk", flat=True)
    )
    for pk in MembershipApplication.objects.filter(
        pk__in=ids, state=ApplicationState.UNDER_REVIEW, assignments__reviewer=user
    ).values_list("pk", flat=True):
        if pk not in reviewed:
            waiting[pk] = "review"
    for pk in Voter.objects.filter(
        round__application_id__in=ids,
        round__closed_at__isnull=True,
        user=user,
        recused_at__isnull=True,
        ballot__isnull=True,
    ).values_list("round__application_id", flat=True):
        waiting[pk] = "vote"
    return waiting


def motions_visible_to(user):
    """The motions ``user`` may read: every one for the committee (secretariat, reviewers, voters),
    those on the unions they represent for a representative, none for anyone else."""
    from accounts import roles

    from .models import Motion

    motions = Motion.objects.select_related("membership__organization")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return motions.none()
    if roles.has_committee_role(user):
        return motions
    return motions.filter(
        membership__organization__representatives__user=user,
        membership__organization__representatives__removed_at__isnull=True,
    )
