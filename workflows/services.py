"""The workflow's actions. Views, the API, the admin and tasks call only these.

Each action is one database transaction: lock the application, check the
caller's view of it is current, check permission and guards, change state,
save, write the dependent rows (log, reviews, rounds, registry, outbox) and
register on-commit work. A refused action raises ``WorkflowError`` and changes
nothing.
"""

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed
from django_fsm_log.models import StateLog

from dues import services as dues_services
from registry import feed
from registry.models import CountryRegion, Membership, MembershipCategory, MembershipState, Organization
from registry.selectors import members_in_country
from registry.services import representative_add_first
from registry.validators import (
    validate_founding_year,
    validate_multi_line,
    validate_single_line,
    validate_students_count,
)

from . import rules, selectors, votes
from .documents import clean_original_name, clean_upload
from .errors import ErrorCode, WorkflowError
from .models import (
    ApplicationDocument,
    ApplicationState,
    Ballot,
    ContactPerson,
    MembershipApplication,
    Recommendation,
    Review,
    ReviewerAssignment,
    VoteMode,
    VoteOutcome,
    Voter,
    VoteRound,
)
from .notifications import Event, emit
from .votes import round_tally as round_tally  # the tally of a round, for the services' callers

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "name_latin",
        "acronym",
        "country",
        "region",
        "city",
        "website",
        "email",
        "founded_year",
        "students_represented",
        "kind",
        "motivation",
    }
)
CONTACT_FIELDS = ("name", "role", "email", "phone")

logger = logging.getLogger(__name__)

# --- helpers ----------------------------------------------------------------------------


def _lock(application: MembershipApplication, *, expected_state: str | None = None) -> MembershipApplication:
    """Lock the application's row; refuse (``conflict``) a caller who saw another state than it has now.

    ``expected_state`` is the state the caller's page or request showed; None skips the check.
    The applicant comes with the row, and their chosen language (not locked): most actions tell them.
    """
    try:
        locked = (
            MembershipApplication.objects.select_related("applicant__preferences")
            .select_for_update(of=("self",))
            .get(pk=application.pk)
        )
    except MembershipApplication.DoesNotExist:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("This application no longer exists.")) from None
    if expected_state is not None and locked.state != expected_state:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("Someone else changed this application meanwhile: it is now “%(state)s”.")
            % {"state": locked.get_state_display()},
            details={"state": locked.state},
        )
    return locked


def _check(action: str, application: MembershipApplication, actor) -> None:
    """Raise the refusal of ``rules.refusal`` (state, role, done already), if there is one."""
    refused = rules.refusal(action, application, actor)
    if refused is not None:
        raise WorkflowError(refused.code, str(refused.message), details=dict(refused.details))


def _check_comment(comment: str | None, *, field: str = "comment") -> None:
    if len(comment or "") > rules.COMMENT_MAX_LENGTH:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Please shorten the text: at most %(limit)d characters.") % {"limit": rules.COMMENT_MAX_LENGTH},
            details={field: [_("At most %(limit)d characters.") % {"limit": rules.COMMENT_MAX_LENGTH}]},
        )


def _guard_details(application: MembershipApplication, guard) -> dict[str, Any]:
    if guard is rules.content_complete:
        return {"missing_fields": rules.missing_fields(application)}
    if guard is rules.required_documents_present:
        return {"missing_documents": rules.missing_document_kinds(application)}
    if guard is rules.enough_reviewers_assigned:
        from django.conf import settings

        return {"assigned": application.assignments.count(), "required": settings.WORKFLOW_REQUIRED_REVIEWERS}
    if guard is rules.comment_given:
        return {"comment": [_("This field is required.")]}
    if guard is rules.duplicates_resolved:
        return {"possible_duplicates": _organization_rows(rules.possible_duplicates(application))}
    return {}


def _guard_message(guard, details: dict[str, Any]) -> str:
    if guard is rules.duplicates_resolved:
        names = "”, “".join(row["name"] for row in details["possible_duplicates"])
        return str(guard.error_message) % {"organizations": names}
    return str(guard.error_message)


def _organization_rows(organizations: Iterable[Organization]) -> list[dict[str, Any]]:
    return [{"id": o.pk, "name": o.name, "slug": o.slug, "is_member": o.is_member} for o in organizations]


