"""The life of a member union after admission: its representatives, its directory profile, its
requests to change name, acronym or country, its yearly returns. Pages and the admin call only these.

Each action is one database transaction: lock the organization (so that two people acting for
the same union wait for each other), check ``rules.member_refusal`` (the one home of who may do
what, and when), change and save (the organization's change history records who), write the
outbox rows. A refused action raises ``WorkflowError`` (conflict and not_allowed are HTTP 409)
and changes nothing.
"""

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from accounts import roles
from accounts.language import language_of
from accounts.people import display_name
from notifications.models import Notification
from notifications.services import InLanguage, outbox_write
from registry import certificates, feed
from registry.models import (
    CHANGE_REQUEST_FIELDS,
    CURRENT_STATES,
    SOCIAL_LINKS_MAX,
    Certificate,
    ChangeRequest,
    ChangeRequestState,
    CountryRegion,
    Membership,
    MembershipState,
    Organization,
    Representative,
    RepresentativeInvitation,
    YearlyReturn,
    hash_token,
)
from registry.selectors import (
    active_representatives,
    current_membership,
    federation_year,
    invitation_by_token,
    return_due_on,
    today,
)
from registry.validators import validate_multi_line, validate_single_line

from . import rules
from .errors import ErrorCode, WorkflowError
from .events import MemberEvent
from .notifications import Recipient, change_requests_link, invitation_link, member_link, return_link

# What representatives edit in the directory entry, at once (a name, acronym or country: ChangeRequest).
PROFILE_FIELDS = ("website", "city", "email", "description", "social_links")
# An organization may have at most this many invitations waiting at once.
MAX_PENDING_INVITATIONS = 20

# --- helpers ----------------------------------------------------------------------------------------


def _lock(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _check(action: str, organization: Organization, actor, target=None) -> None:
    """Raise the refusal of ``rules.member_refusal``, if there is one."""
    refused = rules.member_refusal(action, organization, actor, target)
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))


def _invalid(field: str, message: str) -> WorkflowError:
    return WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details={field: [message]})


def _when(moment: datetime.datetime) -> str:
    moment = timezone.localtime(moment, datetime.UTC)
    return f"{formats.date_format(moment, 'j F Y, H:i')} UTC"


def member_notify(
    event: MemberEvent,
    *,
    recipients: list[Recipient],
    about,
    discriminator: str,
    context: dict[str, Any],
    template: str = "",
) -> list[Notification]:
    """One outbox row per recipient of ``event`` about the row ``about``, written in the caller's
    transaction (a unique key per event, row, discriminator and recipient: never twice). The e-mail's
    template is the event's, or ``template`` (one audience's version)."""
    subject_type = ContentType.objects.get_for_model(about)
    rows: dict[str, Notification] = {}
    for recipient in recipients:
        key = f"{event.value}:{subject_type.model}{about.pk}:{discriminator}:{recipient.key}"
        if len(key) > 255:
            key = f"{event.value}:{subject_type.model}{about.pk}:{discriminator}:h{hashlib.sha256(recipient.key.encode()).hexdigest()}"
        rows.setdefault(
            key,
            Notification(
                recipient=recipient.user,
                recipient_email=recipient.email,
                event=event.value,
                template=template or event.value,
                context={**context, "recipient_name": recipient.name, "audience": recipient.audience},
                subject_type=subject_type,
                subject_id=about.pk,
                idempotency_key=key,
            ),
        )
    return outbox_write(rows.values())


def _organization_context(organization: Organization) -> dict[str, Any]:
    return {
        "organization_id": organization.pk,
        "organization_name": organization.name,
        "acronym": organization.acronym,
        "link": member_link(organization.slug),
    }


def _representatives(organization: Organization) -> list[Recipient]:
    return [Recipient.of(r.user, "representative") for r in active_representatives(organization)]


# --- representatives and invitations --------------------------------------------------------------------


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        EmailValidator()(email)
    except ValidationError:
        raise _invalid("email", _("Enter a valid e-mail address.")) from None
    return email


