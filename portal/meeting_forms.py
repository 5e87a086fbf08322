"""The forms of the committee's meeting pages: a meeting's fields, an agenda item, the agenda's
order, attendance, an item's vote; the minutes' summaries. Each carries ``expected_state``, the meeting's state the page showed: the
services refuse (``conflict``) a form posted from a page that is out of date."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.people import display_name
from meetings.models import AgendaItemKind, AttendanceStatus, MeetingState
from portal.forms import FileInput
from workflows.models import BallotChoice, VoteMode


class MeetingStateMixin(forms.Form):
    expected_state = forms.ChoiceField(choices=MeetingState.choices, widget=forms.HiddenInput)


class CommitteeMemberField(forms.ModelChoiceField):
    """A member of the Executive Committee, by their name."""

    def __init__(self, **kwargs):
        super().__init__(queryset=roles.committee_members(), **kwargs)

    def label_from_instance(self, obj):
        return display_name(obj)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MeetingForm(forms.Form):
    """A meeting's title, time (dates and times in UTC, ISO), place or link, chair and minute-taker."""

    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Date it starts"), widget=_date_input(), input_formats=["%Y-%m-%d"])
    starts_time = forms.TimeField(
        label=_("Time it starts (UTC)"), widget=_time_input(), input_formats=["%H:%M"]
    )
    ends_on = forms.DateField(label=_("Date it ends"), widget=_date_input(), input_formats=["%Y-%m-%d"])
    ends_time = forms.TimeField(label=_("Time it ends (UTC)"), widget=_time_input(), input_formats=["%H:%M"])
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.CharField(label=_("Online link"), max_length=500, required=False)
    chair = CommitteeMemberField(label=_("Chair"))
    minute_taker = CommitteeMemberField(label=_("Minute-taker"))

    # The service's field → the form's field that shows its error.
    ERROR_FIELDS = {"starts_at": "starts_on", "ends_at": "ends_on"}

    @classmethod
    def initial_for(cls, meeting) -> dict:
        starts, ends = (
            timezone.localtime(meeting.starts_at, datetime.UTC),
            timezone.localtime(meeting.ends_at, datetime.UTC),
        )
        return {
            "title": meeting.title,
            "starts_on": starts.date(),
            "starts_time": starts.time(),
            "ends_on": ends.date(),
            "ends_time": ends.time(),
            "place": meeting.place,
            "online_link": meeting.online_link,
            "chair": meeting.chair_id,
            "minute_taker": meeting.minute_taker_id,
            "expected_state": meeting.state,
        }

    def service_data(self) -> dict:
        data = self.cleaned_data

        def at(day, time):
            return datetime.datetime.combine(day, time, tzinfo=datetime.UTC)

        return {
            "title": data["title"],
            "starts_at": at(data["starts_on"], data["starts_time"]),
            "ends_at": at(data["ends_on"], data["ends_time"]),
            "place": data["place"],
            "online_link": data["online_link"],
            "chair": data["chair"],
            "minute_taker": data["minute_taker"],
        }


class MeetingEditForm(MeetingStateMixin, MeetingForm):
    pass


class MeetingActionForm(MeetingStateMixin):
    """Convene, open or close the session: nothing but the state the page showed."""


class MeetingCancelForm(MeetingStateMixin):
    reason = forms.CharField(
        label=_("Reason (sent to the committee)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AgendaItemForm(MeetingStateMixin):
    """A new item: an application whose review is complete, an open motion, a report (its text and a
    paper) or other business. The choices are the applications and motions the agenda may take."""

    kind = forms.ChoiceField(label=_("Kind of item"), choices=AgendaItemKind.choices)
    application = forms.ModelChoiceField(label=_("Application"), queryset=None, required=False)
    motion = forms.ModelChoiceField(label=_("Motion"), queryset=None, required=False)
    title = forms.CharField(label=_("Title (report or other business)"), max_length=200, required=False)
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    paper = forms.FileField(label=_("Paper (report)"), required=False, widget=FileInput())
    minutes = forms.ModelChoiceField(label=_("Minutes of an earlier meeting"), queryset=None, required=False)

    def __init__(self, *args, applications, motions, minutes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["motion"].queryset = motions
        self.fields["minutes"].queryset = minutes
        self.fields["minutes"].label_from_instance = lambda row: row.meeting.title

    def service_data(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        return {
            "kind": kind,
            "application": data["application"] if kind == AgendaItemKind.APPLICATION else None,
            "motion": data["motion"] if kind == AgendaItemKind.MOTION else None,
            "minutes": data["minutes"] if kind == AgendaItemKind.MINUTES else None,
            "title": data["title"] if kind in (AgendaItemKind.REPORT, AgendaItemKind.OTHER) else "",
            "text": data["text"],
        }


class AgendaItemChoiceForm(MeetingStateMixin):
    """Remove an item."""

    item = forms.IntegerField(widget=forms.HiddenInput)


class AgendaMoveForm(AgendaItemChoiceForm):
    """Move an item one place up or down the agenda as the page showed it (``order``)."""

    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
    order = forms.CharField(widget=forms.HiddenInput)

    def clean_order(self) -> list[int]:
        try:
            return [int(pk) for pk in self.cleaned_data["order"].split(",") if pk]
        except ValueError:
            raise forms.ValidationError(_("Give the items in their new order.")) from None

    def new_order(self) -> list[int]:
        order = list(self.cleaned_data["order"])
        item = self.cleaned_data["item"]
        if item in order:
            index = order.index(item)
            other = index - 1 if self.cleaned_data["direction"] == "up" else index + 1
            if 0 <= other < len(order):
                order[index], order[other] = order[other], order[index]
        return order


class AttendanceForm(MeetingStateMixin):
    """One row per member of the committee: present in person, present online, excused, absent."""

    def __init__(self, *args, members, recorded: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=display_name(member),
                choices=[("", _("Not recorded")), *list(AttendanceStatus.choices)],
                required=False,
                initial=recorded.get(member.pk, ""),
            )

    def changes(self, recorded: dict) -> list[tuple[object, str]]:
        """(member, status) for each row set to another status than recorded."""
        return [
            (member, status)
            for member in self.members
            if (status := self.cleaned_data.get(f"member_{member.pk}")) and status != recorded.get(member.pk)
        ]


# --- votes on the agenda's items, minutes -------------------------------------------------------------


class ItemVoteOpenForm(AgendaItemChoiceForm):
    """Put an application or a motion to the vote: online, named in the room or counted in the room."""

    mode = forms.ChoiceField(label=_("How the committee votes"), choices=VoteMode.choices)


class NamedVotesForm(AgendaItemChoiceForm):
    """One row per member present: the choice each announces in the room, or none (not voting)."""

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=display_name(member),
                choices=[("", _("Not voting")), *list(BallotChoice.choices)],
                required=False,
            )

    def choices(self) -> dict:
        """member → choice, for the members given one."""
        return {
            member: choice
            for member in self.members
            if (choice := self.cleaned_data.get(f"member_{member.pk}"))
        }


class CountedVotesForm(AgendaItemChoiceForm):
    """The totals counted in the room."""

    yes = forms.IntegerField(label=_("Yes"), min_value=0, max_value=10_000)
    no = forms.IntegerField(label=_("No"), min_value=0, max_value=10_000)
    abstain = forms.IntegerField(label=_("Abstain"), min_value=0, max_value=10_000)


class MinutesSummaryForm(forms.Form):
    """The minute-taker's summary of one agenda item in the draft minutes."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MinutesActionForm(forms.Form):
    """Circulate the draft: nothing to fill in."""