def _latest_log(application: MembershipApplication) -> StateLog:
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    return StateLog.objects.filter(content_type=content_type, object_id=application.pk).latest("pk")


def _refuse_by_guard(application: MembershipApplication, meta) -> None:
    """Raise the refusal of the first guard of the transition that fails, if one does."""
    for guard in meta.get_transition(application.state).conditions:
        if not guard(application):
            refused = rules.guard_refusal(guard, application)
            details = {**_guard_details(application, guard), **refused.details}
            message = str(refused.message) if hasattr(guard, "explain") else _guard_message(guard, details)
            raise WorkflowError(refused.code, message, details=details)


# What a transition of an application writes besides ``stamp``: its state, the moment it entered
# it, and ``updated_at`` (``auto_now``, written only when named).
TRANSITION_FIELDS = ("state", "state_changed_at", "updated_at")


def _transition(
    application: MembershipApplication,
    name: str,
    *,
    actor,
    comment: str = "",
    system: bool = False,
    args: tuple = (),
    stamp: Iterable[str] = (),
) -> StateLog:
    """Check and run the transition ``name`` on a locked application, save it (with the moment it
    entered its new state, the queue's order, and the fields of ``stamp`` still empty set to the
    log row's time), return its log row.

    The guards run once, in django-fsm's transition; only when it refuses are they asked again,
    to name the one that fails. The log row is the one django-fsm-log has just written
    (``models.keep_transition_log``), not read back. The save writes only what a transition
    changes (``TRANSITION_FIELDS`` and ``stamp``): the rest of the row is as the lock read it."""
    method = getattr(application, name)
    meta = method._django_fsm
    if system:  # the deadline closes a round: the state must allow it; nobody's permission is asked
        if not can_proceed(method, check_conditions=False):
            _check(name, application, None)
    else:
        _check(name, application, actor)
    _check_comment(comment)
    application.transition_comment = comment or ""
    application.transition_log = None
    try:
        method(*args, by=actor, description=comment or None)
    except TransitionNotAllowed:
        _refuse_by_guard(application, meta)
        raise
    log = application.transition_log or _latest_log(application)
    application.state_changed_at = timezone.now()
    for field in stamp:
        if getattr(application, field) is None:
            setattr(application, field, log.timestamp)
    application.save(update_fields=[*TRANSITION_FIELDS, *stamp])
    return log


# What people type: one-line fields take no control or text-direction characters, free text
# no control characters but line breaks and tabs; numbers the registry can hold on any database
# (registry.validators).
FIELD_VALIDATORS = {
    MembershipApplication: {
        "name": validate_single_line,
        "name_latin": validate_single_line,
        "acronym": validate_single_line,
        "city": validate_single_line,
        "motivation": validate_multi_line,
        "founded_year": validate_founding_year,
        "students_represented": validate_students_count,
    },
    ContactPerson: {
        "name": validate_single_line,
        "role": validate_single_line,
        "phone": validate_single_line,
    },
}


def _field_errors(instance, *, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """The model's own validation (``full_clean``) and ``FIELD_VALIDATORS``, as messages per field."""
    errors: dict[str, list[str]] = {}
    for field, validator in FIELD_VALIDATORS.get(type(instance), {}).items():
        try:
            validator(getattr(instance, field))
        except ValidationError as exc:
            errors[field] = list(exc.messages)
    try:
        instance.full_clean(exclude=[*exclude, "state"] if hasattr(instance, "state") else list(exclude))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors[field] = [*errors.get(field, []), *messages]
    return errors


def _validate(instance, *, exclude: Iterable[str] = ()) -> None:
    errors = _field_errors(instance, exclude=exclude)
    if errors:
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=errors)


def _apply_fields(application: MembershipApplication, data: dict[str, Any]) -> None:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            details={field: [_("Unknown or read-only field.")] for field in unknown},
        )
    nullable = {"region", "founded_year", "students_represented"}
    for field, value in data.items():
        setattr(application, field, "" if value is None and field not in nullable else value)
    if "country" in data and "region" not in data and application.country:
        application.region_id = (
            CountryRegion.objects.filter(country=application.country)
            .values_list("region_id", flat=True)
            .first()
        )


