"""Events that the workflow announces by e-mail, written as outbox rows by the services.

``emit`` runs inside the caller's transaction: it resolves the recipients of an event,
writes one ``Notification`` row per recipient (a unique idempotency key per event and
recipient, so the same event never writes twice) and enqueues delivery after commit.
If the transaction rolls back, no row exists and nothing is enqueued. Delivery itself
is in ``workflows.outbox``. The context stored on a row holds ids and plain strings only;
the e-mail is rendered from it at delivery.
"""

import datetime
import hashlib
import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from registry import roles

from .errors import ErrorCode, WorkflowError
from .events import Event
from .models import (
    FINAL_STATES,
    ApplicationState,
    MembershipApplication,
    Notification,
    NotificationState,
    Review,
    ReviewerAssignment,
    Voter,
    VoteRound,
)

__all__ = ["Event", "emit", "notification_cancel", "notification_retry", "portal_link"]

logger = logging.getLogger(__name__)
User = get_user_model()

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
        return self.user.get_full_name().strip() or self.user.email or self.user.get_username()


def _group_members(group: str) -> list:
    return list(User.objects.filter(is_active=True, groups__name=group).distinct().order_by("pk"))


def _secretariat() -> list[Recipient]:
    return [Recipient.of(u, SECRETARIAT) for u in _group_members(roles.SECRETARIAT)]


def _committee() -> list[Recipient]:
    return [Recipient.of(u, COMMITTEE) for u in _group_members(roles.EXECUTIVE_COMMITTEE)]


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
        "country_name": str(application.country.name or ""),
        "state": application.state,
        "state_label": str(application.get_state_display()),
    }


