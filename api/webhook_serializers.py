"""The shapes of the webhooks API (``api.webhook_views``): what a partner sends and reads."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry.models import DirectoryEventType

from .models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text=_("https://… on a public address."))
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=DirectoryEventType.values),
        required=False,
        allow_empty=True,
        max_length=len(DirectoryEventType.values),
        help_text=_("The feed's event types to send; empty or left out: every event."),
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    previous_secret_valid_until = serializers.DateTimeField(
        source="previous_secret_expires_at",
        allow_null=True,
        help_text=_("Until then the previous secret signs too (after a rotation)."),
    )
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=DirectoryEventType.values))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "previous_secret_valid_until",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text=_("The signing secret (whsec_…): shown this once."))

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(help_text=_("The webhook-id header: the same on every attempt."))
    event_id = serializers.IntegerField(source="event_seq", help_text=_("The feed event's id."))

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "state",
            "attempts",
            "response_status",
            "response_body",
            "last_error",
            "next_attempt_at",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields
