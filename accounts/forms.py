"""The account forms: allauth's, with a name at sign-up, and the name on /account/profile/.

allauth takes them from ``ACCOUNT_FORMS`` (config/settings.py).
"""

from allauth.account import forms as allauth_forms
from django import forms
from django.utils.translation import gettext_lazy as _

from .people import NAME_MAX_LENGTH, normalize_name, split_name


def name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_(
            "As the secretariat and the committee will see it, e.g. “Amani Otieno”. One name is fine too."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class NameForm(forms.Form):
    """The person's name, as one field; ``cleaned_data["name"]`` is normalised."""

    name = name_field()

    def clean_name(self) -> str:
        name = normalize_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Please write your name."), code="required")
        return name


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up with "Your name" first; stored in ``first_name`` / ``last_name``.

    allauth's adapter (``save_user``) copies ``first_name`` and ``last_name`` from
    ``cleaned_data`` onto the new user, so the name is saved with the account, in one write.
    """

    name = name_field()
    field_order = ["name", "email", "password1", "password2"]

    clean_name = NameForm.clean_name

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("name"):
            cleaned_data["first_name"], cleaned_data["last_name"] = split_name(cleaned_data["name"])
        return cleaned_data