def _save_contacts(application: MembershipApplication, contacts: list[dict[str, Any]]) -> None:
    rows = []
    errors: dict[str, Any] = {}
    for index, data in enumerate(contacts):
        contact = ContactPerson(application=application, **{k: data.get(k) or "" for k in CONTACT_FIELDS})
        if contact_errors := _field_errors(contact, exclude=["application"]):
            errors[f"contacts.{index}"] = contact_errors
        rows.append(contact)
    if errors:
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the contact persons."), details=errors)
    application.contacts.all().delete()
    ContactPerson.objects.bulk_create(rows)


# --- drafting ---------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *, applicant, data: dict[str, Any], contacts: list[dict[str, Any]] | None = None
) -> MembershipApplication:
    """Start a draft for ``applicant``.

    Validate, default the region from the country, save, save the contacts.
    """
    if not getattr(applicant, "is_authenticated", False):
        raise WorkflowError(ErrorCode.FORBIDDEN, _("Please log in to apply."))
    application = MembershipApplication(applicant=applicant)
    _apply_fields(application, data)
    _validate(application, exclude=["applicant", "organization", "membership"])
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("An open application for this organization name and country already exists."),
            details={"name": [_("An open application with this name and country exists.")]},
        ) from None
    if contacts:
        _save_contacts(application, contacts)
    return application


@transaction.atomic
def application_update(
    *,
    application: MembershipApplication,
    actor,
    data: dict[str, Any],
    contacts: list[dict[str, Any]] | None = None,
    expected_state: str | None = None,
) -> MembershipApplication:
    """Change a draft (or an application the secretariat asked information about).

    Lock, check applicant and editable state, validate (a new name, acronym or country undoes the
    secretariat's "not a duplicate"), save, replace the contacts if given.
    """
    locked = _lock(application, expected_state=expected_state)
    _check("edit", locked, actor)
    identity = (locked.name, locked.acronym, locked.country.code)
    _apply_fields(locked, data)
    _validate(locked, exclude=["applicant", "organization", "membership"])
    if locked.organization_id is None and identity != (locked.name, locked.acronym, locked.country.code):
        # "Not a duplicate" was decided for another name: the secretariat looks again.
        locked.duplicates_checked_by, locked.duplicates_checked_at = None, None
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("An open application for this organization name and country already exists."),
            details={"name": [_("An open application with this name and country exists.")]},
        ) from None
    if contacts is not None:
        _save_contacts(locked, contacts)
    return locked


@transaction.atomic
def document_add(
    *, application: MembershipApplication, actor, kind: str, upload, expected_state: str | None = None
) -> ApplicationDocument:
    """Attach a document: check applicant, editable state, kind, type by content, size and active
    content (``documents.clean_upload``); name it for display; store what the check returns (the
    PDF as sent, an image written again) under a generated name."""
    locked = _lock(application, expected_state=expected_state)
    _check("edit", locked, actor)
    document = ApplicationDocument(application=locked, kind=kind, uploaded_by=actor)
    if kind not in dict(ApplicationDocument._meta.get_field("kind").choices):
        raise WorkflowError(
            ErrorCode.INVALID, _("Unknown document kind."), details={"kind": [_("Unknown kind.")]}
        )
    clean = clean_upload(upload)
    document.content_type, document.size = clean.content_type, clean.size
    # The name as shown and offered on download, with the extension of the type found.
    document.original_name = clean_original_name(getattr(upload, "name", "") or "", document.content_type)
    document.file.save(document.original_name, clean.file, save=False)
    document.save()
    return document


@transaction.atomic
def document_remove(*, document: ApplicationDocument, actor, expected_state: str | None = None) -> None:
    """Remove a document while the application is editable; its file goes after commit."""
    application = _lock(document.application, expected_state=expected_state)
    _check("edit", application, actor)
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- the applicant's transitions ------------------------------------------------------------


@transaction.atomic
def application_submit(
    *, application: MembershipApplication, actor, comment: str = "", expected_state: str | None = None
) -> MembershipApplication:
    """draft → submitted. Lock, check, transition, log, outbox (receipt to applicant; secretariat)."""
    locked = _lock(application, expected_state=expected_state or application.state)
    log = _transition(locked, "submit", actor=actor, comment=comment, stamp=("submitted_at",))
    emit(Event.SUBMITTED, application=locked, log=log)
    return locked