@transaction.atomic
def invitation_send(*, organization: Organization, actor, email: str) -> tuple[RepresentativeInvitation, str]:
    """A representative invites someone by e-mail to represent the union too; return the invitation
    and its token (the link's secret, stored only hashed).

    Lock, check (``invite``), validate the address, refuse one that represents the union already or
    too many invitations waiting, revoke an earlier invitation to the same address, create (expiring
    after ``INVITATION_TTL_DAYS``), outbox (the invitation's e-mail to the address).
    """
    locked = _lock(organization)
    _check("invite", locked, actor)
    email = _clean_email(email)
    if active_representatives(locked).filter(user__email__iexact=email).exists():
        raise WorkflowError(
            ErrorCode.CONFLICT, _("The person with this address represents the union already.")
        )
    now = timezone.now()
    waiting = locked.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
    waiting.filter(email__iexact=email).update(revoked_at=now, revoked_by=actor)
    if waiting.count() >= MAX_PENDING_INVITATIONS:
        raise WorkflowError(
            ErrorCode.NOT_ALLOWED,
            _("%(n)d invitations are waiting already: revoke some first.") % {"n": MAX_PENDING_INVITATIONS},
        )
    return invitation_create(organization=locked, actor=actor, email=email, now=now)


def invitation_create(
    *, organization: Organization, actor, email: str, now: datetime.datetime
) -> tuple[RepresentativeInvitation, str]:
    """Create an invitation to a checked address and write its e-mail to the outbox (the part of
    ``invitation_send`` after its checks; an imported member's representatives are invited so too)."""
    locked = organization
    token = secrets.token_urlsafe(32)
    invitation = RepresentativeInvitation.objects.create(
        organization=locked,
        email=email,
        token_hash=hash_token(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    member_notify(
        MemberEvent.REPRESENTATIVE_INVITED,
        recipients=[Recipient(None, email, "invitee")],
        about=invitation,
        discriminator="sent",
        context={
            **_organization_context(locked),
            "inviter_name": display_name(actor),
            "link": invitation_link(token),
            "expires_display": InLanguage(_when, invitation.expires_at),
            # Someone without an account reads it in the inviting person's language (they work together).
            "language": language_of(actor),
        },
    )
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: RepresentativeInvitation, actor) -> RepresentativeInvitation:
    """A representative withdraws an invitation not yet accepted. Lock, check, mark revoked."""
    organization = _lock(invitation.organization)
    locked = RepresentativeInvitation.objects.select_for_update().get(pk=invitation.pk)
    _check("revoke_invitation", organization, actor, locked)
    locked.revoked_at, locked.revoked_by = timezone.now(), actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


@transaction.atomic
def invitation_accept(*, token: str, user) -> Representative:
    """The invited person, signed in with the invited address confirmed, becomes a representative.

    Find the invitation by its token's hash, lock the organization and the invitation, check
    (``rules.invitation_refusal``: used, revoked, expired, another address, membership ended,
    a representative already), add the representative, mark the invitation accepted.
    """
    found = invitation_by_token(token)
    if found is None:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This invitation link is not valid."))
    organization = _lock(found.organization)
    invitation = RepresentativeInvitation.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    if refused := rules.invitation_refusal(invitation, user, now=now):
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))
    representative = Representative.objects.create(
        organization=organization, user=user, added_by=invitation.invited_by, added_at=now
    )
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return representative


def _lock_representative(representative: Representative) -> tuple[Organization, Representative]:
    organization = _lock(representative.organization)
    return organization, Representative.objects.select_for_update().get(pk=representative.pk)


@transaction.atomic
def representative_remove(*, representative: Representative, actor) -> Representative:
    """A representative removes another, or themselves: never the last one, nor the primary contact.

    Lock, check (``remove_representative``), mark removed (the row stays: who represented when).
    """
    organization, target = _lock_representative(representative)
    _check("remove_representative", organization, actor, target)
    target.removed_at, target.removed_by = timezone.now(), actor
    target.save(update_fields=["removed_at", "removed_by"])
    return target


