from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from registry.models import DirectoryEventType

from . import webhooks
from .models import PartnerKey, WebhookDelivery, WebhookEndpoint

# The API accepts partner keys only; the package's generic key would not work, so it is not offered.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(PartnerKey)
class PartnerKeyAdmin(APIKeyModelAdmin):
    list_display = [
        "prefix",
        "organization_name",
        "name",
        "contact_email",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
    ]
    list_filter = ["revoked", "created", "expiry_date"]
    search_fields = ["organization_name", "name", "prefix", "contact_email"]
    fields = ["organization_name", "contact_email", "name", "prefix", "expiry_date", "revoked"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key = PartnerKey.objects.assign_key(obj)
        obj.save()
        messages.warning(
            request,
            _(
                "The API key for {partner} is: {key} — copy it now and send it to the partner safely. "
                "It is stored hashed and will not be shown again."
            ).format(partner=obj.organization_name, key=key),
        )


# --- partners' webhooks ---------------------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=DirectoryEventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["partner_key", "url", "description", "event_types", "enabled"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhooks.check_url(url)
        except webhooks.UnsafeTarget as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Endpoints through the services: the secret is made (and shown once) at creation and on
    rotation; enabling one sends what waited."""

    form = WebhookEndpointForm
    list_display = ["url", "partner_key", "enabled", "consecutive_failures", "disabled_at", "delivery_log"]
    list_filter = ["enabled", "partner_key"]
    search_fields = ["url", "description", "partner_key__organization_name", "partner_key__prefix"]
    list_select_related = ["partner_key"]
    readonly_fields = [
        "last_event_seq",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
        "delivery_log",
    ]
    actions = ["rotate_secret"]

    @admin.display(description=_("delivery log"))
    def delivery_log(self, obj: WebhookEndpoint) -> str:
        if obj.pk is None:
            return "—"
        link = reverse("admin:api_webhookdelivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', link, _("Deliveries"))

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in ("url", "description", "event_types", "enabled")}
        if change:
            webhooks.webhook_endpoint_update(endpoint=obj, **data)
            return
        endpoint, secret = webhooks.webhook_endpoint_create(
            partner_key=form.cleaned_data["partner_key"], **data
        )
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _(
                "The signing secret of this endpoint is: {secret} — copy it now and send it to the partner "
                "safely. It is stored encrypted and will not be shown again."
            ).format(secret=secret),
        )

    @admin.action(description=_("Rotate the signing secret (shown once)"), permissions=["change"])
    def rotate_secret(self, request, queryset) -> None:
        for endpoint in queryset.order_by("pk"):
            endpoint, secret = webhooks.webhook_secret_rotate(endpoint=endpoint)
            messages.warning(
                request,
                _("New signing secret of {url}: {secret} — shown once.").format(
                    url=endpoint.url, secret=secret
                ),
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only rows, filtered by endpoint and state, with "redeliver"."""

    list_display = [
        "created_at",
        "endpoint",
        "event_seq",
        "event_type",
        "state",
        "attempts",
        "response_status",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["state", "event_type", "endpoint"]
    search_fields = ["endpoint__url"]
    list_select_related = ["endpoint"]
    ordering = ["-pk"]
    actions = ["redeliver"]
    fields = [
        "endpoint",
        "event_seq",
        "event_type",
        "state",
        "attempts",
        "next_attempt_at",
        "retry_until",
        "claimed_at",
        "sent_at",
        "response_status",
        "response_body",
        "last_error",
        "payload",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, obj: WebhookDelivery) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the log is the record of what was sent

    @admin.action(description=_("Redeliver"), permissions=["change"])
    def redeliver(self, request, queryset) -> None:
        done = 0
        for delivery in queryset.order_by("pk"):
            try:
                webhooks.webhook_redeliver(delivery=delivery)
            except webhooks.WebhookError as error:
                self.message_user(request, f"#{delivery.pk}: {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            message = ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
