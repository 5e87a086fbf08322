"""Events that the workflow announces by e-mail: who is told of what (``PLANS``).

``emit`` runs inside the caller's transaction: it resolves the recipients of an event and
hands one outbox row per recipient to ``notifications.services.outbox_write`` (a unique
idempotency key per event and recipient, so the same event never writes twice; delivery
enqueued after commit). If the transaction rolls back, no row exists and nothing is
enqueued. Delivery itself is the ``notifications`` app's. The context stored on a row holds ids and plain strings only;
the e-mail is rendered from it at delivery.
"""

import datetime
import hashlib
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django_countries import countries
from django_fsm_log.models import StateLog

from accounts import roles
from accounts.people import display_name
from notifications.models import Notification
from notifications.services import InLanguage, outbox_write

from . import rules
from .events import Event
from .models import (
    FINAL_STATES,
    ApplicationState,
    MembershipApplication,
    Review,
    ReviewerAssignment,
    VoteMode,
    Voter,
    VoteRound,
)

__all__ = [
    "Event",
    "change_requests_link",
    "emit",
    "invitation_link",
    "member_link",
    "portal_link",
    "return_link",
]


# Audiences: who reads an e-mail decides its template (``<event>`` or ``<event>_<audience>``).
APPLICANT = "applicant"
SECRETARIAT = "secretariat"
COMMITTEE = "committee"
REVIEWER = "reviewer"
VOTER = "voter"


# --- links ---------------------------------------------------------------------------------------


def portal_link(application_id: int | None, *, audience: str = APPLICANT) -> str:
    """The absolute link to an application for ``audience``. The one place the portal's paths live."""
    if application_id is None:
        return f"{settings.SITE_URL}/"
    if audience == APPLICANT:
        return f"{settings.SITE_URL}/applications/{application_id}/"
    return f"{settings.SITE_URL}/committee/applications/{application_id}/"


def member_link(organization_slug: str) -> str:
    """A union's page in the member area."""
    return f"{settings.SITE_URL}/member/{organization_slug}/"


def return_link(organization_slug: str) -> str:
    """A union's yearly return page in the member area."""
    return f"{settings.SITE_URL}/member/{organization_slug}/return/"


def invitation_link(token: str) -> str:
    """The page where an invitation to represent a union is accepted."""
    return f"{settings.SITE_URL}/invitations/{token}/"


def motion_link(motion_id: int) -> str:
    """A motion on a member, as the committee reads and votes on it."""
    return f"{settings.SITE_URL}/committee/motions/{motion_id}/"


def change_requests_link() -> str:
    """The secretariat's list of change requests."""
    return f"{settings.SITE_URL}/committee/change-requests/"


# --- recipients ----------------------------------------------------------------------------------


class Recipient(NamedTuple):
    user: Any  # a User, or None for an address without an account
    email: str
    audience: str

    @classmethod
    def of(cls, user, audience: str) -> "Recipient":
        return cls(user, (user.email or "").strip(), audience)

    @property
    def key(self) -> str:
        return f"u{self.user.pk}" if self.user is not None else self.email.lower()

    @property
    def name(self) -> str:
        if self.user is None:
            return self.email
        return display_name(self.user)


# Recipients are read with their chosen language (``select_related("preferences")``): the outbox
# writes each e-mail in it without a query of its own (``notifications.services.localize_rows``).


def _secretariat() -> list[Recipient]:
    users = roles.members_of(roles.SECRETARIAT).select_related("preferences")
    return [Recipient.of(u, SECRETARIAT) for u in users]


def _committee() -> list[Recipient]:
    return [Recipient.of(u, COMMITTEE) for u in roles.committee_members().select_related("preferences")]


def _applicant(application: MembershipApplication) -> list[Recipient]:
    return [Recipient.of(application.applicant, APPLICANT)]


# --- context: ids and plain strings ------------------------------------------------------------------


def _when(moment: datetime.datetime) -> str:
    """A date and time a reader anywhere understands: '12 December 2026, 18:00 UTC'."""
    moment = timezone.localtime(moment, datetime.UTC)
    return f"{formats.date_format(moment, 'j F Y, H:i')} UTC"


def _application_context(application: MembershipApplication) -> dict[str, Any]:
    return {
        "application_id": application.pk,
        "application_name": application.name,
        "acronym": application.acronym,
        "country_code": application.country.code or "",
        "country_name": InLanguage(_country_name, application.country.code or ""),
        "state": application.state,
        "state_label": InLanguage(application.get_state_display),
    }


def _country_name(code: str) -> str:
    return str(countries.name(code)) if code else ""