@transaction.atomic
def application_resubmit(
    *, application: MembershipApplication, actor, comment: str = "", expected_state: str | None = None
) -> MembershipApplication:
    """info_requested → submitted. Lock, check, transition, log, outbox (secretariat, applicant; the
    reviewers whose review predates this answer, to confirm or revise it)."""
    locked = _lock(application, expected_state=expected_state or application.state)
    log = _transition(locked, "resubmit", actor=actor, comment=comment)
    emit(Event.RESUBMITTED, application=locked, log=log)
    emit(Event.REVIEW_TO_CONFIRM, application=locked, log=log)
    return locked


@transaction.atomic
def application_withdraw(
    *, application: MembershipApplication, actor, comment: str = "", expected_state: str | None = None
) -> MembershipApplication:
    """Any open state after sending → withdrawn (a draft is deleted instead). Lock, check, void an open vote round, transition, log, outbox."""
    locked = _lock(application, expected_state=expected_state or application.state)
    log = _transition(locked, "withdraw", actor=actor, comment=comment, stamp=("decided_at",))
    votes.rounds_void({"application": locked}, at=log.timestamp)
    emit(Event.WITHDRAWN, application=locked, log=log)
    return locked


@transaction.atomic
def application_delete(
    *, application: MembershipApplication, actor, expected_state: str | None = None
) -> None:
    """Delete a draft, never sent, outright (``rules``: its applicant, a draft).

    Lock, check, delete the application with its contacts and documents; the documents' files go
    after commit. A draft has no history, no reviews and no notifications to keep.
    """
    locked = _lock(application, expected_state=expected_state)
    _check("delete", locked, actor)
    files = [(document.file.storage, document.file.name) for document in locked.documents.all()]
    locked.delete()
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


# --- the secretariat's transitions ------------------------------------------------------------


@transaction.atomic
def application_request_info(
    *, application: MembershipApplication, actor, comment: str, expected_state: str | None = None
) -> MembershipApplication:
    """submitted / under_review → info_requested, with the message to the applicant."""
    locked = _lock(application, expected_state=expected_state or application.state)
    log = _transition(locked, "request_info", actor=actor, comment=comment)
    emit(Event.INFO_REQUESTED, application=locked, log=log, message=comment)
    return locked


@transaction.atomic
def application_reject(
    *, application: MembershipApplication, actor, comment: str, expected_state: str | None = None
) -> MembershipApplication:
    """submitted → rejected at screening (ineligible), with the reason."""
    locked = _lock(application, expected_state=expected_state or application.state)
    log = _transition(locked, "reject", actor=actor, comment=comment, stamp=("decided_at",))
    emit(Event.REJECTED, application=locked, log=log, reason=comment)
    return locked


def _eligible_reviewers(reviewers: Iterable, application: MembershipApplication) -> list:
    reviewers = list(reviewers)
    ids = [getattr(r, "pk", r) for r in reviewers]
    users = {u.pk: u for u in selectors.possible_reviewers(application=application).filter(pk__in=ids)}
    refused = [pk for pk in ids if pk not in users]
    if refused:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("Reviewers must be members of the Reviewers or the Executive Committee, never the applicant."),
            details={
                "reviewers": [_("Not a possible reviewer: %(ids)s.") % {"ids": ", ".join(map(str, refused))}]
            },
        )
    return [users[pk] for pk in dict.fromkeys(ids)]


@transaction.atomic
def reviewers_assign(
    *, application: MembershipApplication, actor, reviewers: Iterable, expected_state: str | None = None
) -> list[ReviewerAssignment]:
    """Assign reviewers (users or ids) in submitted / under_review; outbox to each new reviewer."""
    locked = _lock(application, expected_state=expected_state)
    _check("assign_reviewers", locked, actor)
    wanted = _eligible_reviewers(reviewers, locked)
    already = set(locked.assignments.values_list("reviewer_id", flat=True))
    created = ReviewerAssignment.objects.bulk_create(
        [
            ReviewerAssignment(application=locked, reviewer=u, assigned_by=actor)
            for u in wanted
            if u.pk not in already
        ]
    )
    for assignment in created:
        emit(Event.REVIEWER_ASSIGNED, application=locked, reviewer=assignment.reviewer, assignment=assignment)
    return created


@transaction.atomic
def application_start_review(
    *,
    application: MembershipApplication,
    actor,
    reviewers: Iterable | None = None,
    comment: str = "",
    expected_state: str | None = None,
) -> MembershipApplication:
    """submitted → under_review. Assign the given reviewers first, then check enough are assigned;
    transition, log, outbox (the applicant)."""
    locked = _lock(application, expected_state=expected_state or application.state)
    if reviewers:
        reviewers_assign(application=locked, actor=actor, reviewers=reviewers)
    log = _transition(locked, "start_review", actor=actor, comment=comment)
    emit(Event.REVIEW_STARTED, application=locked, log=log)
    return locked


@transaction.atomic
def review_submit(
    *,
    application: MembershipApplication,
    reviewer,
    recommendation: str,
    comment: str,
    expected_state: str | None = None,
) -> Review:
    """An assigned reviewer's one review, under review only; outbox to the secretariat when all are in."""
    locked = _lock(application, expected_state=expected_state)
    _check("review", locked, reviewer)
    _check_review(recommendation, comment)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                application=locked, reviewer=reviewer, recommendation=recommendation, comment=comment.strip()
            )
    except IntegrityError:
        raise WorkflowError(ErrorCode.CONFLICT, _("You have already reviewed this application.")) from None
    if not rules.reviewers_pending(locked):
        emit(Event.REVIEW_COMPLETE, application=locked)
    return review


def _check_review(recommendation: str, comment: str) -> None:
    """A recommendation of the list and a comment (not too long): else ``invalid``, per field."""
    _check_comment(comment)
    errors = {}
    if recommendation not in Recommendation.values:
        errors["recommendation"] = [_("Choose admit, reject or needs_info.")]
    if not (comment or "").strip():
        errors["comment"] = [_("This field is required.")]
    if errors:
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=errors)


def _reviews_now_current(application: MembershipApplication, review: Review, *, was_current: bool) -> None:
    """After ``review`` was brought up to date: tell the secretariat once every review is in and
    current again (the review can be completed)."""
    if was_current or rules.reviewers_pending(application) or rules.reviewers_to_confirm(application):
        return
    emit(Event.REVIEW_COMPLETE, application=application, review=review, after_answer=True)


@transaction.atomic
def review_revise(
    *,
    application: MembershipApplication,
    reviewer,
    recommendation: str,
    comment: str,
    expected_state: str | None = None,
) -> Review:
    """The author changes their review until the review is completed (``rules``: author, state).

    Lock, check, validate, save the new text with ``updated_at``; outbox to the secretariat when
    this was the last review waiting for the applicant's answer to be taken into account."""
    locked = _lock(application, expected_state=expected_state)
    _check("revise_review", locked, reviewer)
    _check_review(recommendation, comment)
    review = locked.reviews.select_for_update().get(reviewer_id=reviewer.pk)
    was_current = rules.review_is_current(review, rules.latest_answer_at(locked))
    review.recommendation, review.comment, review.updated_at = recommendation, comment.strip(), timezone.now()
    review.save(update_fields=["recommendation", "comment", "updated_at"])
    _reviews_now_current(locked, review, was_current=was_current)
    return review


@transaction.atomic
def review_confirm(
    *, application: MembershipApplication, reviewer, expected_state: str | None = None
) -> Review:
    """The author confirms unchanged a review written before the applicant's latest answer
    (``rules``: author, state, an answer since the review).

    Lock, check, record ``confirmed_at``; outbox to the secretariat when this was the last review
    waiting for the answer to be taken into account."""
    locked = _lock(application, expected_state=expected_state)
    _check("confirm_review", locked, reviewer)
    review = locked.reviews.select_for_update().get(reviewer_id=reviewer.pk)
    review.confirmed_at = timezone.now()
    review.save(update_fields=["confirmed_at"])
    _reviews_now_current(locked, review, was_current=False)
    return review


@transaction.atomic
def application_complete_review(
    *, application: MembershipApplication, actor, comment: str = "", expected_state: str | None = None
) -> MembershipApplication:
    """under_review → reviewed, once every assigned review is in."""
    locked = _lock(application, expected_state=expected_state or application.state)
    _transition(locked, "complete_review", actor=actor, comment=comment)
    return locked


# --- the registry: a re-application, or a new organization -------------------------------------


def _record_duplicates_check(application: MembershipApplication, actor, organization) -> None:
    application.organization = organization
    application.duplicates_checked_by = actor
    application.duplicates_checked_at = timezone.now()
    fields = ["organization", "duplicates_checked_by", "duplicates_checked_at", "updated_at"]
    try:
        with transaction.atomic():
            application.save(update_fields=fields)
    except IntegrityError:  # application_one_open_per_organization
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("“%(name)s” already has an open application.") % {"name": organization.name},
            details={"organization": [_("This organization already has an open application.")]},
        ) from None


