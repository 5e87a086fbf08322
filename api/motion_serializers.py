"""The shapes of the motions API (decisions on member unions): what comes in, what goes out.

Input serializers check shapes only; every rule (who may propose or act, in which state, what a
kind needs) is ``workflows.motions``'."""

from django.utils.translation import gettext_lazy as _
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
    proposed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    actions = serializers.SerializerMethodField(help_text=_("What the caller may do next."))

    def get_actions(self, motion) -> list[str]:
        user = self.context["request"].user
        return sorted(MOTION_ACTION_NAMES[a] for a in rules.motion_allowed_actions(motion, user))


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
