"""The shapes of the meetings API (the Executive Committee's meetings): what comes in, what goes out.

Input serializers check shapes only; every rule (who may prepare, convene or open a meeting, in
which state, what the agenda may hold, who records attendance) is ``meetings.services``' and
``meetings.rules``'. Output serializers read what ``meetings.selectors`` loaded.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings import rules
from meetings.models import AgendaItemKind, AttendanceStatus, MeetingState
from registry.models import MembershipCategory
from workflows.models import BallotChoice, VoteMode, VoteOutcome

from .workflow_serializers import InputSerializer, PersonSerializer

# ``rules.MEETING_ACTIONS`` → the names the API shows.
MEETING_ACTION_NAMES = {
    "edit": "edit",
    "convene": "convene",
    "cancel": "cancel",
    "manage_agenda": "manage-agenda",
    "record_attendance": "record-attendance",
    "open_session": "open-session",
    "close": "close",
}
ID_MAX = 2**63 - 1
TITLE_MAX_LENGTH = 200


# --- reading ----------------------------------------------------------------------------------


class MeetingSerializer(serializers.Serializer):
    """A meeting as the list shows it."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=MeetingState.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True)
    online_link = serializers.CharField(allow_blank=True)
    chair = PersonSerializer()
    minute_taker = PersonSerializer()
    agenda_size = serializers.SerializerMethodField(help_text=_("How many items the agenda holds."))
    actions = serializers.SerializerMethodField(help_text=_("What the caller may do next."))

    def get_agenda_size(self, meeting) -> int:
        size = getattr(meeting, "agenda_size", None)
        return size if size is not None else len(meeting.agenda_items.all())

    def get_actions(self, meeting) -> list[str]:
        user = self.context["request"].user
        return sorted(MEETING_ACTION_NAMES[a] for a in rules.meeting_allowed_actions(meeting, user))


class AgendaPaperSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField(help_text=_("In bytes."))
    content_type = serializers.CharField()


class ClosedTallySerializer(serializers.Serializer):
    yes = serializers.IntegerField()
    no = serializers.IntegerField()
    abstain = serializers.IntegerField()
    eligible = serializers.IntegerField(help_text=_("The round's electorate, less recusals."))


class ItemRoundSerializer(serializers.Serializer):
    """A vote round opened on an agenda item: how it is voted, whether it is open, and once closed
    its outcome and tally."""

    number = serializers.IntegerField(help_text=_("The decision's round number, from 1."))
    mode = serializers.ChoiceField(choices=VoteMode.choices)
    state = serializers.SerializerMethodField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=[("open", "open"), ("closed", "closed")]))
    def get_state(self, vote_round) -> str:
        return "open" if vote_round.closed_at is None else "closed"

    @extend_schema_field(serializers.ChoiceField(choices=VoteOutcome.choices, allow_null=True))
    def get_outcome(self, vote_round) -> str | None:
        return vote_round.outcome if vote_round.closed_at is not None else None

    @extend_schema_field(ClosedTallySerializer(allow_null=True, help_text=_("Once the round is closed.")))
    def get_tally(self, vote_round) -> dict | None:
        if vote_round.closed_at is None:
            return None
        return {
            "yes": vote_round.yes_count,
            "no": vote_round.no_count,
            "abstain": vote_round.abstain_count,
            "eligible": vote_round.eligible_count,
        }


class AgendaItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text=_("The item's number on the agenda, from 1."))
    kind = serializers.ChoiceField(choices=AgendaItemKind.choices)
    label = serializers.CharField(help_text=_("The item as the agenda lists it."))
    application = serializers.IntegerField(
        source="application_id", allow_null=True, help_text=_("An application's item: its id.")
    )
    motion = serializers.IntegerField(
        source="motion_id", allow_null=True, help_text=_("A motion's item: its id.")
    )
    minutes_of = serializers.IntegerField(
        source="minutes.meeting_id",
        allow_null=True,
        default=None,
        help_text=_("An approval of minutes: the id of the meeting whose minutes it approves."),
    )
    title = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)
    papers = AgendaPaperSerializer(many=True)
    rounds = ItemRoundSerializer(
        source="vote_rounds", many=True, help_text=_("The votes opened on the item, first first.")
    )


