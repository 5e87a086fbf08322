"""Forms of the member area and of the secretariat's change requests. They only read input: the
services (``workflows.membership``) validate and act, and their errors come back next to the fields."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import DESCRIPTION_MAX_LENGTH, SOCIAL_LINKS_MAX, MembershipCategory
from workflows.models import BallotChoice, MotionKind, MotionState
from workflows.rules import COMMENT_MAX_LENGTH


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        help_text=_("They get a link to accept; it works once, for a limited time."),
    )


class ProfileForm(forms.Form):
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


class ChangeRequestForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=200, required=False)
    acronym = forms.CharField(label=_("New acronym"), max_length=30, required=False)
    country = forms.ChoiceField(
        label=_("New country"), required=False, choices=lambda: [("", _("(no change)")), *countries]
    )
    remove_acronym = forms.BooleanField(label=_("Remove the acronym"), required=False)
    comment = forms.CharField(
        label=_("Why? (for the secretariat)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_changes(self) -> dict:
        """Only what the person filled in (an empty acronym only when they ask to remove it)."""
        data = self.cleaned_data
        changes = {field: data[field] for field in ("name", "acronym", "country") if data.get(field)}
        if data.get("remove_acronym"):
            changes["acronym"] = ""
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
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}), **kwargs
    )


class ProposeMotionForm(forms.Form):
    """The secretariat proposes a decision on a member (or records a union's notice received by letter)."""

    kind = forms.ChoiceField(label=_("Decision"), choices=MotionKind.choices)
    reason = forms.CharField(
        label=_("Reason (the union reads it)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a suspension or an expulsion."),
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

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("reason", "category", "effective_on")}


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


class MotionActionForm(forms.Form):
    """Every action on a motion's page carries the state the page showed (a stale page is refused)."""

    expected_state = forms.ChoiceField(choices=MotionState.choices, widget=forms.HiddenInput)


class MotionOpenVoteForm(MotionActionForm):
    deadline = forms.DateField(
        label=_("Deadline (the vote closes at the end of this day, UTC)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def deadline_datetime(self) -> datetime.datetime:
        return datetime.datetime.combine(
            self.cleaned_data["deadline"], datetime.time(23, 59, 59), tzinfo=datetime.UTC
        )


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