@transaction.atomic
def representative_make_primary(*, representative: Representative, actor) -> Representative:
    """A representative makes another (or themselves) the union's primary contact.

    Lock, check (``make_primary``), unset the current primary, set the new one.
    """
    organization, target = _lock_representative(representative)
    _check("make_primary", organization, actor, target)
    organization.representatives.filter(removed_at__isnull=True, is_primary=True).update(is_primary=False)
    target.is_primary = True
    target.save(update_fields=["is_primary"])
    return target


# --- the directory profile -------------------------------------------------------------------------------


def _clean_social_links(value: Any) -> list[str]:
    """One URL per entry (http or https), blanks dropped, at most ``SOCIAL_LINKS_MAX``."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _invalid("social_links", _("Give a list of links."))
    links = [v.strip() for v in value if v.strip()]
    if len(links) > SOCIAL_LINKS_MAX:
        raise _invalid("social_links", _("At most %(n)d links.") % {"n": SOCIAL_LINKS_MAX})
    for link in links:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise _invalid("social_links", _("“%(link)s” is not a web address.") % {"link": link}) from None
    return links


def _profile_errors(organization: Organization) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, validator in (("city", validate_single_line), ("description", validate_multi_line)):
        try:
            validator(getattr(organization, field))
        except ValidationError as exc:
            errors[field] = list(exc.messages)
    exclude = [f.name for f in Organization._meta.fields if f.name not in PROFILE_FIELDS]
    try:
        organization.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors[field] = [*errors.get(field, []), *messages]
    return errors


@transaction.atomic
def organization_profile_update(*, organization: Organization, actor, data: dict[str, Any]) -> Organization:
    """Representatives change the directory entry's website, city, public e-mail, description and
    social links at once.

    Lock, check (``edit_profile``), refuse other fields, validate, save the fields that changed
    (the organization's change history records who and why; partners see ``updated_at`` move).
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            details={field: [_("Unknown or read-only field.")] for field in unknown},
        )
    locked = _lock(organization)
    _check("edit_profile", locked, actor)
    values = {field: ("" if value is None else value) for field, value in data.items()}
    if "social_links" in values:
        values["social_links"] = _clean_social_links(values["social_links"] or [])
    for field in ("website", "city", "email", "description"):
        if field in values:
            values[field] = str(values[field]).strip()
    changed = [field for field, value in values.items() if getattr(locked, field) != value]
    for field in changed:
        setattr(locked, field, values[field])
    if errors := _profile_errors(locked):
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=errors)
    if changed:
        locked._history_user = actor
        locked._change_reason = "Profile updated by a representative"
        locked.save(update_fields=[*changed, "updated_at"])
        feed.publish(locked)
    return locked


# --- changes the secretariat approves: name, acronym, country -----------------------------------------------


def _clean_changes(organization: Organization, changes: dict[str, Any]) -> dict[str, str]:
    """The requested values that differ from the organization's, checked; ``invalid`` otherwise."""
    unknown = set(changes) - set(CHANGE_REQUEST_FIELDS)
    if unknown:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Only the name, acronym and country are changed by request."),
            details={field: [_("Unknown or read-only field.")] for field in unknown},
        )
    cleaned = {field: str(value or "").strip() for field, value in changes.items()}
    cleaned["country"] = cleaned.get("country", "").upper() or None
    errors: dict[str, list[str]] = {}
    limits = {"name": 200, "name_latin": 200, "acronym": 30}
    for field, limit in limits.items():
        try:
            validate_single_line(cleaned.get(field) or "")
        except ValidationError as exc:
            errors[field] = list(exc.messages)
        if len(cleaned.get(field) or "") > limit:
            errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("A union has a name.")]
    if cleaned["country"] is not None and cleaned["country"] not in dict(countries):
        errors["country"] = [_("Choose a country.")]
    if errors:
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=errors)
    current = _identity(organization)
    return {f: v for f, v in cleaned.items() if f in changes and v is not None and v != current[f]}


