"""The federation's registry: regions, organizations and their memberships."""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .text import fold_for_search

EARLIEST_FOUNDING_YEAR = 1800
DESCRIPTION_MAX_LENGTH = 1000
SOCIAL_LINKS_MAX = 5


class Region(models.Model):
    """A region of the federation; regions may nest (Africa > West Africa)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    # The English name is the canonical one: the change feed's entries and the API's ETag carry it,
    # and it stands in for a translation left empty.
    name = models.CharField(_("name in English"), max_length=100, unique=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=100, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    name_tr = models.CharField(_("name in Turkish"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="region_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the active language; the English one where there is no translation."""
        return localized_region_name(
            {"name": self.name, "name_ar": self.name_ar, "name_fr": self.name_fr, "name_tr": self.name_tr}
        )


# The languages a region's name is kept in besides English (``Region.name_<code>``).
REGION_NAME_LANGUAGES = ("ar", "fr", "tr")


def localized_region_name(names: dict, language: str | None = None, *, prefix: str = "") -> str:
    """The name in ``language`` (the active one by default) out of ``names``, which holds
    ``<prefix>name`` (English) and ``<prefix>name_<code>`` for the other languages (a model's fields, a
    directory row's ``region__name…``); the English name where the translation is empty or absent."""
    code = (language or get_language() or "en").split("-")[0]
    if code in REGION_NAME_LANGUAGES:
        translated = names.get(f"{prefix}name_{code}")
        if translated:
            return translated
    return names[f"{prefix}name"]


class OrganizationKind(models.TextChoices):
    NATIONAL_UNION = "national_union", _("National student union")
    UNIVERSITY_UNION = "university_union", _("University student union")
    FEDERATION = "federation", _("Federation of student unions")
    OTHER = "other", _("Other student organization")


class Organization(models.Model):
    """A student organization known to the federation (affiliate or not)."""

    # The name and acronym as the union writes them, in any script (Arabic, Latin, Cyrillic…).
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    # The name in Latin script, for a name written in another one; empty if none or not needed.
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    country = CountryField(_("country"))
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("public e-mail"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("founding year"), null=True, blank=True)
    students_represented = models.PositiveIntegerField(_("students represented"), null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.NATIONAL_UNION
    )
    # Kept by the union's representatives (workflows.membership.organization_profile_update).
    description = models.CharField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    social_links = models.JSONField(_("social links"), default=list, blank=True)  # a list of URLs
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    # Name, name in Latin script, acronym and city folded by fold_for_search(), for case- and accent-insensitive
    # search on every database. save() keeps it current; bulk_create() and update() do not.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # Who changed what and when, for every save (admin or code; not bulk_create / update()).
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            models.Index(fields=["country"]),
            models.Index(fields=["name", "id"]),
            # The API's `updated_at` ordering and `updated_since` filter (keyset on updated_at, id).
            models.Index(fields=["updated_at", "id"], name="registry_org_updated_id_idx"),
            # The directory's page (registry.directory_pages): each region's unions by name ignoring case.
            models.Index(F("region"), Lower("name"), F("id"), name="registry_org_region_lname_idx"),
            # On PostgreSQL, migration 0002 adds a trigram index on search_text (substring search:
            # likely_duplicates, words of scripts that join words) and migration 0012 a GIN index
            # of its words (word-prefix search, registry.search).
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True)
                | (Q(founded_year__gte=EARLIEST_FOUNDING_YEAR) & Q(founded_year__lte=2100)),
                name="organization_founded_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(students_represented__isnull=True) | Q(students_represented__gte=0),
                name="organization_students_not_negative",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="organization_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="organization_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(SEARCHED_FIELDS) & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        return fold_for_search(" ".join(filter(None, (getattr(self, field) for field in SEARCHED_FIELDS))))


# What the directory's search reads, in ``Organization.search_text``.
SEARCHED_FIELDS = ("name", "name_latin", "acronym", "city")


class MembershipCategory(models.TextChoices):
    FULL = "full", _("Full member")
    ASSOCIATE = "associate", _("Associate member")
    OBSERVER = "observer", _("Observer")


class MembershipState(models.TextChoices):
    """Where a membership is now: active ⇄ suspended → ended (with an ``EndReason``).

    The state is the membership's present; what it was on a past date is read from the dated
    rows (``admitted_on``, ``ended_on``, ``MembershipSuspension``), see ``registry.selectors``.
    """

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPELLED = "expelled", _("Expelled")
    LAPSED = "lapsed", _("Lapsed")
    DISSOLVED = "dissolved", _("Dissolved")


