"""The account forms: allauth's, in the site's words, with a name at sign-up; the name on /account/profile/.

allauth takes them from ``ACCOUNT_FORMS`` and ``MFA_FORMS`` (config/settings.py). Each one is
allauth's own with its labels in the words the rest of the site uses ("e-mail address",
"log in") and without placeholders: a label above each field says what to type, and a grey
example inside the field reads as if it were already filled in.
"""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from .people import NAME_MAX_LENGTH, normalize_name, split_name

EMAIL = _("E-mail address")
NEW_PASSWORD = _("New password")
NEW_PASSWORD_AGAIN = _("New password (again)")
CODE = _("Code")


class SiteWords:
    """Relabel the fields named in ``labels`` and drop every placeholder."""

    labels: dict = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]


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


class LanguageForm(forms.Form):
    """The language of the person's pages and e-mails (``accounts.language``)."""

    language = forms.ChoiceField(
        label=_("Language of your pages and e-mails"),
        choices=lambda: list(settings.LANGUAGES),
        help_text=_(
            "The committee and the secretariat may write in another language; e-mails reach you in this one."
        ),
    )


class SignupForm(SiteWords, account_forms.SignupForm):
    """allauth's sign-up with "Your name" first; stored in ``first_name`` / ``last_name``.

    allauth's adapter (``save_user``) copies ``first_name`` and ``last_name`` from
    ``cleaned_data`` onto the new user, so the name is saved with the account, in one write.
    """

    labels = {"email": EMAIL, "password2": _("Password (again)")}
    name = name_field()
    field_order = ["name", "email", "password1", "password2"]

    clean_name = NameForm.clean_name

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("name"):
            cleaned_data["first_name"], cleaned_data["last_name"] = split_name(cleaned_data["name"])
        return cleaned_data

    def try_save(self, request):
        """allauth's, with the same work whether the address has an account or not.

        With an address that has one, allauth creates nothing and e-mails its owner (the page
        reads the same: "check your e-mail"); the password is still hashed, as it is for a new
        account, so the answer takes as long either way. The e-mail leaves after the response
        (``accounts.mail``).
        """
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class LoginForm(SiteWords, account_forms.LoginForm):
    labels = {"login": EMAIL, "remember": _("Keep me logged in on this device")}


class ResetPasswordForm(SiteWords, account_forms.ResetPasswordForm):
    labels = {"email": EMAIL}


class ResetPasswordKeyForm(SiteWords, account_forms.ResetPasswordKeyForm):
    labels = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD_AGAIN}


class ChangePasswordForm(SiteWords, account_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Your password now"),
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD_AGAIN,
    }


class SetPasswordForm(SiteWords, account_forms.SetPasswordForm):
    labels = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD_AGAIN}


class AddEmailForm(SiteWords, account_forms.AddEmailForm):
    labels = {"email": EMAIL}


class ReauthenticateForm(SiteWords, account_forms.ReauthenticateForm):
    pass


class AuthenticateForm(SiteWords, mfa_forms.AuthenticateForm):
    labels = {"code": CODE}


class MFAReauthenticateForm(SiteWords, mfa_forms.ReauthenticateForm):
    labels = {"code": CODE}


class ActivateTOTPForm(SiteWords, totp_forms.ActivateTOTPForm):
    labels = {"code": _("The code your app shows")}