def _identity(organization: Organization) -> dict[str, str]:
    """The values a change request may change (``CHANGE_REQUEST_FIELDS``), as they are now."""
    return {
        "name": organization.name,
        "name_latin": organization.name_latin,
        "acronym": organization.acronym,
        "country": organization.country.code,
    }


def change_lines(change_request: ChangeRequest) -> list[dict[str, str]]:
    """Each requested change as {field (its label), old, new}: for e-mails and pages."""
    labels = {
        "name": gettext_lazy("Name"),
        "name_latin": gettext_lazy("Name in Latin script"),
        "acronym": gettext_lazy("Acronym"),
        "country": gettext_lazy("Country"),
    }
    return [
        {"field": labels[f], "old": str(change_request.previous.get(f, "")), "new": str(value)}
        for f, value in sorted(change_request.changes.items())
    ]


@transaction.atomic
def change_request_submit(
    *, organization: Organization, actor, changes: dict[str, Any], comment: str = ""
) -> ChangeRequest:
    """A representative asks to change the union's name, acronym or country.

    Lock, check (``request_change``: a representative, a membership not ended, no other request
    waiting), validate (something must change), create, outbox (the secretariat).
    """
    locked = _lock(organization)
    _check("request_change", locked, actor)
    cleaned = _clean_changes(locked, changes)
    if not cleaned:
        raise WorkflowError(
            ErrorCode.INVALID, _("Nothing would change: give a new name, acronym or country.")
        )
    comment = (comment or "").strip()
    if len(comment) > rules.COMMENT_MAX_LENGTH:
        raise _invalid("comment", _("At most %(n)d characters.") % {"n": rules.COMMENT_MAX_LENGTH})
    current = _identity(locked)
    try:
        with transaction.atomic():
            change_request = ChangeRequest.objects.create(
                organization=locked,
                changes=cleaned,
                previous={f: current[f] for f in cleaned},
                comment=comment,
                requested_by=actor,
            )
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("A change request of this union is waiting already.")
        ) from None
    member_notify(
        MemberEvent.CHANGE_REQUESTED,
        recipients=[Recipient.of(u, "secretariat") for u in roles.members_of(roles.SECRETARIAT)],
        about=change_request,
        discriminator="requested",
        context={
            **_organization_context(locked),
            "changes": change_lines(change_request),
            "comment": comment,
            "requested_by": display_name(actor),
            "link": change_requests_link(),
        },
    )
    return change_request


def _lock_change_request(change_request: ChangeRequest) -> tuple[Organization, ChangeRequest]:
    organization = _lock(change_request.organization)
    return organization, ChangeRequest.objects.select_for_update().get(pk=change_request.pk)


def _decide(change_request: ChangeRequest, state: str, *, actor, reason: str) -> None:
    change_request.state, change_request.reason = state, reason
    change_request.decided_by, change_request.decided_at = actor, timezone.now()
    change_request.save(update_fields=["state", "reason", "decided_by", "decided_at"])


def _tell_representatives(
    event: MemberEvent, organization: Organization, change_request: ChangeRequest
) -> None:
    member_notify(
        event,
        recipients=_representatives(organization),
        about=change_request,
        discriminator=change_request.state,
        context={
            **_organization_context(organization),
            "changes": change_lines(change_request),
            "reason": change_request.reason,
        },
    )


