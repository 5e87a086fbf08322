"""The outbox in the admin: read-only rows, with "retry now" and "cancel" through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Notification
from .services import OutboxError, notification_cancel, notification_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "event",
        "recipient_email",
        "subject",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("state", "event")
    search_fields = ("recipient_email", "recipient__email", "idempotency_key", "message_id")
    list_select_related = ("subject_type",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    actions = ("retry_now", "cancel")
    fields = (
        "event",
        "template",
        "recipient",
        "recipient_email",
        "subject_type",
        "subject_id",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "message_id",
        "idempotency_key",
        "context",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, obj: Notification) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the outbox is the record of what was sent

    def _apply(self, request, queryset, service) -> int:
        done = 0
        for notification in queryset.order_by("pk"):
            try:
                service(notification=notification, actor=request.user)
            except OutboxError as exc:
                self.message_user(request, f"#{notification.pk}: {exc.message}", messages.WARNING)
            else:
                done += 1
        return done

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset) -> None:
        done = self._apply(request, queryset, notification_retry)
        if done:
            message = ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Cancel (never send)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        done = self._apply(request, queryset, notification_cancel)
        if done:
            message = ngettext("%(count)d e-mail cancelled.", "%(count)d e-mails cancelled.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
