"""The shapes of the motions API (decisions on member unions): what comes in, what goes out.

Input serializers check shapes only; every rule (who may propose or act, in which state, what a
kind needs) is ``workflows.motions``'."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.models import MembershipCategory
from workflows import rules
from workflows.models import MotionKind, MotionState

from .workflow_serializers import InputSerializer

# ``rules.motion_allowed_actions`` → the names the API shows (its endpoints' paths).
MOTION_ACTION_NAMES = {
    "open_vote": "open-vote",
    "close_vote": "close-vote",
    "confirm": "confirm",
    "drop": "drop",
    "vote": "vote",
    "recuse": "recuse",
}


class MotionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    union = serializers.SlugField(source="membership.organization.slug", help_text=_("The union's slug."))
    union_name = serializers.CharField(source="membership.organization.name")
    kind = serializers.ChoiceField(choices=MotionKind.choices)
    state = serializers.ChoiceField(choices=MotionState.choices)
    reason = serializers.CharField(allow_blank=True)
    category = serializers.CharField(allow_blank=True, help_text=_("A change of category: the new one."))
    effective_on = serializers.DateField(
        allow_null=True, help_text=_("A withdrawal: the first day no longer a member.")
    )
    invoice_number = serializers.SerializerMethodField(
        help_text=_(
            "A waiver of dues: the number of the invoice it waives. Null for other decisions, and for "
            "anyone but the committee (secretariat, reviewers, Executive Committee)."
        )
    )
    amount = serializers.SerializerMethodField(
        help_text=_(
            "A waiver of dues: the amount waived, a decimal number as text with the currency's "
            "decimal places. Null as invoice_number."
        )
    )
    currency = serializers.SerializerMethodField(
        help_text=_("A waiver of dues: the ISO 4217 code of the amount's currency. Null as invoice_number.")
    )
    proposed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    actions = serializers.SerializerMethodField(help_text=_("What the caller may do next."))

    def get_actions(self, motion) -> list[str]:
        user = self.context["request"].user
        return sorted(MOTION_ACTION_NAMES[a] for a in rules.motion_allowed_actions(motion, user))

    def _waived_invoice(self, motion):
        """The invoice a waiver waives, if the caller may read it (``rules.may_read_motion_dues``)."""
        if motion.invoice_id is None or not rules.may_read_motion_dues(motion, self.context["request"].user):
            return None
        return motion.invoice

    @extend_schema_field({"type": "string", "nullable": True, "example": "2026-0001"})
    def get_invoice_number(self, motion) -> str | None:
        invoice = self._waived_invoice(motion)
        return invoice.number if invoice else None

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "1250.00"})
    def get_amount(self, motion) -> str | None:
        return str(motion.amount) if self._waived_invoice(motion) else None

    @extend_schema_field({"type": "string", "nullable": True, "example": "EUR"})
    def get_currency(self, motion) -> str | None:
        invoice = self._waived_invoice(motion)
        return invoice.currency if invoice else None


class MotionCreateSerializer(InputSerializer):
    # Any text: a slug the registry does not know is a 404, not a shape error.
    union = serializers.CharField(
        max_length=220, help_text=_("The member union's slug, as in the directory.")
    )
    kind = serializers.ChoiceField(choices=MotionKind.choices)
    reason = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for a suspension or an expulsion: the union reads it."),
    )
    category = serializers.ChoiceField(
        choices=MembershipCategory.choices, required=False, help_text=_("A change of category: the new one.")
    )
    effective_on = serializers.DateField(
        required=False, help_text=_("A withdrawal: the first day no longer a member.")
    )
    invoice_number = serializers.CharField(
        max_length=20,
        required=False,
        help_text=_("A waiver of dues: the number of one of the union's invoices, as printed on it."),
    )
    amount = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        required=False,
        help_text=_(
            "A waiver of dues: the amount to waive in the invoice's currency, a decimal number as text "
            '("1250.00"): more than the secretariat waives alone (DUES_WAIVER_LIMIT), at most what is '
            "open on the invoice."
        ),
    )


class MotionOpenVoteSerializer(InputSerializer):
    deadline = serializers.DateTimeField(
        required=False, help_text=_("When the vote closes (in the future); default: in 14 days.")
    )
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class MotionCommentSerializer(InputSerializer):
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class MotionDropSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH, help_text=_("Required: the union reads it.")
    )


class MotionBallotSerializer(serializers.Serializer):
    motion = serializers.IntegerField(source="round.motion_id")
    round = serializers.IntegerField(source="round.number")
    choice = serializers.CharField()
    cast_at = serializers.DateTimeField()


class MotionRecusalSerializer(serializers.Serializer):
    motion = serializers.IntegerField(source="round.motion_id")
    round = serializers.IntegerField(source="round.number")
    recused_at = serializers.DateTimeField()
    reason = serializers.CharField(source="recusal_reason", allow_blank=True)
