"""Membership applications, their documents, reviews and the Executive Committee's vote.

States and transitions follow DESIGN.md. Transition methods change only database
state; the services in ``workflows.services`` lock, check, call, save and write
the dependent rows in one transaction.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from django_fsm_log.models import StateLog

from dues.models import Invoice
from dues.money import from_minor
from registry.models import (
    EARLIEST_FOUNDING_YEAR,
    Membership,
    MembershipCategory,
    Organization,
    OrganizationKind,
    Region,
)

from . import rules


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("Information requested")
    UNDER_REVIEW = "under_review", _("Under review")
    REVIEWED = "reviewed", _("Reviewed")
    EXECUTIVE_VOTE = "executive_vote", _("Executive Committee vote")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationState
FINAL_STATES = (S.ADMITTED, S.REJECTED, S.WITHDRAWN)
OPEN_STATES = tuple(s for s in S if s not in FINAL_STATES)
EDITABLE_STATES = (S.DRAFT, S.INFO_REQUESTED)
# A draft was never sent: it is deleted (``services.application_delete``), not withdrawn.
WITHDRAWABLE_STATES = tuple(s for s in OPEN_STATES if s != S.DRAFT)
# What the committee queue shows when no state is chosen: the applications waiting on someone.
QUEUE_OPEN_STATES = WITHDRAWABLE_STATES


class MembershipApplication(ConcurrentTransitionMixin, models.Model):
    """A student union's application for membership: the data it proposes for the registry."""

    state = FSMField(
        _("state"), max_length=20, choices=S.choices, default=S.DRAFT, protected=True, db_index=True
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="membership_applications",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("existing organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_(
            "Set by the secretariat only, when a union that was a member before applies again: "
            "admission then updates this organization. Otherwise admission creates a new one."
        ),
    )
    # Who resolved the likely duplicates in the registry, and when: linked as a re-application
    # (``organization`` set) or confirmed distinct (``organization`` empty).
    duplicates_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("duplicates checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    duplicates_checked_at = models.DateTimeField(
        _("duplicates checked at"), null=True, blank=True, editable=False
    )
    membership = models.OneToOneField(
        Membership,
        verbose_name=_("membership created"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="admitting_application",
        editable=False,
    )

    name = models.CharField(_("organization name"), max_length=200)
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    country = CountryField(_("country"), blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("public e-mail"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("founding year"), null=True, blank=True)
    students_represented = models.PositiveIntegerField(_("students represented"), null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.NATIONAL_UNION
    )
    motivation = models.TextField(_("motivation statement"), blank=True, max_length=10_000)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # When the application entered its current state (the time of its latest transition): the
    # committee queue's order, "oldest waiting first", read from an index rather than the log.
    state_changed_at = models.DateTimeField(_("in this state since"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        indexes = [
            models.Index(fields=["state", "updated_at"]),
            # The queue's pages: every waiting state (partial: closed ones are not in the way), or one.
            models.Index(
                fields=["state_changed_at", "id"],
                condition=Q(state__in=QUEUE_OPEN_STATES),
                name="application_waiting_idx",
            ),
            models.Index(fields=["state", "state_changed_at", "id"], name="application_state_waiting_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(organization__isnull=False) & ~Q(state__in=FINAL_STATES),
                name="application_one_open_per_organization",
                violation_error_message=_("This organization already has an open application."),
            ),
            models.UniqueConstraint(
                Lower("name"),
                "country",
                condition=~Q(state__in=FINAL_STATES) & ~Q(country=""),
                name="application_one_open_per_name_country",
                violation_error_message=_(
                    "An open application for this organization name and country exists."
                ),
            ),
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True) | Q(founded_year__gte=EARLIEST_FOUNDING_YEAR),
                name="application_founded_year_in_range",
            ),
            models.CheckConstraint(condition=Q(state__in=S.values), name="application_state_valid"),
        ]

    # Set by the service for the duration of one transition; read by the ``comment`` guards.
    transition_comment: str = ""
    # The log row of the latest transition run on this object (``keep_transition_log``), or None.
    transition_log: StateLog | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})" if self.country else self.name

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    # --- transitions: database state only; services do the rest --------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.DRAFT,
        target=S.SUBMITTED,
        conditions=[rules.content_complete, rules.required_documents_present],
        permission=rules.is_applicant,
    )
    def submit(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[S.SUBMITTED, S.UNDER_REVIEW],
        target=S.INFO_REQUESTED,
        conditions=[rules.comment_given],
        permission=rules.is_secretariat,
    )
    def request_info(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.INFO_REQUESTED,
        target=S.SUBMITTED,
        conditions=[rules.content_complete, rules.required_documents_present],
        permission=rules.is_applicant,
    )
    def resubmit(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.UNDER_REVIEW,
        conditions=[rules.enough_reviewers_assigned],
        permission=rules.is_secretariat,
    )
    def start_review(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.UNDER_REVIEW,
        target=S.REVIEWED,
        conditions=[rules.all_reviews_in],
        permission=rules.is_secretariat,
    )
    def complete_review(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.REVIEWED,
        target=S.EXECUTIVE_VOTE,
        conditions=[rules.no_open_round, rules.duplicates_resolved],
        permission=rules.is_secretariat,
    )
    def open_vote(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.EXECUTIVE_VOTE,
        target=RETURN_VALUE(S.ADMITTED, S.REJECTED, S.REVIEWED),
        permission=rules.is_secretariat,
    )
    def close_vote(self, outcome: str, by=None, description=None) -> str:
        """Move to the state that the round's outcome decides."""
        return {
            VoteOutcome.PASSED: S.ADMITTED,
            VoteOutcome.FAILED: S.REJECTED,
            VoteOutcome.NO_QUORUM: S.REVIEWED,
        }[outcome]

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.REJECTED,
        conditions=[rules.comment_given],
        permission=rules.is_secretariat,
    )
    def reject(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=list(WITHDRAWABLE_STATES), target=S.WITHDRAWN, permission=rules.is_applicant
    )
    def withdraw(self, by=None, description=None):
        pass