@transaction.atomic
def application_link_organization(
    *, application: MembershipApplication, actor, organization, expected_state: str | None = None
) -> MembershipApplication:
    """Link the application to ``organization`` (one or its id) of the registry as its re-application:
    admission then updates that organization and gives it a new membership.

    Lock, check (``rules``: the secretariat, at screening), check that the organization exists and
    ``rules.may_apply_again`` (its membership ended: a member is never taken over), link, record who
    and when.
    """
    locked = _lock(application, expected_state=expected_state)
    _check("link_organization", locked, actor)
    pk = getattr(organization, "pk", organization)
    target = Organization.objects.select_for_update().filter(pk=pk).first() if isinstance(pk, int) else None
    if target is None:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("There is no such organization in the registry."),
            details={"organization": [_("Unknown organization.")]},
        )
    if not rules.may_apply_again(target):
        raise WorkflowError(
            ErrorCode.INVALID,
            _(
                "“%(name)s” is a member of the federation: an application cannot take it over. Only an "
                "organization whose membership has ended can apply again."
            )
            % {"name": target.name},
            details={"organization": [_("A member now; only a former member can apply again.")]},
        )
    _record_duplicates_check(locked, actor, target)
    return locked


@transaction.atomic
def application_confirm_distinct(
    *, application: MembershipApplication, actor, expected_state: str | None = None
) -> MembershipApplication:
    """Confirm that the application is a union the registry does not know, whatever its likely
    duplicates: admission then creates a new organization. Undoes a link.

    Lock, check (``rules``: the secretariat, at screening), unlink, record who and when.
    """
    locked = _lock(application, expected_state=expected_state)
    _check("confirm_distinct", locked, actor)
    _record_duplicates_check(locked, actor, None)
    return locked


# --- the vote ---------------------------------------------------------------------------------


@transaction.atomic
def vote_open(
    *,
    application: MembershipApplication,
    actor,
    deadline: datetime.datetime | None = None,
    category: str = MembershipCategory.FULL,
    comment: str = "",
    expected_state: str | None = None,
    mode: str = VoteMode.ONLINE,
    electorate=None,
) -> VoteRound:
    """reviewed → executive_vote. Open a round (``votes.round_open``) with its rules, deadline,
    mode and eligible voters; outbox to each (in an online round, to vote).

    The electorate is the Executive Committee — or ``electorate``, the members present in a meeting
    room, each a member of the committee — less anyone with a conflict of interest
    (``rules.conflicts_of_interest``): their rows are kept, excluded from the start with the reason.
    A round voted in the room (``mode`` named or counted) is recorded through ``workflows.room_votes``
    and closed by ``vote_close``.
    The deadline is in the future and at most ``VOTE_MAX_DAYS`` days away (``votes.deadline_errors``);
    otherwise ``invalid`` with details on "deadline".
    """
    locked = _lock(application, expected_state=expected_state or application.state)
    now = timezone.now()
    deadline = deadline or votes.default_deadline(now)
    errors = votes.deadline_errors(deadline, now=now)
    if category not in MembershipCategory.values:
        errors["category"] = [_("Choose full, associate or observer.")]
    in_country = members_in_country(
        country=locked.country.code, exclude_organization_id=locked.organization_id
    )
    if refused := rules.full_member_refusal(category, in_country):
        errors["category"] = [refused]
    if errors:
        raise WorkflowError(ErrorCode.INVALID, _("Please correct the errors below."), details=errors)
    log = _transition(locked, "open_vote", actor=actor, comment=comment)
    vote_round = votes.round_open(
        members_in_country=[rules.country_member_row(m) for m in in_country],
        subject={"application": locked},
        actor=actor,
        deadline=deadline,
        vote_rules=rules.VoteRules.from_settings(),
        conflicts=rules.conflicts_of_interest(locked),
        at=log.timestamp,
        category=category,
        mode=mode,
        electorate=electorate,
    )
    emit(Event.VOTE_OPENED, application=locked, log=log, round=vote_round)
    return vote_round