def _explanation(vote_round: VoteRound) -> list[str]:
    """How a closed round's outcome was reached (``rules.explain_outcome``), in the active
    language (the reader's: ``InLanguage``); nothing while the round is open."""
    if vote_round.is_open:
        return []
    tally = rules.Tally(
        eligible=vote_round.eligible_count,
        yes=vote_round.yes_count,
        no=vote_round.no_count,
        abstain=vote_round.abstain_count,
    )
    return [
        str(line)
        for line in rules.explain_outcome(tally, rules.VoteRules.from_json(vote_round.vote_rules)).lines
    ]


def _round_context(vote_round: VoteRound) -> dict[str, Any]:
    return {
        "round_id": vote_round.pk,
        "round_number": vote_round.number,
        "deadline": vote_round.deadline.isoformat(),
        "deadline_display": InLanguage(_when, vote_round.deadline),
        "category": vote_round.category,
        "category_label": InLanguage(vote_round.get_category_display),
        "yes_count": vote_round.yes_count,
        "no_count": vote_round.no_count,
        "abstain_count": vote_round.abstain_count,
        "cast_count": vote_round.yes_count + vote_round.no_count + vote_round.abstain_count,
        "eligible_count": vote_round.eligible_count,
        "explanation": InLanguage(_explanation, vote_round),
    }


# --- events: recipients, discriminator and context ---------------------------------------------------


class Plan(NamedTuple):
    """What one event writes: a discriminator for the key, the recipients, the shared context."""

    discriminator: str
    recipients: list[Recipient]
    context: dict[str, Any]


def _log_discriminator(log: StateLog | None, event: Event) -> str:
    if log is None:
        raise ValueError(f"The event {event} needs the transition's log row (log=…).")
    return f"log{log.pk}"


def _comment(log: StateLog | None) -> str:
    return ((log.description if log is not None else "") or "").strip()


def _submitted(application, log, ctx, context) -> Plan:
    return Plan(_log_discriminator(log, Event.SUBMITTED), _applicant(application) + _secretariat(), context)


def _info_requested(application, log, ctx, context) -> Plan:
    context["message"] = str(ctx.get("message") or _comment(log))
    return Plan(_log_discriminator(log, Event.INFO_REQUESTED), _applicant(application), context)


def _resubmitted(application, log, ctx, context) -> Plan:
    """The secretariat, to screen the answer; the applicant, a receipt."""
    context["comment"] = _comment(log)
    return Plan(_log_discriminator(log, Event.RESUBMITTED), _applicant(application) + _secretariat(), context)


def _reviewer_assigned(application, log, ctx, context) -> Plan:
    reviewer = ctx["reviewer"]
    assignment = ctx.get("assignment") or ReviewerAssignment.objects.get(
        application=application, reviewer=reviewer
    )
    return Plan(f"assignment{assignment.pk}", [Recipient.of(reviewer, REVIEWER)], context)


def _review_to_confirm(application, log, ctx, context) -> Plan:
    """The reviewers whose review predates the applicant's answer: read it, then confirm or revise."""
    to_confirm = rules.reviewers_to_confirm(application)
    reviews = (
        Review.objects.filter(application=application, reviewer_id__in=to_confirm, reviewer__is_active=True)
        .select_related("reviewer__preferences")
        .order_by("pk")
        if to_confirm
        else []
    )
    context["answer_display"] = InLanguage(_when, log.timestamp)
    context["comment"] = _comment(log)
    return Plan(
        _log_discriminator(log, Event.REVIEW_TO_CONFIRM),
        [Recipient.of(review.reviewer, REVIEWER) for review in reviews],
        context,
    )


def _review_complete(application, log, ctx, context) -> Plan:
    """Every assigned review is in: once when the last is written, and once more per answer of the
    applicant when the last review written before it is confirmed or revised (``after_answer``)."""
    review = ctx.get("review") or Review.objects.filter(application=application).order_by("-pk").first()
    context["review_count"] = application.reviews.count()
    context["after_answer"] = bool(ctx.get("after_answer"))
    discriminator = f"review{review.pk if review else 0}"
    if context["after_answer"]:
        discriminator = f"answer{rules.latest_answer_at(application).isoformat()}"
    return Plan(discriminator, _secretariat(), context)


def _review_started(application, log, ctx, context) -> Plan:
    return Plan(_log_discriminator(log, Event.REVIEW_STARTED), _applicant(application), context)


def _vote_opened(application, log, ctx, context) -> Plan:
    """Each eligible voter, to vote (an online round only: in the room nobody votes by e-mail); the
    applicant (first: they read their own case only as its applicant), that the committee is voting."""
    voters = Voter.objects.filter(
        round=ctx["round"], user__is_active=True, recused_at__isnull=True
    ).select_related("user__preferences")
    if ctx["round"].mode != VoteMode.ONLINE:
        voters = voters.none()
    return Plan(
        _log_discriminator(log, Event.VOTE_OPENED),
        _applicant(application) + [Recipient.of(v.user, VOTER) for v in voters],
        context,
    )