@transaction.atomic
def change_request_approve(*, change_request: ChangeRequest, actor, reason: str = "") -> ChangeRequest:
    """The secretariat approves: the organization takes the requested values.

    Lock, check (``decide_change_request``: the secretariat, a pending request, a membership not
    ended), apply (a new country brings its region), save with the change history, record the
    decision, outbox (the union's representatives).
    """
    organization, locked = _lock_change_request(change_request)
    _check("decide_change_request", organization, actor, locked)
    reason = (reason or "").strip()
    for field, value in locked.changes.items():
        setattr(organization, field, value)
    if "country" in locked.changes:
        region_id = CountryRegion.objects.filter(country=locked.changes["country"]).values_list(
            "region_id", flat=True
        )
        organization.region_id = region_id.first() or organization.region_id
    organization._history_user = actor
    organization._change_reason = f"Change request {locked.pk} approved"
    organization.save()
    _decide(locked, ChangeRequestState.APPROVED, actor=actor, reason=reason)
    _tell_representatives(MemberEvent.CHANGE_APPROVED, organization, locked)
    feed.publish(organization, decision={"type": "change_request", "id": locked.pk})
    return locked


@transaction.atomic
def change_request_decline(*, change_request: ChangeRequest, actor, reason: str) -> ChangeRequest:
    """The secretariat declines, with a reason for the union.

    Lock, check (``decide_change_request``), require the reason, record the decision, outbox (the
    union's representatives).
    """
    organization, locked = _lock_change_request(change_request)
    _check("decide_change_request", organization, actor, locked)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Please give the union a reason."))
    if len(reason) > rules.COMMENT_MAX_LENGTH:
        raise _invalid("reason", _("At most %(n)d characters.") % {"n": rules.COMMENT_MAX_LENGTH})
    _decide(locked, ChangeRequestState.DECLINED, actor=actor, reason=reason)
    _tell_representatives(MemberEvent.CHANGE_DECLINED, organization, locked)
    return locked


# --- yearly returns --------------------------------------------------------------------------------------

# What a return holds.
RETURN_PARTS = {"officers", "students_represented", "activities", "events"}


def _clean_return(data: Any) -> dict[str, Any]:
    """Officers (name, role, e-mail), students represented, activities and, if any, participation in
    federation events: the parts a return holds."""
    if not isinstance(data, dict) or set(data) - RETURN_PARTS:
        raise _invalid("data", _("A return holds officers, students represented, activities and events."))
    officers = data.get("officers") or []
    if not isinstance(officers, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) and o["name"].strip() for o in officers
    ):
        raise _invalid("officers", _("Each officer has a name."))
    students = data.get("students_represented")
    if students is not None and (not isinstance(students, int) or isinstance(students, bool) or students < 0):
        raise _invalid("students_represented", _("A whole number, 0 or more."))
    texts = {part: data.get(part) or "" for part in ("activities", "events")}
    for part, text in texts.items():
        if not isinstance(text, str) or len(text) > rules.COMMENT_MAX_LENGTH:
            raise _invalid(part, _("At most %(n)d characters.") % {"n": rules.COMMENT_MAX_LENGTH})
    return {
        "officers": [
            {"name": o["name"].strip(), "role": str(o.get("role") or ""), "email": str(o.get("email") or "")}
            for o in officers
        ],
        "students_represented": students,
        **{part: text.strip() for part, text in texts.items()},
    }


@transaction.atomic
def yearly_return_file(
    *, membership: Membership, actor, data: dict[str, Any], year: int | None = None
) -> YearlyReturn:
    """A representative files the union's return for a federation year (this one by default).

    Lock, check (``file_return``: a representative, a membership not ended), check the year (from
    the admission's year to this one), validate, create; a second return for the same year is
    refused (``conflict``). The students it counts become the organization's, unless a return for a
    later year was filed already.
    """
    organization = _lock(membership.organization)
    _check("file_return", organization, actor)
    if membership.state == MembershipState.ENDED:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This membership has ended."))
    this_year = federation_year(today())
    year = this_year if year is None else year
    if not federation_year(membership.admitted_on) <= year <= this_year:
        raise _invalid("year", _("A return is for a year of the membership, up to this one."))
    cleaned = _clean_return(data)
    try:
        with transaction.atomic():
            filed = YearlyReturn.objects.create(
                membership=membership, year=year, filed_at=timezone.now(), filed_by=actor, data=cleaned
            )
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT, _("The return for %(year)d is filed already.") % {"year": year}
        ) from None
    students = cleaned.get("students_represented")
    latest = not YearlyReturn.objects.filter(membership__organization=organization, year__gt=year).exists()
    if students is not None and latest and organization.students_represented != students:
        # The union's own latest count is what its directory page shows, not the application's.
        organization.students_represented = students
        organization.save(update_fields=["students_represented", "updated_at"])
    feed.publish(organization)  # a return due and now filed restores good standing
    return filed


