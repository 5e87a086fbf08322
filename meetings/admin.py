"""The secretariat's admin for meetings: records to read, with their agenda, attendance and log.

A meeting changes only through ``meetings.services`` (which send the committee its invitations,
updates and cancellations, and keep the calendar's sequence): here everything is read-only.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin import ReadOnlyAdmin
from workflows.admin import ReadOnlyInline, TransitionLogInline

from .models import AgendaItem, ArchivedMeeting, Attendance, Meeting, Minutes


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "kind", "application", "motion", "title", "added_by", "added_at"]
    select_related = ("application", "motion__membership__organization", "added_by")
    verbose_name_plural = _("agenda")


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["member", "status", "recorded_by", "recorded_at"]
    select_related = ("member", "recorded_by")


class MinutesInline(ReadOnlyInline):
    """The minutes' hash and dates; their text is read on the committee's pages (``meetings.minutes``)."""

    model = Minutes
    fields = ["sha256", "generated_at", "circulated_at", "approved_at", "approved_by"]
    select_related = ("approved_by",)


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Meetings as records; prepared, convened and held on the committee's pages (``meetings.services``)."""

    list_display = ["title", "starts_at", "ends_at", "state", "place", "chair", "minute_taker"]
    list_filter = ["state"]
    search_fields = ["title", "place"]
    list_select_related = ["chair", "minute_taker"]
    date_hierarchy = "starts_at"
    fields = [
        "title",
        "state",
        "starts_at",
        "ends_at",
        "place",
        "online_link",
        "chair",
        "minute_taker",
        "uid",
        "sequence",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [AgendaItemInline, AttendanceInline, MinutesInline, TransitionLogInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchivedMeeting)
class ArchivedMeetingAdmin(ReadOnlyAdmin):
    """Meetings restored from a backup (manage.py import_registry): read-only, as the backup had them."""

    list_display = ["title", "starts_at", "state", "imported_at"]
    list_filter = ["state"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    fields = ["title", "state", "starts_at", "uid", "data", "imported_at"]
    readonly_fields = fields