class AttendanceSerializer(serializers.Serializer):
    member = PersonSerializer()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    recorded_at = serializers.DateTimeField()


class QuorumSerializer(serializers.Serializer):
    present = serializers.IntegerField(help_text=_("Members of the committee present, in person or online."))
    committee = serializers.IntegerField(help_text=_("The committee's size today."))
    needed = serializers.IntegerField(help_text=_("The fewest members present that make the quorum."))
    met = serializers.BooleanField()


class MeetingDetailSerializer(MeetingSerializer):
    """A meeting in full: its agenda in order, the attendance recorded, the quorum."""

    agenda = AgendaItemSerializer(source="agenda_items", many=True)
    attendance = AttendanceSerializer(many=True)
    quorum = serializers.SerializerMethodField()

    @extend_schema_field(QuorumSerializer)
    def get_quorum(self, meeting) -> dict:
        return QuorumSerializer(self.context["quorum"]).data


# --- writing ----------------------------------------------------------------------------------


def _expected_state():
    return serializers.ChoiceField(
        choices=MeetingState.choices,
        required=False,
        help_text=_(
            "The state the caller last saw: if the meeting is in another one now, nothing is done (409 'conflict')."
        ),
    )


def _person(help_text):
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text=help_text)


class MeetingWriteSerializer(InputSerializer):
    """A meeting's fields; PATCH sends only those it changes."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text=_("After the start."))
    place = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text=_("A place, an online link, or both.")
    )
    online_link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    chair = _person(_("The user id of a member of the Executive Committee."))
    minute_taker = _person(_("The user id of a member of the Executive Committee."))


class MeetingUpdateSerializer(MeetingWriteSerializer):
    expected_state = _expected_state()


class MeetingActionSerializer(InputSerializer):
    expected_state = _expected_state()


class MeetingCancelSerializer(MeetingActionSerializer):
    reason = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Sent to the committee with the cancellation of a convened meeting."),
    )


class AgendaItemInputSerializer(MeetingActionSerializer):
    kind = serializers.ChoiceField(choices=AgendaItemKind.choices)
    application = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, help_text=_("For an application: its id.")
    )
    motion = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, help_text=_("For a motion: its id.")
    )
    minutes_of = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        help_text=_("For the approval of minutes: the id of the earlier, closed meeting they belong to."),
    )
    title = serializers.CharField(
        max_length=TITLE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a report or other business: required."),
    )
    text = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a report: its text."),
    )


class AgendaReorderSerializer(MeetingActionSerializer):
    item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=500,
        help_text=_("Every item's id, once each, in the new order."),
    )


class AttendanceInputSerializer(MeetingActionSerializer):
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class MeetingFilterSerializer(serializers.Serializer):
    """The list's query parameters (the query string also carries ``page`` and ``page_size``)."""

    when = serializers.ChoiceField(
        choices=[("upcoming", _("Not ended yet")), ("past", _("Ended"))], required=False
    )
    state = serializers.ChoiceField(choices=MeetingState.choices, required=False)


# --- votes on the agenda's items --------------------------------------------------------------

VOTES_MAX = 10_000


class ItemVoteOpenSerializer(MeetingActionSerializer):
    mode = serializers.ChoiceField(
        choices=VoteMode.choices,
        help_text=_(
            "online: each member votes with their own ballot; named: the choice of each member present "
            "is recorded in the room; counted: only the totals counted in the room."
        ),
    )
    category = serializers.ChoiceField(
        choices=MembershipCategory.choices,
        required=False,
        help_text=_("An application: the membership category proposed (default: full)."),
    )
    deadline = serializers.DateTimeField(
        required=False, help_text=_("When the vote closes (in the future); default: in 14 days.")
    )
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


