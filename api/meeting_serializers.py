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
    title = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)
    papers = AgendaPaperSerializer(many=True)


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