# --- reminders of the yearly return (a daily task) ---------------------------------------------------------


def _reminder_event(membership: Membership, year: int, on: datetime.date) -> MemberEvent | None:
    """Which reminder ``membership`` is due on ``on`` for ``year``'s return not yet filed: one
    ``RETURN_REMINDER_DAYS_BEFORE`` days or fewer before the due date, one once the date has passed."""
    due_on = return_due_on(year, admitted_on=membership.admitted_on)
    if on > due_on:
        return MemberEvent.RETURN_OVERDUE
    if on >= due_on - datetime.timedelta(days=settings.RETURN_REMINDER_DAYS_BEFORE):
        return MemberEvent.RETURN_DUE_SOON
    return None


def _return_reminder_context(membership: Membership, year: int) -> dict[str, Any]:
    due_on = return_due_on(year, admitted_on=membership.admitted_on)
    return {
        **_organization_context(membership.organization),
        "link": return_link(membership.organization.slug),
        "year": year,
        "due_on": due_on.isoformat(),
        "due_display": formats.date_format(due_on, "j F Y"),
    }


def return_reminders_send(*, on: datetime.date | None = None) -> list[Notification]:
    """Remind the representatives of each current membership whose return for ``on``'s federation
    year is not filed: once before the due date, once after it (``_reminder_event``).

    Find the memberships and the reminders already written for the year (the events' rows: at most
    one of each kind per membership and year, whoever represents it by then); each reminder in its
    own transaction, outbox rows keyed by event, membership, year and recipient (a second run, or
    two at once, write nothing more).
    """
    on = on or today()
    year = federation_year(on)
    events = [MemberEvent.RETURN_DUE_SOON.value, MemberEvent.RETURN_OVERDUE.value]
    subject_type = ContentType.objects.get_for_model(Membership)
    sent = set(
        Notification.objects.filter(
            event__in=events, subject_type=subject_type, idempotency_key__contains=f":y{year}:"
        ).values_list("event", "subject_id")
    )
    representatives = Prefetch(
        "organization__representatives",
        queryset=Representative.objects.filter(removed_at__isnull=True).select_related("user"),
        to_attr="current_representatives",
    )
    memberships = (
        Membership.objects.filter(state__in=CURRENT_STATES, admitted_on__lte=on)
        .exclude(yearly_returns__year=year)
        .select_related("organization")
        .prefetch_related(representatives)
        .order_by("pk")
    )
    created: list[Notification] = []
    for membership in memberships:
        event = _reminder_event(membership, year, on)
        if event is None or (event.value, membership.pk) in sent:
            continue
        recipients = [
            Recipient.of(r.user, "representative") for r in membership.organization.current_representatives
        ]
        if not recipients:
            continue
        with transaction.atomic():
            created += member_notify(
                event,
                recipients=recipients,
                about=membership,
                discriminator=f"y{year}",
                context=_return_reminder_context(membership, year),
            )
    return created


def certificate_issue(*, organization: Organization, actor) -> Certificate:
    """A membership certificate for ``organization``, asked for by ``actor``.

    Check (``certificate``: a representative or the secretariat, the union still a member), then
    issue it (``registry.certificates.certificate_issue``: signed, recorded; the same one again the
    same day while nothing changed).
    """
    _check("certificate", organization, actor)
    return certificates.certificate_issue(membership=current_membership(organization), actor=actor)