def _vote_reminder(application, log, ctx, context) -> Plan:
    vote_round = ctx["round"]
    voters = (
        Voter.objects.filter(round=vote_round, user__is_active=True, recused_at__isnull=True)
        .filter(ballot__isnull=True)
        .select_related("user")
    )
    return Plan(f"round{vote_round.pk}", [Recipient.of(v.user, VOTER) for v in voters], context)


def _decided(event: Event, *, secretariat: bool = False):
    """The applicant and the committee; with ``secretariat``, the secretariat too."""

    def plan(application, log, ctx, context) -> Plan:
        vote_round = ctx.get("round")
        context["by_vote"] = vote_round is not None
        context["reason"] = str(ctx.get("reason") or ("" if vote_round else _comment(log)))
        context["closed_because"] = str(ctx.get("closed_because") or "")
        recipients = _applicant(application) + _committee() + (_secretariat() if secretariat else [])
        return Plan(_log_discriminator(log, event), recipients, context)

    return plan


def _to_secretariat(event: Event, *, with_comment: bool):
    def plan(application, log, ctx, context) -> Plan:
        context["comment"] = _comment(log) if with_comment else ""
        context["closed_because"] = str(ctx.get("closed_because") or "")
        return Plan(_log_discriminator(log, event), _secretariat(), context)

    return plan


def _vote_closed(application, log, ctx, context) -> Plan:
    """A round that closed by itself (every eligible member voted, or the deadline): the
    secretariat, with the outcome."""
    vote_round = ctx["round"]
    context["outcome"] = vote_round.outcome
    context["outcome_label"] = InLanguage(vote_round.get_outcome_display)
    context["closed_because"] = str(ctx.get("closed_because") or "")
    return Plan(_log_discriminator(log, Event.VOTE_CLOSED), _secretariat(), context)


def _withdrawn(application, log, ctx, context) -> Plan:
    """The secretariat, that nothing more is to be done; the applicant, a confirmation."""
    context["comment"] = _comment(log)
    return Plan(_log_discriminator(log, Event.WITHDRAWN), _applicant(application) + _secretariat(), context)


def _digest(application, log, ctx, context) -> Plan:
    context["day"] = ctx["day"]
    context["items"] = ctx["items"]
    context["total"] = ctx.get("total", len(ctx["items"]))
    context["days"] = ctx.get("days", settings.DIGEST_WAITING_DAYS)
    return Plan(f"day{ctx['day']}", _secretariat(), context)


# Event → who is told, with what: each entry takes (application, log row, the caller's context,
# the shared context so far) and returns the event's Plan.
PLANS = {
    Event.SUBMITTED: _submitted,
    Event.INFO_REQUESTED: _info_requested,
    Event.RESUBMITTED: _resubmitted,
    Event.REVIEWER_ASSIGNED: _reviewer_assigned,
    Event.REVIEW_STARTED: _review_started,
    Event.REVIEW_TO_CONFIRM: _review_to_confirm,
    Event.REVIEW_COMPLETE: _review_complete,
    Event.VOTE_OPENED: _vote_opened,
    Event.VOTE_REMINDER: _vote_reminder,
    Event.VOTE_CLOSED: _vote_closed,
    Event.ADMITTED: _decided(Event.ADMITTED, secretariat=True),
    Event.REJECTED: _decided(Event.REJECTED),
    Event.NO_QUORUM: _to_secretariat(Event.NO_QUORUM, with_comment=False),
    Event.WITHDRAWN: _withdrawn,
    Event.DIGEST: _digest,
}


def _event_plan(event: Event, application, log, ctx: dict[str, Any]) -> Plan:
    if event not in PLANS:
        raise ValueError(f"Unknown event {event!r}")
    vote_round: VoteRound | None = ctx.get("round")
    context: dict[str, Any] = _round_context(vote_round) if vote_round is not None else {}
    return PLANS[event](application, log, ctx, context)


def _template(event: Event, audience: str) -> str:
    """``<event>`` for the event's main reader; ``<event>_<audience>`` where a second one reads it."""
    if (event, audience) in {
        (Event.SUBMITTED, SECRETARIAT),
        (Event.RESUBMITTED, APPLICANT),
        (Event.VOTE_OPENED, APPLICANT),
        (Event.ADMITTED, COMMITTEE),
        (Event.ADMITTED, SECRETARIAT),
        (Event.REJECTED, COMMITTEE),
        (Event.WITHDRAWN, APPLICANT),
    }:
        return f"{event.value}_{audience}"
    return event.value


def idempotency_key(event: Event, application_id: int | None, discriminator: str, recipient_key: str) -> str:
    key = f"{event.value}:a{application_id or '-'}:{discriminator}:{recipient_key}"
    if len(key) > 255:  # a very long address: keep the key unique and short
        key = f"{event.value}:a{application_id or '-'}:{discriminator}:h{hashlib.sha256(recipient_key.encode()).hexdigest()}"
    return key


