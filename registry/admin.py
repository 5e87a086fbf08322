from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CountryRegion, Membership, Organization, Region


class SubRegionInline(admin.TabularInline):
    model = Region
    fk_name = "parent"
    extra = 0
    fields = ["code", "name"]
    verbose_name_plural = _("sub-regions")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    inlines = [SubRegionInline]


@admin.register(CountryRegion)
class CountryRegionAdmin(admin.ModelAdmin):
    list_display = ["country", "region"]
    list_filter = ["region"]
    list_editable = ["region"]
    search_fields = ["country"]
    list_select_related = ["region"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["category", "standing", "admitted_on", "ended_on"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "country", "region", "kind", "updated_at"]
    list_filter = ["region", "kind", "memberships__standing", "memberships__category"]
    search_fields = ["name", "acronym", "city", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organization", "category", "standing", "admitted_on", "ended_on"]
    list_filter = ["standing", "category", "organization__region"]
    search_fields = ["organization__name", "organization__acronym"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    date_hierarchy = "admitted_on"
