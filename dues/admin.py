"""The dues ledger in the admin: every row readable, none added, changed or deleted here.

Entries are made by ``dues.services`` only (the secretariat's dues pages call them, and the daily
task issues the invoices), so each one is locked, numbered, allocated and published as the
ledger's rules say; the admin is for reading them. Access is by the "view" permissions the
Secretariat group gets from ``accounts.roles.SECRETARIAT_PERMISSIONS``.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Allocation, CreditNote, DuesRate, Invoice, InvoiceCounter, Payment, Waiver


class ReadOnlyAdmin(admin.ModelAdmin):
    """A ledger record: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AllocationInline(admin.TabularInline):
    model = Allocation
    fk_name = "payment"
    fields = ["invoice", "amount_minor", "booked_on"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice")


@admin.register(DuesRate)
class DuesRateAdmin(ReadOnlyAdmin):
    list_display = ["year", "category", "students_from", "amount", "currency"]
    list_filter = ["year", "category"]


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "organization", "year", "issued_on", "due_on", "amount", "currency", "pro_rata"]
    list_filter = ["year", "pro_rata"]
    search_fields = ["number", "membership__organization__name", "membership__organization__acronym"]
    list_select_related = ["membership__organization"]
    date_hierarchy = "issued_on"

    @admin.display(description=_("organization"), ordering="membership__organization__name")
    def organization(self, invoice: Invoice):
        return invoice.membership.organization


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount_minor", "booked_on", "created_by"]
    search_fields = ["invoice__number", "reason"]
    list_select_related = ["invoice", "created_by"]


@admin.register(Waiver)
class WaiverAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount_minor", "booked_on", "created_by"]
    search_fields = ["invoice__number", "reason"]
    list_select_related = ["invoice", "created_by"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "paid_on",
        "organization",
        "amount",
        "currency",
        "amount_minor",
        "method",
        "reference",
        "reverses",
    ]
    list_filter = ["method", "currency"]
    search_fields = ["reference", "membership__organization__name", "membership__organization__acronym"]
    list_select_related = ["membership__organization", "reverses"]
    date_hierarchy = "paid_on"
    inlines = [AllocationInline]

    @admin.display(description=_("organization"), ordering="membership__organization__name")
    def organization(self, payment: Payment):
        return payment.membership.organization