def _open_round(application: MembershipApplication) -> VoteRound:
    vote_round = votes.open_round_of({"application": application})
    if vote_round is None or application.state != ApplicationState.EXECUTIVE_VOTE:
        raise WorkflowError(ErrorCode.NOT_ALLOWED, _("There is no open vote on this application."))
    return vote_round


@transaction.atomic
def vote_cast(
    *, application: MembershipApplication, member, choice: str, expected_state: str | None = None
) -> Ballot:
    """One final ballot by ``member`` (a user). Lock the application and round, check the choice and
    that ``member`` may vote (``rules``: in the round's electorate, not recused, not voted), record;
    close the round when every eligible voter has voted."""
    locked = _lock(application, expected_state=expected_state)
    vote_round = _open_round(locked)
    ballot, complete = votes.ballot_cast(vote_round, member, choice)
    if complete:
        _close_round(locked, vote_round, actor=None, comment=_("Every eligible member has voted."))
    return ballot


@transaction.atomic
def vote_recuse(
    *, application: MembershipApplication, member, reason: str = "", expected_state: str | None = None
) -> Voter:
    """``member`` leaves the round's electorate before voting; close the round if everyone left has voted."""
    locked = _lock(application, expected_state=expected_state)
    vote_round = _open_round(locked)
    _check_comment(reason, field="reason")
    electorate_row, complete = votes.voter_recuse(vote_round, member, reason)
    if complete:
        _close_round(locked, vote_round, actor=None, comment=_("Every eligible member has voted."))
    return electorate_row


@transaction.atomic
def vote_close(
    *,
    application: MembershipApplication,
    actor=None,
    comment: str = "",
    system: bool = False,
    expected_state: str | None = None,
) -> VoteRound:
    """Close the open round (by the secretariat, or by the system at the deadline)."""
    locked = _lock(application, expected_state=None if system else (expected_state or application.state))
    if not system:
        _check("close_vote", locked, actor)
    vote_round = _open_round(locked)
    return _close_round(locked, vote_round, actor=actor, comment=comment)


def _close_round(
    application: MembershipApplication, vote_round: VoteRound, *, actor, comment: str
) -> VoteRound:
    """Tally, record the outcome on the round (``votes.round_close``), move the application, admit
    if passed; outbox.

    The secretariat hears once of a round: of an admission (with how the round closed); else of
    a round that closed by itself (``vote_closed``, with the outcome), or that they closed without
    a quorum (``no_quorum``).

    Completes, or raises ``WorkflowError`` (an admission the registry refuses: ``conflict``) and the
    caller's transaction undoes everything: the round stays open.
    """
    result = votes.round_result(vote_round, actor=actor)
    outcome = result.outcome
    log = _transition(
        application,
        "close_vote",
        actor=actor,
        comment=comment,
        system=actor is None,
        args=(outcome,),
        stamp=("decided_at",) if outcome == VoteOutcome.FAILED else (),
    )
    votes.round_close(vote_round, result, actor=actor, at=log.timestamp)
    told = {
        "application": application,
        "log": log,
        "round": vote_round,
        "closed_because": result.closed_because,
    }
    if outcome == VoteOutcome.PASSED:
        _admit(application, vote_round, on=log.timestamp.date())
        emit(Event.ADMITTED, **told)
        return vote_round
    if outcome == VoteOutcome.FAILED:
        emit(Event.REJECTED, **told)
    if actor is None:
        emit(Event.VOTE_CLOSED, **told)
    elif outcome == VoteOutcome.NO_QUORUM:
        emit(Event.NO_QUORUM, **told)
    return vote_round


# How many slugs an admission tries for its new organization before it gives up (``conflict``).
SLUG_ATTEMPTS = 20


def slug_candidates(*, name: str, acronym: str, country: str):
    """``nus-ke``, ``nus-ke-2``, ``nus-ke-3`` … from the acronym (or the name) and the country code:
    the addresses a new organization may take (an admission's, an imported member's)."""
    base = slugify(f"{acronym or name} {country}")[:200] or "union"
    yield base
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1


def _slug_candidates(application: MembershipApplication):
    return slug_candidates(
        name=application.name, acronym=application.acronym, country=application.country.code
    )


def _known_slugs(application: MembershipApplication) -> set[str]:
    """The slugs of the registry that the candidates may meet, read once: a first guess only."""
    base = next(_slug_candidates(application))
    return set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))