@receiver(post_save, sender=StateLog, dispatch_uid="workflows.keep_transition_log")
def keep_transition_log(sender, instance: StateLog, created: bool, raw: bool = False, **kwargs) -> None:
    """Keep the log row that django-fsm-log has just written for an application's transition on
    the application object it logs (``transition_log``): the service needs it, and reading it
    back would be one more query."""
    if created and not raw:
        subject = StateLog.content_object.get_cached_value(instance, None)
        if isinstance(subject, MembershipApplication):
            subject.transition_log = instance


class ContactPerson(models.Model):
    """A further contact of the applying union (the applicant is the first)."""

    application = models.ForeignKey(MembershipApplication, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role in the union"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    STATUTES = "statutes", _("Statutes / constitution")
    REGISTRATION = "registration", _("Proof of registration")
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
    OTHER = "other", _("Other document")


def document_upload_to(instance: "ApplicationDocument", filename: str) -> str:
    """A generated name: nothing of the uploaded name reaches the file system."""
    suffix = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[instance.content_type]
    return str(PurePosixPath("applications") / str(instance.application_id) / f"{uuid.uuid4().hex}{suffix}")


class ApplicationDocument(models.Model):
    application = models.ForeignKey(MembershipApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=50)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/png", "image/jpeg"]),
                name="document_content_type_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class ReviewerAssignment(models.Model):
    application = models.ForeignKey(
        MembershipApplication, on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_one_per_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class Recommendation(models.TextChoices):
    ADMIT = "admit", _("Admit")
    REJECT = "reject", _("Reject")
    NEEDS_INFO = "needs_info", _("Needs more information")


class Review(models.Model):
    application = models.ForeignKey(MembershipApplication, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices)
    comment = models.TextField(_("comment"), max_length=10_000)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # When the text was last written (first written, or revised by its author), and when its author
    # last confirmed it unchanged: ``rules.review_is_current`` compares them with the applicant's
    # latest answer to a request for information.
    updated_at = models.DateTimeField(_("last written at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed unchanged at"), null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_one_per_reviewer"),
            models.CheckConstraint(
                condition=Q(recommendation__in=Recommendation.values), name="review_recommendation_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.get_recommendation_display()}"

    @property
    def is_revised(self) -> bool:
        """Changed by its author after it was submitted (``updated_at`` is set before ``submitted_at``
        when a review is first saved, and to the moment of each revision)."""
        return self.updated_at > self.submitted_at


class VoteOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    NO_QUORUM = "no_quorum", _("No quorum")


class MotionKind(models.TextChoices):
    SUSPEND = "suspend", _("Suspension")
    REINSTATE = "reinstate", _("Reinstatement")
    EXPEL = "expel", _("Expulsion")
    CHANGE_CATEGORY = "change_category", _("Change of category")
    WITHDRAWAL = "withdrawal", _("Notice of withdrawal")
    LAPSE = "lapse", _("Lapse for unpaid dues")
    WAIVE_DUES = "waive_dues", _("Waiver of dues")


class MotionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    VOTING = "voting", _("Executive Committee vote")
    CARRIED = "carried", _("Carried")
    DEFEATED = "defeated", _("Defeated")
    DROPPED = "dropped", _("Dropped")


M = MotionState
MOTION_OPEN_STATES = (M.PROPOSED, M.VOTING)


class Motion(ConcurrentTransitionMixin, models.Model):
    """A decision on a member union: suspend, reinstate, expel, change its category, or its notice
    of withdrawal. The secretariat proposes (the union itself asks for a change of category and
    gives notice); the Executive Committee votes in the same rounds as on an admission; a notice
    of withdrawal needs no vote: the secretariat confirms it. Kept forever."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="motions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MotionKind.choices)
    state = FSMField(
        _("state"), max_length=20, choices=M.choices, default=M.PROPOSED, protected=True, db_index=True
    )
    reason = models.TextField(_("reason"), blank=True, max_length=rules.COMMENT_MAX_LENGTH)
    # A change of category: the category proposed.
    category = models.CharField(
        _("category proposed"), max_length=20, choices=MembershipCategory.choices, blank=True
    )
    # A withdrawal: the first day the union is no longer a member.
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    # A waiver of dues above DUES_WAIVER_LIMIT: the invoice and how much of it (minor units of its
    # currency); carried, ``dues.services.waiver_grant`` writes the waiver.
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="motions",
    )
    amount_minor = models.BigIntegerField(_("amount (minor units)"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # When a carried decision changed the membership (a withdrawal may take effect later).
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "kind"],
                condition=Q(state__in=MOTION_OPEN_STATES),
                name="motion_one_open_per_kind",
                violation_error_message=_("A motion of this kind is open already for this member."),
            ),
            models.CheckConstraint(condition=Q(kind__in=MotionKind.values), name="motion_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=M.values), name="motion_state_valid"),
            models.CheckConstraint(
                condition=(Q(kind=MotionKind.CHANGE_CATEGORY) & Q(category__in=MembershipCategory.values))
                | (~Q(kind=MotionKind.CHANGE_CATEGORY) & Q(category="")),
                name="motion_category_only_for_a_change",
            ),
            models.CheckConstraint(
                condition=(Q(kind=MotionKind.WITHDRAWAL) & Q(effective_on__isnull=False))
                | (~Q(kind=MotionKind.WITHDRAWAL) & Q(effective_on__isnull=True)),
                name="motion_effective_date_only_for_a_withdrawal",
            ),
            models.CheckConstraint(
                condition=(Q(kind=MotionKind.WAIVE_DUES) & Q(invoice__isnull=False) & Q(amount_minor__gt=0))
                | (~Q(kind=MotionKind.WAIVE_DUES) & Q(invoice__isnull=True) & Q(amount_minor__isnull=True)),
                name="motion_invoice_and_amount_only_for_a_waiver",
            ),
        ]

    # Set by the service for the duration of one transition.
    transition_comment: str = ""

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.membership.organization}"

    @property
    def is_open(self) -> bool:
        return self.state in MOTION_OPEN_STATES

    @property
    def needs_vote(self) -> bool:
        return self.kind != MotionKind.WITHDRAWAL

    @property
    def amount(self):
        """A waiver's amount in its invoice's currency (``None`` for other kinds)."""
        if self.amount_minor is None or self.invoice_id is None:
            return None
        return from_minor(self.amount_minor, self.invoice.currency)

    # --- transitions: database state only; ``workflows.motions`` does the rest ---------------

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=M.PROPOSED, target=M.VOTING, conditions=[rules.motion_needs_vote])
    def open_vote(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=M.VOTING, target=RETURN_VALUE(M.CARRIED, M.DEFEATED, M.PROPOSED))
    def close_vote(self, outcome: str, by=None, description=None) -> str:
        """Move to the state that the round's outcome decides (no quorum: proposed again)."""
        return {
            VoteOutcome.PASSED: M.CARRIED,
            VoteOutcome.FAILED: M.DEFEATED,
            VoteOutcome.NO_QUORUM: M.PROPOSED,
        }[outcome]

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=M.PROPOSED, target=M.CARRIED, conditions=[rules.motion_is_notice])
    def confirm(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=list(MOTION_OPEN_STATES), target=M.DROPPED)
    def drop(self, by=None, description=None):
        pass


class VoteMode(models.TextChoices):
    """How a round's votes reach the record; every mode has the same electorate, tally and rules."""

    ONLINE = "online", _("online")  # each member casts their own ballot
    NAMED = "named", _("named in the room")  # the minute-taker records each member's choice
    COUNTED = "counted", _("counted in the room")  # the minute-taker records the totals only


class VoteRound(models.Model):
    """One round of the Executive Committee's vote on an application or on a motion; kept forever.

    Exactly one of ``application`` and ``motion`` is set: every decision has the same rounds,
    electorate, ballots and tally (``workflows.votes``). ``mode`` says how the votes are recorded:
    online ballots, named ballots recorded in a meeting room, or totals counted in the room (kept in
    ``yes_count`` … with who recorded them and when)."""

    application = models.ForeignKey(
        MembershipApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="vote_rounds"
    )
    motion = models.ForeignKey(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="vote_rounds"
    )
    number = models.PositiveSmallIntegerField(_("round number"))
    category = models.CharField(
        _("membership category proposed"),
        max_length=20,
        choices=MembershipCategory.choices,
        default=MembershipCategory.FULL,
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    deadline = models.DateTimeField(_("deadline"))
    # The rules in force when the round opened: {"quorum": "1/2", "majority": "simple", "base": "yes_no"}.
    vote_rules = models.JSONField(_("vote rules"))  # rules.VoteRules.to_json(), as at opening
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=VoteOutcome.choices, blank=True)
    is_void = models.BooleanField(_("void"), default=False)
    mode = models.CharField(
        _("voting mode"), max_length=10, choices=VoteMode.choices, default=VoteMode.ONLINE
    )
    # A counted round: who entered the totals counted in the room, and when (they are final).
    totals_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("totals recorded by"),
    )
    totals_recorded_at = models.DateTimeField(_("totals recorded at"), null=True, blank=True)
    # An admission: the members from the applicant's country when the round opened
    # ([{"name", "category", "since", "state"}]), as the committee saw them.
    members_in_country = models.JSONField(_("members from the same country"), default=list, blank=True)
    # The tally at closing, kept with the round; a counted round's totals as soon as they are entered.
    yes_count = models.PositiveIntegerField(default=0)
    no_count = models.PositiveIntegerField(default=0)
    abstain_count = models.PositiveIntegerField(default=0)
    eligible_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["application", "motion", "number"]
        verbose_name = _("vote round")
        verbose_name_plural = _("vote rounds")
        indexes = [
            models.Index(fields=["deadline"], condition=Q(closed_at__isnull=True), name="round_open_deadline")
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="round_number_unique"),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(closed_at__isnull=True),
                name="round_one_open_per_application",
            ),
            models.UniqueConstraint(fields=["motion", "number"], name="round_number_unique_per_motion"),
            models.UniqueConstraint(
                fields=["motion"], condition=Q(closed_at__isnull=True), name="round_one_open_per_motion"
            ),
            models.CheckConstraint(
                condition=Q(application__isnull=False, motion__isnull=True)
                | Q(application__isnull=True, motion__isnull=False),
                name="round_of_an_application_or_a_motion",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="") | Q(closed_at__isnull=False),
                name="round_outcome_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(totals_recorded_at__isnull=True) | Q(mode="counted"),
                name="round_totals_only_when_counted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application or self.motion} — round {self.number}"

    @property
    def subject(self) -> "MembershipApplication | Motion":
        """What the round decides: the application or the motion."""
        return self.application if self.application_id is not None else self.motion

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Voter(models.Model):
    """A committee member eligible in a round, snapshotted when it opened."""

    round = models.ForeignKey(VoteRound, on_delete=models.PROTECT, related_name="voters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recused_at = models.DateTimeField(_("recused at"), null=True, blank=True)
    recusal_reason = models.TextField(_("reason for recusal"), blank=True, max_length=2000)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("eligible voter")
        verbose_name_plural = _("eligible voters")
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="voter_once_per_round")]

    def __str__(self) -> str:
        return str(self.user)


class BallotChoice(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    ABSTAIN = "abstain", _("Abstain")


class Ballot(models.Model):
    """A named, final ballot: one per eligible voter (the one-to-one key), so one per voter per round.

    ``recorded_by``: the minute-taker who recorded it in a named round; null for an online ballot,
    cast by the member themself."""

    round = models.ForeignKey(VoteRound, on_delete=models.PROTECT, related_name="ballots")
    voter = models.OneToOneField(Voter, on_delete=models.PROTECT, related_name="ballot")
    choice = models.CharField(_("choice"), max_length=10, choices=BallotChoice.choices)
    cast_at = models.DateTimeField(_("cast at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["cast_at", "pk"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.CheckConstraint(condition=Q(choice__in=BallotChoice.values), name="ballot_choice_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.voter}: {self.get_choice_display()}"


class MemberImportUpload(models.Model):
    """A member list uploaded for a dry run, kept until it is confirmed or expires
    (``IMPORT_UPLOAD_TTL_MINUTES``): the confirmation imports this file, whose hash the report showed."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uploaded member list")
        verbose_name_plural = _("uploaded member lists")

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"