# A membership that has not ended: its organization is a member of the federation.
# A member now, in either state: an organization in one may not apply as a new one (workflows.rules).
CURRENT_STATES = (MembershipState.ACTIVE, MembershipState.SUSPENDED)


class Membership(models.Model):
    """An organization's membership of the federation; an active one makes it an affiliate.

    The application that admitted it links here (``admitting_application``) from the
    workflows app, so the registry does not depend on the workflow. A membership is a member
    from ``admitted_on`` until the day before ``ended_on``; re-admission is a new row.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="memberships"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=MembershipCategory.choices, default=MembershipCategory.FULL
    )
    state = models.CharField(
        _("state"), max_length=20, choices=MembershipState.choices, default=MembershipState.ACTIVE
    )
    admitted_on = models.DateField(_("admitted on"))
    # The first day the organization is no longer a member; set exactly when the state is "ended".
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    # Who changed what and when, for every save (admin or code; not bulk_create / update()).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-admitted_on"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            models.Index(fields=["state", "category"], name="membership_state_category_idx"),
            # The API's `admitted_on` ordering: active memberships by (admitted_on, organization).
            models.Index(
                fields=["admitted_on", "organization"],
                condition=Q(state="active"),
                name="membership_active_admitted_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(state="active"),
                name="membership_one_active_per_organization",
                violation_error_message=_("This organization already has an active membership."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("admitted_on")),
                name="membership_ends_after_admission",
            ),
            models.CheckConstraint(
                condition=(Q(state="ended") & Q(ended_on__isnull=False) & ~Q(end_reason=""))
                | (~Q(state="ended") & Q(ended_on__isnull=True) & Q(end_reason="")),
                name="membership_ended_has_date_and_reason",
                violation_error_message=_(
                    "An ended membership has an end date and a reason; an active or suspended one has neither."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state__in=MembershipState.values), name="membership_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_reason__in=["", *EndReason.values]), name="membership_end_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=MembershipCategory.values), name="membership_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.get_category_display()} ({self.get_state_display()})"

    def save(self, *args, **kwargs) -> None:
        """Save, and mark the organization changed: partners sync affiliates by its ``updated_at``."""
        super().save(*args, **kwargs)
        Organization.objects.filter(pk=self.organization_id).update(updated_at=timezone.now())

    @property
    def is_current(self) -> bool:
        """Active or suspended: not ended."""
        return self.state != MembershipState.ENDED


class MembershipSuspension(models.Model):
    """A dated period in which a membership was suspended: from ``starts_on`` to the day before
    ``ends_on`` (open while ``ends_on`` is null). Written when the state changes, never typed."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="suspensions"
    )
    starts_on = models.DateField(_("suspended from"))
    ends_on = models.DateField(_("reinstated on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
                name="suspension_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["membership"], condition=Q(ends_on__isnull=True), name="suspension_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.starts_on} to {self.ends_on or '…'}"


class YearlyReturn(models.Model):
    """A union's yearly return for one federation year (``registry.selectors.federation_year``):
    its officers, the students it represents, its activities. One per membership and year."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="yearly_returns"
    )
    year = models.PositiveSmallIntegerField(_("federation year"))
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # {"officers": [{"name", "role", "email"}], "students_represented": int, "activities": str}
    data = models.JSONField(_("return"), default=dict, blank=True)

    class Meta:
        ordering = ["membership", "-year"]
        verbose_name = _("yearly return")
        verbose_name_plural = _("yearly returns")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "year"],
                name="yearly_return_one_per_year",
                violation_error_message=_("A return for this year is filed already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.organization}: {self.year}"


class CountryRegion(models.Model):
    """Which region a country belongs to; every ISO 3166 country has exactly one row."""

    country = CountryField(_("country"), unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="countries"
    )

    class Meta:
        ordering = ["country"]
        verbose_name = _("country's region")
        verbose_name_plural = _("countries' regions")

    def __str__(self) -> str:
        return f"{self.country.name} → {self.region}"


class DecisionOutcome(models.TextChoices):
    """The final states of a membership application (workflows.ApplicationState's last three)."""

    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ArchivedDecision(models.Model):
    """A decision on a membership application, restored from a backup by ``import_registry``.

    A backup carries the federation's decisions (who applied, the outcome, when, and the
    tally of each vote round) but not the applications themselves: their applicants,
    contacts, documents, reviews and named ballots stay in the database they were made
    in. Restored decisions are kept here, read-only, and exported again as they came.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archived_decisions",
    )
    name = models.CharField(_("organization name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    country = CountryField(_("country"), blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices, blank=True)
    state = models.CharField(_("final state"), max_length=20, choices=DecisionOutcome.choices)
    created_at = models.DateTimeField(_("application created at"))
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Each round as exported: number, category, opened/closed, deadline, rules, outcome, tally.
    vote_rounds = models.JSONField(_("vote rounds"), default=list, blank=True)
    imported_at = models.DateTimeField(_("restored at"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("archived decision")
        verbose_name_plural = _("archived decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DecisionOutcome.values), name="archived_decision_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_state_display()}"


# --- the people who act for a member union --------------------------------------------------------------


class Representative(models.Model):
    """A person who represents an organization (the applicant first, then those invited).

    A removed representative's row stays, with ``removed_at``: the record of who represented the
    union when. One active row per person and organization; at most one primary contact.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="representatives"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="representations",
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-is_primary", "added_at", "pk"]
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(removed_at__isnull=True),
                name="representative_one_active_per_person",
                violation_error_message=_("This person already represents this organization."),
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_primary=True, removed_at__isnull=True),
                name="representative_one_primary",
                violation_error_message=_("This organization already has a primary contact."),
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(is_primary=False),
                name="representative_removed_not_primary",
            ),
        ]
        indexes = [models.Index(fields=["user", "removed_at"], name="representative_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


def hash_token(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256 (the token itself is only in the link)."""
    return hashlib.sha256(token.encode()).hexdigest()


class RepresentativeInvitation(models.Model):
    """An invitation, sent by e-mail, to become a representative of an organization.

    Its link carries a random token; only the token's hash is stored. It can be accepted once,
    before ``expires_at``, by a signed-in person with the invited address verified; a
    representative may revoke it before that.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation to represent")
        verbose_name_plural = _("invitations to represent")
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    def is_pending(self, now: datetime.datetime | None = None) -> bool:
        """Neither accepted nor revoked, and not expired."""
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at


class ChangeRequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


# What a representative may not change alone: the secretariat approves each change.
CHANGE_REQUEST_FIELDS = ("name", "name_latin", "acronym", "country")


class ChangeRequest(models.Model):
    """A union asks to change its name, acronym or country; the secretariat approves or declines."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="change_requests"
    )
    changes = models.JSONField(_("requested values"))  # {field: new value}, fields of CHANGE_REQUEST_FIELDS
    previous = models.JSONField(_("values when asked"), default=dict)  # {field: value then}
    comment = models.TextField(_("the union's explanation"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ChangeRequestState.choices, default=ChangeRequestState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.TextField(_("the secretariat's reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(state="pending"),
                name="change_request_one_pending",
                violation_error_message=_("This organization already has a change request waiting."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=ChangeRequestState.values), name="change_request_state_valid"
            ),
            models.CheckConstraint(
                condition=(Q(state="pending") & Q(decided_at__isnull=True))
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="change_request_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(reason=""), name="change_request_declined_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {', '.join(sorted(self.changes))} ({self.get_state_display()})"


class DirectoryEventType(models.TextChoices):
    ADMITTED = "member.admitted", _("Admitted")
    UPDATED = "member.updated", _("Details changed")
    CATEGORY_CHANGED = "member.category_changed", _("Category changed")
    STANDING_CHANGED = "member.standing_changed", _("Good standing changed")
    SUSPENDED = "member.suspended", _("Suspended")
    REINSTATED = "member.reinstated", _("Reinstated")
    ENDED = "member.ended", _("Membership ended")


# A directory event that lists its organization (``entry`` not null): what the directory as of a date reads.
LISTED = Q(entry__isnull=False)


class DirectoryEvent(models.Model):
    """One change to what the partner directory shows, in commit order (``registry.feed``).

    ``seq`` is the event's public id and the feed's cursor: numbered without gaps, in the order the
    transactions that wrote them committed. ``entry`` is the affiliate's directory row after the
    change (``registry.feed.ENTRY_FIELDS``), or null when the directory no longer lists it.
    """

    seq = models.BigIntegerField(_("number"), unique=True, editable=False)
    type = models.CharField(_("type"), max_length=40, choices=DirectoryEventType.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="directory_events",
    )
    slug = models.SlugField(_("slug"), max_length=220)
    # The slug the directory listed it under before, when this event changed it.
    previous_slug = models.SlugField(_("previous slug"), max_length=220, blank=True)
    entry = models.JSONField(_("directory entry"), null=True, blank=True)
    changed = models.JSONField(_("changed fields"), default=list, blank=True)
    # For an event that removes the affiliate: {"state", "since", "reason"} of its membership.
    membership = models.JSONField(_("membership"), default=dict, blank=True)
    # The decision that caused it, when there is one: {"type": "application" | "motion" | ..., "id": ...}.
    decision = models.JSONField(_("decision"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    # --- The directory as of a date (``registry.history``) ---
    # When the organization's next event occurred: the entry held from ``occurred_at`` up to then
    # (null while it is the latest). ``registry.feed`` sets it when it records the next event.
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True, editable=False)
    # Copies of the entry's columns that the directory filters and orders by, so that a past
    # directory is read with indexes, as the present one is (empty for an event that removes it).
    name = models.CharField(_("name"), max_length=200, blank=True, default="", editable=False)
    country = models.CharField(_("country"), max_length=2, blank=True, default="", editable=False)
    # By id, not code: a region filter names the region as it is now. No constraint: a region
    # deleted later leaves the history as it was.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=20, blank=True, default="", editable=False)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, editable=False)
    in_good_standing = models.BooleanField(_("in good standing"), null=True, blank=True, editable=False)
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("directory event")
        verbose_name_plural = _("directory events")
        indexes = [
            models.Index(fields=["organization", "-seq"], name="directory_event_org_seq_idx"),
            # The directory as of a date, in each ordering of the API (keyset on organization id).
            # Only the events that list an organization: a removal's empty name would sort first.
            models.Index(fields=["name", "organization"], name="directory_event_name_idx", condition=LISTED),
            models.Index(
                fields=["admitted_on", "organization"], name="directory_event_admitted_idx", condition=LISTED
            ),
            models.Index(
                fields=["updated_at", "organization"], name="directory_event_updated_idx", condition=LISTED
            ),
            models.Index(fields=["slug"], name="directory_event_slug_idx", condition=LISTED),
            models.Index(fields=["occurred_at"], name="directory_event_occurred_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gt=0), name="directory_event_seq_positive"),
            models.CheckConstraint(
                condition=Q(type__in=DirectoryEventType.values), name="directory_event_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.type} {self.slug}"


class DirectoryFeedCounter(models.Model):
    """The feed's last event number: one row, locked by each transaction that records an event until
    it commits, so the numbers follow the commit order (``registry.feed``)."""

    last = models.BigIntegerField(default=0)
    # A cursor below this number can no longer be followed: events after it were deleted
    # (``FEED_RETENTION_DAYS``, or a restore: ``registry.feed.forget``).
    pruned_through = models.BigIntegerField(default=0)
    # The moment from which the kept events give the whole directory (``registry.history``): set
    # when old events are deleted (``prune``, ``forget``); null while every event is kept.
    history_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("directory feed counter")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="directory_feed_counter_single_row")]

    def __str__(self) -> str:
        return str(self.last)


class CertificateKey(models.Model):
    """An Ed25519 key that signs membership certificates (``registry.certificates``).

    The newest key that is not retired signs; retired keys stay published so that the
    certificates they signed still verify. A revoked key is no longer published: what it signed
    no longer verifies. The private key is stored encrypted (Fernet, key from
    ``CERTIFICATE_KEY_SECRET``)."""

    kid = models.CharField(_("key id"), max_length=40, unique=True)
    public_key = models.CharField(_("public key (base64url)"), max_length=64)
    private_key_encrypted = models.TextField(_("private key (encrypted)"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("certificate signing key")
        verbose_name_plural = _("certificate signing keys")

    def __str__(self) -> str:
        return self.kid


class Certificate(models.Model):
    """A membership certificate that was issued: what it states, who asked for it, which key signed it."""

    id = models.UUIDField(_("certificate id"), primary_key=True, editable=False)
    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="certificates"
    )
    category = models.CharField(_("category"), max_length=20, choices=MembershipCategory.choices)
    in_good_standing = models.BooleanField(_("in good standing"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued to"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_until = models.DateField(_("valid until"))
    key = models.ForeignKey(
        CertificateKey, verbose_name=_("signing key"), on_delete=models.PROTECT, related_name="certificates"
    )
    token = models.TextField(_("signed statement"), editable=False)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("membership certificate")
        verbose_name_plural = _("membership certificates")

    def __str__(self) -> str:
        return f"{self.membership.organization} — {self.issued_at:%Y-%m-%d} ({self.id})"