NAMED_MAX = 500


@extend_schema_field(
    {
        "type": "object",
        "minProperties": 1,
        "maxProperties": NAMED_MAX,
        "additionalProperties": {"type": "string", "enum": BallotChoice.values},
    }
)
class NamedChoicesField(serializers.DictField):
    """Member's user id (a JSON object's key, so a string of digits) → yes, no or abstain."""


class NamedVotesSerializer(MeetingActionSerializer):
    choices = NamedChoicesField(
        child=serializers.ChoiceField(choices=BallotChoice.choices),
        allow_empty=False,
        help_text=_(
            "Each member's user id → the choice announced in the room. Only members recorded present; "
            "all or none are recorded."
        ),
    )

    def validate_choices(self, choices: dict) -> dict[int, str]:
        if len(choices) > NAMED_MAX:
            raise serializers.ValidationError(_("At most %(limit)d members.") % {"limit": NAMED_MAX})
        if any(not key.isascii() or not key.isdigit() or len(key) > 18 for key in choices):
            raise serializers.ValidationError(_("Name each member by their user id."))
        return {int(key): choice for key, choice in choices.items()}


def _total(label):
    return serializers.IntegerField(min_value=0, max_value=VOTES_MAX, help_text=label)


class CountedVotesSerializer(MeetingActionSerializer):
    yes = _total(_("Yes, as counted in the room."))
    no = _total(_("No, as counted in the room."))
    abstain = _total(_("Abstentions, as counted in the room."))


class ItemVoteCloseSerializer(MeetingActionSerializer):
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


# --- minutes --------------------------------------------------------------------------------------

MINUTES_ACTION_NAMES = {"summarize": "summarize", "circulate": "circulate"}


class MinutesItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text=_("The agenda item's id."))
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AgendaItemKind.choices)
    decision = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "admitted, rejected, carried, defeated, no_quorum, pending (a vote still open), approved "
            "(minutes), or empty (no vote)."
        ),
    )
    summary = serializers.CharField(allow_blank=True, help_text=_("The minute-taker's summary of the item."))


class MinutesSerializer(serializers.Serializer):
    """A meeting's minutes: the record generated from what the meeting did, and where they stand."""

    meeting = serializers.IntegerField(source="meeting_id")
    state = serializers.SerializerMethodField()
    generated_at = serializers.DateTimeField()
    circulated_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = PersonSerializer(allow_null=True)
    sha256 = serializers.CharField(help_text=_("The SHA-256 of the record's canonical JSON."))
    verified = serializers.SerializerMethodField(
        help_text=_("Whether the record stored now still has this hash.")
    )
    record = serializers.JSONField(
        help_text=_(
            "The record the minutes are generated from: the meeting, the attendance, and each agenda item "
            "with its decision, rounds, tallies, named votes and recusals (codes, numbers and names)."
        )
    )
    items = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text=_("What the caller may do next."))

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[("draft", "draft"), ("circulated", "circulated"), ("approved", "approved")]
        )
    )
    def get_state(self, minutes) -> str:
        if minutes.approved_at is not None:
            return "approved"
        return "circulated" if minutes.circulated_at is not None else "draft"

    def get_verified(self, minutes) -> bool:
        return self.context["verified"]

    @extend_schema_field(MinutesItemSerializer(many=True))
    def get_items(self, minutes) -> list[dict]:
        return [
            {key: entry[key] for key in ("position", "kind", "decision", "summary")} | {"item": entry["item"]}
            for entry in minutes.record["items"]
        ]

    def get_actions(self, minutes) -> list[str]:
        user = self.context["request"].user
        if rules.minutes_edit_refusal(minutes.meeting, minutes, user) is not None:
            return []
        return sorted(MINUTES_ACTION_NAMES.values())


class MinutesSummaryInputSerializer(MeetingActionSerializer):
    text = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        allow_blank=True,
        help_text=_("The minute-taker's summary of the item; empty removes it."),
    )