def emit(event: Event, *, application, log=None, **context) -> list[Notification]:
    """Write the outbox rows of ``event`` in the caller's transaction; return the new ones.

    Resolve the recipients (``PLANS``), build each row's key and context, hand the rows to
    the outbox (``outbox_write``: new keys only, delivery enqueued on commit).
    """
    event = Event(event)
    plan = _event_plan(event, application, log, dict(context))
    base = _application_context(application) if application is not None else {}
    base.update(plan.context)
    application_id = application.pk if application is not None else None
    subject_type = (
        ContentType.objects.get_for_model(MembershipApplication) if application is not None else None
    )

    rows: dict[str, Notification] = {}
    for recipient in plan.recipients:
        key = idempotency_key(event, application_id, plan.discriminator, recipient.key)
        if key in rows:  # one person, one e-mail per event (e.g. an applicant on the committee)
            continue
        row_context = {
            **base,
            "recipient_name": recipient.name,
            "audience": recipient.audience,
            "link": portal_link(application_id, audience=recipient.audience),
        }
        rows[key] = Notification(
            recipient=recipient.user,
            recipient_email=recipient.email,
            event=event.value,
            template=_template(event, recipient.audience),
            context=row_context,
            subject_type=subject_type,
            subject_id=application_id,
            idempotency_key=key,
        )
    return outbox_write(rows.values())


# --- periodic producers: the vote reminder and the daily digest ------------------------------------


def vote_reminders_send(*, now: datetime.datetime | None = None) -> list[Notification]:
    """Remind the members who have not voted (nor recused) in an online round, once per round,
    ``VOTE_REMINDER_BEFORE`` the deadline. A round opened inside that window is not reminded: its
    opening e-mail is recent.

    Each round in its own transaction; the idempotency key (round, voter) makes a second run a no-op.
    """
    now = now or timezone.now()
    before = settings.VOTE_REMINDER_BEFORE
    rounds = (
        VoteRound.objects.filter(
            closed_at__isnull=True, mode=VoteMode.ONLINE, deadline__gt=now, deadline__lte=now + before
        )
        .annotate(window_opens=ExpressionWrapper(F("deadline") - Value(before), output_field=DateTimeField()))
        .filter(opened_at__lt=F("window_opens"))
        .select_related("application", "application__applicant")
        .order_by("deadline", "pk")
    )
    created: list[Notification] = []
    for vote_round in rounds:
        prefix = f"{Event.VOTE_REMINDER.value}:a{vote_round.application_id}:round{vote_round.pk}:"
        if Notification.objects.filter(idempotency_key__startswith=prefix).exists():
            continue  # this round was reminded already
        with transaction.atomic():
            created += emit(Event.VOTE_REMINDER, application=vote_round.application, round=vote_round)
    return created


def waiting_applications(*, now: datetime.datetime | None = None, days: int | None = None):
    """Open, submitted applications unchanged for more than ``days``, longest waiting first."""
    now = now or timezone.now()
    days = settings.DIGEST_WAITING_DAYS if days is None else days
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    last_change = (
        StateLog.objects.filter(content_type=content_type, object_id=OuterRef("pk"))
        .order_by("-timestamp", "-pk")
        .values("timestamp")[:1]
    )
    return (
        MembershipApplication.objects.exclude(state__in=[*FINAL_STATES, ApplicationState.DRAFT])
        .annotate(waiting_since=Coalesce(Subquery(last_change), F("submitted_at"), F("updated_at")))
        .filter(waiting_since__lt=now - datetime.timedelta(days=days))
        .order_by("waiting_since", "pk")
    )


DIGEST_MAX_ITEMS = 100


def digest_send(*, now: datetime.datetime | None = None) -> list[Notification]:
    """The secretariat's daily list of applications waiting too long; at most one per day."""
    now = now or timezone.now()
    days = settings.DIGEST_WAITING_DAYS
    waiting = list(waiting_applications(now=now, days=days)[: DIGEST_MAX_ITEMS + 1])
    if not waiting:
        return []
    total = (
        waiting_applications(now=now, days=days).count() if len(waiting) > DIGEST_MAX_ITEMS else len(waiting)
    )
    items = [
        {
            "id": a.pk,
            "name": a.name,
            "country_code": a.country.code or "",
            "state_label": InLanguage(a.get_state_display),
            "days": (now - a.waiting_since).days,
            "link": portal_link(a.pk, audience=SECRETARIAT),
        }
        for a in waiting[:DIGEST_MAX_ITEMS]
    ]
    with transaction.atomic():
        return emit(
            Event.DIGEST, application=None, day=now.date().isoformat(), items=items, total=total, days=days
        )