def _create_organization(application: MembershipApplication, values: dict[str, Any]) -> Organization:
    """A new organization with the first free slug of ``_slug_candidates``, free by the database's
    unique constraint, not by a look before the insert: each try inserts in a savepoint, and a slug
    another admission took meanwhile (IntegrityError, the slug now there) moves on to the next one.
    At most ``SLUG_ATTEMPTS`` tries, then ``conflict``; any other constraint's error goes up."""
    known = _known_slugs(application)
    attempts = 0
    for slug in _slug_candidates(application):
        if slug in known:
            continue
        try:
            with transaction.atomic():
                return Organization.objects.create(slug=slug, **values)
        except IntegrityError:
            if not Organization.objects.filter(slug=slug).exists():
                raise  # not the slug: another constraint refused the organization
        attempts += 1
        if attempts >= SLUG_ATTEMPTS:
            raise WorkflowError(
                ErrorCode.CONFLICT,
                _("No free address was found for the new organization; please try again."),
            )


def _admit(application: MembershipApplication, vote_round: VoteRound, *, on: datetime.date) -> Membership:
    """Enter the admission in the registry, all or nothing (``_admit_in_registry``), with the year's
    dues invoice when the schedule has a rate (``dues.services.invoice_on_admission``). A write the
    registry's constraints refuse undoes the admission and is refused as ``conflict``: never a
    database error, and the caller's transaction rolls back the closing with it."""
    try:
        with transaction.atomic():
            membership = _admit_in_registry(application, vote_round, on=on)
            dues_services.invoice_on_admission(membership=membership, on=on)  # none without a schedule
            feed.publish(membership.organization_id, decision={"type": "application", "id": application.pk})
            return membership
    except IntegrityError as exc:
        logger.warning("Admission of application %s refused by the registry: %s", application.pk, exc)
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _(
                "The registry could not record this admission: its organization changed meanwhile. "
                "Nothing was changed; please try again."
            ),
        ) from None


def _admit_in_registry(
    application: MembershipApplication, vote_round: VoteRound, *, on: datetime.date
) -> Membership:
    """A new organization from the application, or the one the secretariat linked it to (a
    re-application) updated from it; then its active membership. An application never changes an
    organization it was not linked to, whatever its name."""
    values = {
        "name": application.name,
        "name_latin": application.name_latin,
        "acronym": application.acronym,
        "country": application.country,
        "region_id": application.region_id,
        "city": application.city,
        "website": application.website,
        "email": application.email,
        "founded_year": application.founded_year,
        "students_represented": application.students_represented,
        "kind": application.kind,
    }
    organization = application.organization
    if organization is None:
        organization = _create_organization(application, values)
    else:
        for field, value in values.items():
            setattr(organization, field, value)
        organization.save()
    # An organization that is still an active member keeps that membership, in the category
    # voted: a decided vote can always be recorded, and a round never stays stuck open.
    membership = organization.memberships.filter(state=MembershipState.ACTIVE).first()
    if membership is None:
        membership = Membership.objects.create(
            organization=organization, category=vote_round.category, admitted_on=on
        )
    elif membership.category != vote_round.category:
        membership.category = vote_round.category
        membership.save(update_fields=["category", "updated_at"])
    application.organization = organization
    application.membership = membership
    application.decided_at = vote_round.closed_at
    application.save(update_fields=["organization", "membership", "decided_at"])
    representative_add_first(organization=organization, user=application.applicant)
    return membership


def close_due_vote_rounds(*, now: datetime.datetime | None = None) -> list[int]:
    """Close every open round past its deadline, each in its own transaction; return their ids.

    A round that cannot be closed (refused, or any error) is logged and left open for the next run
    and the secretariat; the others close all the same.
    """
    now = now or timezone.now()
    closed = []
    for vote_round in votes.due_rounds(now).filter(application__isnull=False):
        try:
            vote_close(
                application=vote_round.application,
                comment=_("The deadline has passed."),
                system=True,
            )
        except WorkflowError as exc:
            if exc.code != ErrorCode.NOT_ALLOWED:  # not_allowed: closed meanwhile by someone else
                logger.warning("Vote round %s not closed at its deadline: %r", vote_round.pk, exc)
            continue
        except Exception:
            logger.exception("Vote round %s could not be closed at its deadline", vote_round.pk)
            continue
        closed.append(vote_round.pk)
    return closed
