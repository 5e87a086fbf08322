"""The federation's registry: regions, organizations and their memberships."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

EARLIEST_FOUNDING_YEAR = 1800


class Region(models.Model):
    """A region of the federation; regions may nest (Africa > West Africa)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
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
        return self.name


class OrganizationKind(models.TextChoices):
    NATIONAL_UNION = "national_union", _("National student union")
    UNIVERSITY_UNION = "university_union", _("University student union")
    FEDERATION = "federation", _("Federation of student unions")
    OTHER = "other", _("Other student organization")


class Organization(models.Model):
    """A student organization known to the federation (affiliate or not)."""

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["country"]), models.Index(fields=["name", "id"])]
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


class MembershipCategory(models.TextChoices):
    FULL = "full", _("Full member")
    ASSOCIATE = "associate", _("Associate member")
    OBSERVER = "observer", _("Observer")


class Standing(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Membership(models.Model):
    """An organization's membership of the federation; an active one makes it an affiliate.

    The application that admitted it links here (``admitting_application``) from the
    workflows app, so the registry does not depend on the workflow.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="memberships"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=MembershipCategory.choices, default=MembershipCategory.FULL
    )
    standing = models.CharField(
        _("standing"), max_length=20, choices=Standing.choices, default=Standing.ACTIVE
    )
    admitted_on = models.DateField(_("admitted on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-admitted_on"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["standing", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(standing="active"),
                name="membership_one_active_per_organization",
                violation_error_message=_("This organization already has an active membership."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("admitted_on")),
                name="membership_ends_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(standing="withdrawn") | Q(ended_on__isnull=True),
                name="membership_only_withdrawn_has_end",
            ),
            models.CheckConstraint(
                condition=Q(standing__in=Standing.values), name="membership_standing_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=MembershipCategory.values), name="membership_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.get_category_display()} ({self.get_standing_display()})"


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