def _round_context(vote_round: VoteRound) -> dict[str, Any]:
    return {
        "round_id": vote_round.pk,
        "round_number": vote_round.number,
        "deadline": vote_round.deadline.isoformat(),
        "deadline_display": _when(vote_round.deadline),
        "category": vote_round.category,
        "category_label": str(vote_round.get_category_display()),
        "yes_count": vote_round.yes_count,
        "no_count": vote_round.no_count,
        "abstain_count": vote_round.abstain_count,
        "cast_count": vote_round.yes_count + vote_round.no_count + vote_round.abstain_count,
        "eligible_count": vote_round.eligible_count,
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


def _plan(event: Event, application, log, ctx: dict[str, Any]) -> Plan:
    vote_round: VoteRound | None = ctx.pop("round", None)
    context: dict[str, Any] = {}
    if vote_round is not None:
        context.update(_round_context(vote_round))

    if event == Event.SUBMITTED:
        return Plan(_log_discriminator(log, event), _applicant(application) + _secretariat(), context)
    if event == Event.INFO_REQUESTED:
        context["message"] = str(ctx.get("message") or _comment(log))
        return Plan(_log_discriminator(log, event), _applicant(application), context)
    if event == Event.RESUBMITTED:
        context["comment"] = _comment(log)
        return Plan(_log_discriminator(log, event), _secretariat(), context)
    if event == Event.REVIEWER_ASSIGNED:
        reviewer = ctx["reviewer"]
        assignment = ctx.get("assignment") or ReviewerAssignment.objects.get(
            application=application, reviewer=reviewer
        )
        return Plan(f"assignment{assignment.pk}", [Recipient.of(reviewer, REVIEWER)], context)
    if event == Event.REVIEW_COMPLETE:
        review = ctx.get("review") or Review.objects.filter(application=application).order_by("-pk").first()
        context["review_count"] = application.reviews.count()
        return Plan(f"review{review.pk if review else 0}", _secretariat(), context)
    if event == Event.VOTE_OPENED:
        voters = Voter.objects.filter(round=vote_round, user__is_active=True).select_related("user")
        return Plan(_log_discriminator(log, event), [Recipient.of(v.user, VOTER) for v in voters], context)
    if event == Event.VOTE_REMINDER:
        voters = (
            Voter.objects.filter(round=vote_round, user__is_active=True, recused_at__isnull=True)
            .filter(ballot__isnull=True)
            .select_related("user")
        )
        return Plan(f"round{vote_round.pk}", [Recipient.of(v.user, VOTER) for v in voters], context)
    if event in (Event.ADMITTED, Event.REJECTED):
        context["by_vote"] = vote_round is not None
        context["reason"] = str(ctx.get("reason") or ("" if vote_round else _comment(log)))
        return Plan(_log_discriminator(log, event), _applicant(application) + _committee(), context)
    if event in (Event.NO_QUORUM, Event.WITHDRAWN):
        context["comment"] = _comment(log) if event == Event.WITHDRAWN else ""
        return Plan(_log_discriminator(log, event), _secretariat(), context)
    if event == Event.DIGEST:
        context["day"] = ctx["day"]
        context["items"] = ctx["items"]
        context["total"] = ctx.get("total", len(ctx["items"]))
        context["days"] = ctx.get("days", settings.DIGEST_WAITING_DAYS)
        return Plan(f"day{ctx['day']}", _secretariat(), context)
    raise ValueError(f"Unknown event {event!r}")


def _template(event: Event, audience: str) -> str:
    """``<event>`` for the event's main reader; ``<event>_<audience>`` where a second one reads it."""
    if (event, audience) in {
        (Event.SUBMITTED, SECRETARIAT),
        (Event.ADMITTED, COMMITTEE),
        (Event.REJECTED, COMMITTEE),
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

    Resolve the recipients, build each row's key and context, insert the rows whose key is
    new (a second identical event writes nothing), enqueue each new row's delivery on commit.
    """
    event = Event(event)
    plan = _plan(event, application, log, dict(context))
    base = _application_context(application) if application is not None else {}
    base.update(plan.context)
    application_id = application.pk if application is not None else None

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
            application_id=application_id,
            idempotency_key=key,
        )
    if not rows:
        return []
    existing = set(
        Notification.objects.filter(idempotency_key__in=list(rows)).values_list("idempotency_key", flat=True)
    )
    new_keys = [key for key in rows if key not in existing]
    if not new_keys:
        return []
    Notification.objects.bulk_create([rows[key] for key in new_keys], ignore_conflicts=True)
    created = list(
        Notification.objects.filter(idempotency_key__in=new_keys, state=NotificationState.PENDING).order_by(
            "pk"
        )
    )
    enqueue_on_commit([n.pk for n in created])
    return created


def enqueue_on_commit(notification_ids: Iterable[int]) -> None:
    """Enqueue delivery of each row after the current transaction commits (ids only)."""
    from .tasks import deliver_notification  # the tasks module imports the services, which import us

    for pk in notification_ids:
        deliver_notification.delay_on_commit(notification_id=pk)


# --- periodic producers: the vote reminder and the daily digest ------------------------------------


def vote_reminders_send(*, now: datetime.datetime | None = None) -> list[Notification]:
    """Remind the members who have not voted (nor recused), once per round, ``VOTE_REMINDER_BEFORE``
    the deadline. A round opened inside that window is not reminded: its opening e-mail is recent.

    Each round in its own transaction; the idempotency key (round, voter) makes a second run a no-op.
    """
    now = now or timezone.now()
    before = settings.VOTE_REMINDER_BEFORE
    rounds = (
        VoteRound.objects.filter(closed_at__isnull=True, deadline__gt=now, deadline__lte=now + before)
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
            "state_label": str(a.get_state_display()),
            "days": (now - a.waiting_since).days,
            "link": portal_link(a.pk, audience=SECRETARIAT),
        }
        for a in waiting[:DIGEST_MAX_ITEMS]
    ]
    with transaction.atomic():
        return emit(
            Event.DIGEST, application=None, day=now.date().isoformat(), items=items, total=total, days=days
        )


# --- the secretariat's actions on the outbox (admin) --------------------------------------------------


def _require_outbox_admin(actor) -> None:
    if not (getattr(actor, "is_superuser", False) and actor.is_active) and not roles.is_secretariat(actor):
        raise WorkflowError(ErrorCode.FORBIDDEN, _("Only the secretariat may manage the outbox."))


@transaction.atomic
def notification_retry(*, notification: Notification, actor) -> Notification:
    """A failed, cancelled or waiting e-mail: send it now, with a fresh count of attempts.

    Check, lock, reset to pending (due now, attempts 0, the last error kept), enqueue on commit.
    """
    _require_outbox_admin(actor)
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.state not in (NotificationState.FAILED, NotificationState.CANCELLED, NotificationState.PENDING):
        raise WorkflowError(
            ErrorCode.NOT_ALLOWED,
            _("This e-mail is “%(state)s”: it cannot be sent again.") % {"state": locked.get_state_display()},
        )
    locked.state = NotificationState.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.claimed_at = None
    locked.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at"])
    enqueue_on_commit([locked.pk])
    logger.info("Notification %s queued again by %s", locked.pk, actor)
    return locked


@transaction.atomic
def notification_cancel(*, notification: Notification, actor) -> Notification:
    """Never send a pending or failed e-mail. Check, lock, mark cancelled."""
    _require_outbox_admin(actor)
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.state not in (NotificationState.PENDING, NotificationState.FAILED):
        raise WorkflowError(
            ErrorCode.NOT_ALLOWED,
            _("This e-mail is “%(state)s”: it cannot be cancelled.") % {"state": locked.get_state_display()},
        )
    locked.state = NotificationState.CANCELLED
    locked.next_attempt_at = None
    locked.save(update_fields=["state", "next_attempt_at"])
    logger.info("Notification %s cancelled by %s", locked.pk, actor)
    return locked
