"""Forms of the member area and of the secretariat's change requests. They only read input: the
services (``workflows.membership``) validate and act, and their errors come back next to the fields."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import DESCRIPTION_MAX_LENGTH, SOCIAL_LINKS_MAX, MembershipCategory
from workflows.models import BallotChoice, MotionKind, MotionState
from workflows.rules import COMMENT_MAX_LENGTH


class UnionPageForm(forms.Form):
    """A form of the union's page, which holds several: the ids of its elements start with its own
    ``id_prefix``, so that two forms' fields of one name (the profile's e-mail and the invitation's)
    never share an id and each label names its own field."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class InviteForm(UnionPageForm):
    id_prefix = "invite"
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        help_text=_("They get a link to accept; it works once, for a limited time."),
    )


class ProfileForm(UnionPageForm):
    id_prefix = "profile"
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    email = forms.EmailField(label=_("Public e-mail address"), required=False)
    description = forms.CharField(
        label=_("Short description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown in the directory. At most %(n)d characters.") % {"n": DESCRIPTION_MAX_LENGTH},
    )
    social_links = forms.CharField(
        label=_("Social media links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address per line, at most %(n)d.") % {"n": SOCIAL_LINKS_MAX},
    )

    @classmethod
    def for_organization(cls, organization) -> "ProfileForm":
        return cls(
            initial={
                "website": organization.website,
                "city": organization.city,
                "email": organization.email,
                "description": organization.description,
                "social_links": "\n".join(organization.social_links or []),
            }
        )

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class ChangeRequestForm(UnionPageForm):
    id_prefix = "change"
    name = forms.CharField(label=_("New name"), max_length=200, required=False)
    name_latin = forms.CharField(
        label=_("New name in Latin script"),
        max_length=200,
        required=False,
        help_text=_("Only if the name is written in another script, such as Arabic."),
    )
    acronym = forms.CharField(label=_("New acronym"), max_length=30, required=False)
    country = forms.ChoiceField(
        label=_("New country"), required=False, choices=lambda: [("", _("(no change)")), *countries]
    )
    remove_acronym = forms.BooleanField(label=_("Remove the acronym"), required=False)
    remove_name_latin = forms.BooleanField(label=_("Remove the name in Latin script"), required=False)
    comment = forms.CharField(
        label=_("Why? (for the secretariat)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_changes(self) -> dict:
        """Only what the person filled in (an empty acronym or Latin name only when they ask to remove it)."""
        data = self.cleaned_data
        changes = {
            field: data[field] for field in ("name", "name_latin", "acronym", "country") if data.get(field)
        }
        if data.get("remove_acronym"):
            changes["acronym"] = ""
        if data.get("remove_name_latin"):
            changes["name_latin"] = ""
        return changes


class DecideChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    reason = forms.CharField(
        label=_("Reason (required to decline; the union reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- decisions on members (motions) --------------------------------------------------------------------------


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class ProposeMotionForm(forms.Form):
    """The secretariat proposes a decision on a member (or records a union's notice received by letter)."""

    kind = forms.ChoiceField(label=_("Decision"), choices=MotionKind.choices)
    reason = forms.CharField(
        label=_("Reason (the union reads it)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a suspension, an expulsion, a lapse or a waiver of dues."),
    )
    category = forms.ChoiceField(
        label=_("New category (a change of category only)"),
        required=False,
        choices=[("", "—"), *MembershipCategory.choices],
    )
    effective_on = _date_field(
        _("Takes effect on (a withdrawal only)"),
        help_text=_("The first day the union is no longer a member."),
    )
    invoice_number = forms.CharField(
        label=_("Invoice number (a waiver of dues only)"), required=False, max_length=20
    )
    amount = forms.DecimalField(
        label=_("Amount to waive (a waiver of dues only)"),
        required=False,
        min_value=0,
        max_digits=15,
        decimal_places=3,
        help_text=_("Above what the secretariat may waive alone; at most what is open on the invoice."),
    )

    service_fields = ("reason", "category", "effective_on", "invoice_number", "amount")

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.service_fields}


class UnionMotionForm(ProposeMotionForm):
    """A union asks for a change of category, or gives notice of withdrawal."""

    kind = forms.ChoiceField(
        label=_("What your union asks"),
        choices=[
            (MotionKind.CHANGE_CATEGORY, _("A change of category")),
            (MotionKind.WITHDRAWAL, _("To leave the federation (notice of withdrawal)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Your message to the federation (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    invoice_number = None
    amount = None
    service_fields = ("reason", "category", "effective_on")


class MotionActionForm(forms.Form):
    """Every action on a motion's page carries the state the page showed (a stale page is refused)."""

    expected_state = forms.ChoiceField(choices=MotionState.choices, widget=forms.HiddenInput)

    def service_data(self) -> dict:
        """The service's keyword arguments: every field as cleaned."""
        return dict(self.cleaned_data)


class MotionOpenVoteForm(MotionActionForm):
    deadline = forms.DateField(
        label=_("Deadline (the vote closes at the end of this day, UTC)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def service_data(self) -> dict:
        """The deadline at the end of the chosen day, UTC."""
        day = self.cleaned_data["deadline"]
        deadline = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)
        return {**super().service_data(), "deadline": deadline}


class MotionCommentForm(MotionActionForm):
    comment = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MotionDropForm(MotionActionForm):
    reason = forms.CharField(
        label=_("Why is the motion dropped? (the union reads it)"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MotionBallotForm(MotionActionForm):
    choice = forms.ChoiceField(label=_("Your vote"), choices=BallotChoice.choices, widget=forms.RadioSelect)


class MotionRecuseForm(MotionActionForm):
    reason = forms.CharField(
        label=_("Reason for recusal (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OfficerForm(forms.Form):
    """One officer of the union; a row left blank is skipped."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.CharField(label=_("Role"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)

    def clean(self):
        data = super().clean()
        if (data.get("role") or data.get("email")) and not (data.get("name") or "").strip():
            self.add_error("name", _("Give the officer's name, or clear the row."))
        return data


# Empty officer rows under those already filled (the page works without scripts: no "add a row").
OFFICER_EXTRA_ROWS = 4
OfficerFormSet = forms.formset_factory(OfficerForm, extra=OFFICER_EXTRA_ROWS, max_num=40, validate_max=True)


class YearlyReturnForm(forms.Form):
    """The yearly return: the year, the officers (a formset, ``officers``), students, activities, events."""

    year = forms.IntegerField(label=_("Federation year"), widget=forms.Select)
    students_represented = forms.IntegerField(
        label=_("Students represented"), min_value=0, max_value=100_000_000, required=False
    )
    activities = forms.CharField(
        label=_("Activities of the year"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the union did this year: campaigns, services, meetings."),
    )
    events = forms.CharField(
        label=_("Participation in federation events (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Congresses, schools, working groups your union took part in."),
    )

    def __init__(self, data=None, *, years=(), officers=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"].widget.choices = [(year, str(year)) for year in years]
        self.officers = OfficerFormSet(data, prefix="officers", initial=list(officers) or None)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.officers.is_valid() and valid

    def service_data(self) -> dict:
        officers = [
            {"name": row["name"].strip(), "role": row["role"].strip(), "email": row["email"]}
            for row in self.officers.cleaned_data
            if (row.get("name") or "").strip()
        ]
        data = self.cleaned_data
        return {
            "officers": officers,
            "students_represented": data.get("students_represented"),
            "activities": data.get("activities") or "",
            "events": data.get("events") or "",
        }
