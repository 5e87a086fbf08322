"""Forms of the member area and of the secretariat's change requests. They only read input: the
services (``workflows.membership``) validate and act, and their errors come back next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import DESCRIPTION_MAX_LENGTH, SOCIAL_LINKS_MAX


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
