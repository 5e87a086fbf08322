"""Forms of the applicant and committee pages. They only read input: the services validate and act.

Every form that changes an application carries ``expected_state``, the state the
person saw; the views hand it to the services, which refuse a stale caller.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import CountryRegion, MembershipCategory, Organization, Region
from registry.selectors import region_tree
from workflows import rules, selectors
from workflows.documents import ACCEPTED_DESCRIPTION
from workflows.models import (
    ApplicationState,
    BallotChoice,
    DocumentKind,
    MembershipApplication,
    Recommendation,
)

ACCEPT_ATTR = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"

# The application form's sections, in order: (legend, help, field names).
ORGANIZATION_FIELDS = (
    "name",
    "name_latin",
    "acronym",
    "kind",
    "country",
    "region",
    "city",
    "website",
    "founded_year",
    "students_represented",
)
CONTACT_FIELDS = ("email",)
STATEMENT_FIELDS = ("motivation",)
APPLICATION_FIELDS = ORGANIZATION_FIELDS + CONTACT_FIELDS + STATEMENT_FIELDS

# Document kinds offered as separate file inputs in the application form.
FORM_DOCUMENT_KINDS = (DocumentKind.STATUTES, DocumentKind.REGISTRATION, DocumentKind.LETTER_OF_INTENT)


def upload_help() -> str:
    return _("Accepted: %(types)s. Up to %(size)s per file.") % {
        "types": ACCEPTED_DESCRIPTION,
        "size": filesizeformat(settings.DOCUMENT_MAX_BYTES),
    }


class ExpectedStateMixin(forms.Form):
    expected_state = forms.ChoiceField(choices=ApplicationState.choices, widget=forms.HiddenInput)


class FileInput(forms.ClearableFileInput):
    """A plain file input with the accepted types and the size limit for the browser to check."""

    def __init__(self, attrs=None):
        limit = settings.DOCUMENT_MAX_BYTES
        super().__init__(
            attrs={
                "accept": ACCEPT_ATTR,
                "data-max-bytes": limit,
                # Read by static/js/upload-check.js, which checks a chosen file before the upload.
                "data-msg-type": _("This file type is not accepted. Please choose a PDF, PNG or JPEG file."),
                "data-msg-size": _("This file is too large: the limit is %(limit)s.")
                % {"limit": filesizeformat(limit)},
                **(attrs or {}),
            }
        )


def _region_choices():
    return [("", _("Found from the country"))] + [
        (region.pk, "\u2003" * depth + region.localized_name) for region, depth in region_tree()
    ]


class ApplicationForm(forms.ModelForm):
    """The application's own data. Only the name is needed to save a draft."""

    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=lambda: [("", _("Choose a country")), *countries]
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Start with https://"),
        widget=forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"}),
    )
    region = forms.TypedChoiceField(
        label=_("Region"),
        required=False,
        choices=_region_choices,
        coerce=int,
        empty_value=None,
        help_text=_("Leave empty and we choose it from the country."),
    )

    class Meta:
        model = MembershipApplication
        fields = APPLICATION_FIELDS
        labels = {
            "name": _("Full name of your union"),
            "name_latin": _("Name in Latin script"),
            "acronym": _("Short name or acronym"),
            "kind": _("Type of organization"),
            "city": _("City of the head office"),
            "website": _("Website"),
            "email": _("Public e-mail address of your union"),
            "founded_year": _("Year founded"),
            "students_represented": _("Number of students you represent"),
            "motivation": _("Why does your union want to join the federation?"),
        }
        help_texts = {
            "name": _("Only this is needed to save a draft. You can fill in the rest later."),
            "name_latin": _(
                "If your union's name is written in another script, such as Arabic, the same name in "
                "Latin letters. Leave empty otherwise."
            ),
            "acronym": _("For example NUS or FEUE. Leave empty if you have none."),
            "website": _("Start with https://"),
            "email": _(
                "Not shown on this site. If your union is admitted, the federation shares it with its "
                "partners through the API."
            ),
            "students_represented": _("An estimate is fine."),
            "motivation": _("A few sentences are enough. You may write in simple English."),
        }
        widgets = {
            "motivation": forms.Textarea(attrs={"rows": 8}),
            "founded_year": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1800, "max": 2100}),
            "students_represented": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "website": forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Show the region only when someone chose it: one found from the country stays implicit,
        # so that changing the country changes the region too.
        instance = self.instance
        if instance.region_id and instance.country:
            derived = (
                CountryRegion.objects.filter(country=instance.country)
                .values_list("region_id", flat=True)
                .first()
            )
            if derived == instance.region_id:
                self.initial["region"] = None

    def _post_clean(self):
        """No model validation here: the services validate and report per field."""

    def service_data(self) -> dict:
        """The cleaned data as the services take it (the region as an object)."""
        data = dict(self.cleaned_data)
        region_id = data.pop("region", None)
        if region_id:
            data["region"] = Region.objects.filter(pk=region_id).first()
        elif not data.get("country"):
            data["region"] = None
        # else: left out, and the service finds the region from the country
        return data

    @property
    def sections(self):
        return [
            (_("Your organization"), [self[name] for name in ORGANIZATION_FIELDS]),
            (_("Statement"), [self[name] for name in STATEMENT_FIELDS]),
        ]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=150)
    role = forms.CharField(label=_("Role in the union"), required=False, max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)

    def has_content(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(f) for f in self.fields)


ContactFormSet = forms.formset_factory(ContactForm, extra=1, max_num=6, absolute_max=6)


