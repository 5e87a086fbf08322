from django.contrib import admin
from django.http import HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import feed
from .models import (
    ArchivedDecision,
    Certificate,
    CertificateKey,
    ChangeRequest,
    CountryRegion,
    DirectoryEvent,
    Membership,
    MembershipSuspension,
    Organization,
    Region,
    Representative,
    RepresentativeInvitation,
    YearlyReturn,
)
from .services import membership_suspensions_sync


class SubRegionInline(admin.TabularInline):
    model = Region
    fk_name = "parent"
    extra = 0
    fields = ["code", "name", "name_ar", "name_fr", "name_tr"]
    verbose_name_plural = _("sub-regions")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """The name in English (the canonical one, which the change feed and the API fall back to) and its
    translations; pages and the API show the one of the reader's language."""

    list_display = ["name", "name_ar", "name_fr", "name_tr", "code", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_ar", "name_fr", "name_tr", "code"]
    fields = ["code", "name", "name_ar", "name_fr", "name_tr", "parent"]
    inlines = [SubRegionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        feed.publish_all()  # a renamed region renames it in every affiliate's entry


@admin.register(CountryRegion)
class CountryRegionAdmin(admin.ModelAdmin):
    list_display = ["country", "region"]
    list_filter = ["region"]
    list_editable = ["region"]
    search_fields = ["country"]
    list_select_related = ["region"]


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The admin's "History" lists each recorded version with who changed what and when.

    The record is read-only: a historical version can be viewed, never saved back
    (SIMPLE_HISTORY_REVERT_DISABLED hides the button; this refuses the POST), and the
    historical models have no admin of their own, so nothing edits or deletes them.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["category", "state", "admitted_on", "ended_on", "end_reason"]


class SuspensionInline(admin.TabularInline):
    """The dated suspensions, written when the state changes (to and from "suspended"): read-only."""

    model = MembershipSuspension
    extra = 0
    fields = ["starts_on", "ends_on", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "name_latin", "acronym", "country", "region", "kind", "updated_at"]
    list_filter = ["region", "kind", "memberships__state", "memberships__category"]
    search_fields = ["name", "name_latin", "acronym", "city", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for membership in form.instance.memberships.all():
            membership_suspensions_sync(membership=membership)
        feed.publish(form.instance)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["organization", "category", "state", "admitted_on", "ended_on", "end_reason"]
    list_filter = ["state", "category", "end_reason", "organization__region"]
    search_fields = ["organization__name", "organization__acronym"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    date_hierarchy = "admitted_on"
    inlines = [SuspensionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        membership_suspensions_sync(membership=form.instance)
        feed.publish(form.instance.organization_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        feed.publish(obj.organization_id)

    def delete_queryset(self, request, queryset):
        organization_ids = set(queryset.values_list("organization_id", flat=True))
        super().delete_queryset(request, queryset)
        for organization_id in sorted(organization_ids):
            feed.publish(organization_id)


@admin.register(ArchivedDecision)
class ArchivedDecisionAdmin(admin.ModelAdmin):
    """Decisions restored from a backup (manage.py import_registry): read-only."""

    list_display = ["name", "country", "state", "decided_at", "organization"]
    list_filter = ["state", "region"]
    search_fields = ["name", "acronym", "organization__slug"]
    list_select_related = ["organization"]
    date_hierarchy = "decided_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through the services (the member area, the committee pages)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    list_display = ["organization", "user", "is_primary", "added_at", "removed_at"]
    list_filter = ["is_primary", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["organization__name", "organization__acronym", "user__email"]
    list_select_related = ["organization", "user"]


@admin.register(RepresentativeInvitation)
class RepresentativeInvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "organization",
        "email",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    search_fields = ["organization__name", "email"]
    list_select_related = ["organization", "invited_by"]
    exclude = ["token_hash"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    """Decided on the committee pages (/committee/change-requests/)."""

    list_display = ["organization", "state", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["organization__name", "organization__acronym"]
    list_select_related = ["organization", "requested_by", "decided_by"]


@admin.register(YearlyReturn)
class YearlyReturnAdmin(ReadOnlyAdmin):
    """The unions' yearly returns, as filed by their representatives: read-only."""

    list_display = ["membership", "year", "filed_at", "filed_by"]
    list_filter = ["year"]
    search_fields = ["membership__organization__name", "membership__organization__acronym"]
    list_select_related = ["membership__organization", "filed_by"]
    readonly_fields = ["membership", "year", "filed_at", "filed_by", "data"]


@admin.register(DirectoryEvent)
class DirectoryEventAdmin(ReadOnlyAdmin):
    """The partners' change feed (``registry.feed``), as recorded: nothing here edits it."""

    list_display = ["seq", "type", "slug", "occurred_at"]
    list_filter = ["type"]
    search_fields = ["slug", "organization__name"]
    date_hierarchy = "occurred_at"


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Every membership certificate issued: to whom, what it said, until when, which key signed it."""

    list_display = [
        "membership",
        "issued_at",
        "issued_by",
        "category",
        "in_good_standing",
        "valid_until",
        "key",
    ]
    list_filter = ["category", "in_good_standing", "valid_until"]
    search_fields = ["membership__organization__name", "membership__organization__slug", "id"]
    list_select_related = ["membership__organization", "issued_by", "key"]
    date_hierarchy = "issued_at"
    fields = [
        "id",
        "membership",
        "category",
        "in_good_standing",
        "issued_at",
        "issued_by",
        "valid_until",
        "key",
        "token",
    ]
    readonly_fields = fields


@admin.register(CertificateKey)
class CertificateKeyAdmin(ReadOnlyAdmin):
    """The signing keys (rotate with ``manage.py rotate_certificate_key``); private keys are never shown."""

    list_display = ["kid", "created_at", "retired_at", "revoked_at"]
    fields = ["kid", "public_key", "created_at", "retired_at", "revoked_at"]
    readonly_fields = fields