class ApplicationDocumentsForm(forms.Form):
    """One optional file per main document kind, inside the application form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in FORM_DOCUMENT_KINDS:
            self.fields[kind.value] = forms.FileField(
                label=kind.label, required=False, widget=FileInput, help_text=upload_help()
            )


class DocumentUploadForm(ExpectedStateMixin):
    kind = forms.ChoiceField(label=_("Which document is it?"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit as configured now (settings may change after import, in tests at least).
        self.fields["file"].widget = FileInput()
        self.fields["file"].help_text = upload_help()


class SubmitForm(ExpectedStateMixin):
    comment = forms.CharField(
        label=_("A note for the secretariat (optional)"),
        required=False,
        max_length=rules.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(ExpectedStateMixin):
    comment = forms.CharField(
        label=_("Why do you withdraw? (optional)"),
        required=False,
        max_length=rules.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeleteDraftForm(ExpectedStateMixin):
    """Delete a draft: only the state the applicant saw (a draft)."""


class ActionForm(ExpectedStateMixin):
    """A committee action: which one, and the state the person saw."""

    action = forms.CharField(widget=forms.HiddenInput)


class MessageForm(ExpectedStateMixin):
    comment = forms.CharField(
        label=_("Message to the applicant"),
        max_length=rules.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RejectForm(ExpectedStateMixin):
    comment = forms.CharField(
        label=_("Reason for the rejection (sent to the applicant)"),
        max_length=rules.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class AssignedCheckboxes(forms.CheckboxSelectMultiple):
    """The possible reviewers; those assigned already are ticked and cannot be unticked (assigning
    adds reviewers, it never removes one: ``services.reviewers_assign``)."""

    assigned: frozenset = frozenset()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        is_assigned = getattr(value, "value", value) in self.assigned
        option = super().create_option(name, value, label, selected or is_assigned, index, subindex, attrs)
        if is_assigned:
            option["attrs"]["disabled"] = True
            option["label"] = _("%(name)s: assigned already") % {"name": label}
        return option


class AssignReviewersForm(ExpectedStateMixin):
    """Add reviewers; while the application is submitted, also start the review (the button
    "start_review"). ``cleaned_data["reviewers"]``: the new ones only."""

    reviewers = ReviewerChoiceField(
        label=_("Reviewers"),
        queryset=get_user_model().objects.none(),
        widget=AssignedCheckboxes,
        required=False,
        help_text=_("Members of the Reviewers group or the Executive Committee."),
    )
    start_review = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, application: MembershipApplication, **kwargs):
        super().__init__(*args, **kwargs)
        self.assigned = frozenset(application.assignments.values_list("reviewer_id", flat=True))
        self.fields["reviewers"].queryset = selectors.possible_reviewers(application=application)
        self.fields["reviewers"].widget.assigned = self.assigned
        self.starts_review = application.state == ApplicationState.SUBMITTED
        if not self.starts_review:
            del self.fields["start_review"]

    def clean(self):
        data = super().clean()
        data["reviewers"] = [u for u in data.get("reviewers") or () if u.pk not in self.assigned]
        if not data["reviewers"] and not data.get("start_review"):
            self.add_error("reviewers", _("Tick at least one reviewer to add."))
        return data


class ReviewForm(ExpectedStateMixin):
    recommendation = forms.ChoiceField(
        label=_("Your recommendation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Your review"), max_length=rules.COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )


def _default_deadline():
    return (timezone.now() + datetime.timedelta(days=settings.VOTE_DEFAULT_DEADLINE_DAYS)).date()


class OpenVoteForm(ExpectedStateMixin):
    deadline = forms.DateField(
        label=_("Deadline (the vote closes at the end of this day, UTC)"),
        initial=_default_deadline,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    category = forms.ChoiceField(
        label=_("Membership category proposed"), choices=MembershipCategory.choices, initial="full"
    )

    def deadline_datetime(self) -> datetime.datetime:
        day = self.cleaned_data["deadline"]
        return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)


class CloseVoteForm(ExpectedStateMixin):
    comment = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=rules.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BallotForm(ExpectedStateMixin):
    choice = forms.ChoiceField(label=_("Your vote"), choices=BallotChoice.choices, widget=forms.RadioSelect)


class RecuseForm(ExpectedStateMixin):
    reason = forms.CharField(
        label=_("Reason for recusal (optional)"),
        required=False,
        max_length=rules.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LinkOrganizationForm(ExpectedStateMixin):
    """Link the application to an organization of the registry (a likely duplicate, or any other by its
    slug) as its re-application. The service refuses an organization that is a member now."""

    organization = forms.ModelChoiceField(
        label=_("The organization's slug in the registry"),
        queryset=Organization.objects.all(),
        to_field_name="slug",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "The end of its address in the directory, for example nus-ke. Only an organization whose "
            "membership has ended can apply again."
        ),
        error_messages={"invalid_choice": _("There is no organization with this slug in the registry.")},
    )


class ConfirmDistinctForm(ExpectedStateMixin):
    """Confirm that the applicant is a new union, none of its likely duplicates."""


class CommitteeFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    waiting = forms.IntegerField(
        label=_("Waiting at least (days)"), required=False, min_value=0, max_value=3650
    )
    mine = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Every application")), ("1", _("Assigned to me for review"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All open"))] + [
            (s.value, s.label) for s in ApplicationState if s != ApplicationState.DRAFT
        ]
        self.fields["region"].choices = [("", _("All regions"))] + [
            (region.code, "\u2003" * depth + region.localized_name) for region, depth in region_tree()
        ]

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"]
        return Region.objects.get(code=code) if code else None


class MemberImportForm(forms.Form):
    """The secretariat's member list, for a dry run (workflows.member_import)."""

    file = forms.FileField(
        label=_("Member list (CSV UTF-8 or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class MemberImportConfirmForm(forms.Form):
    """What the dry run's report showed: the file's hash and the report's."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$")
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$")
