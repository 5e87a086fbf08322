"""The secretariat's admin for membership applications, motions on members and vote rounds.

Applications change only through ``workflows.services``: here every field and every related
record is read-only, and the transitions are buttons on an application's page (and actions
on the list), each calling its service. A refused action (``WorkflowError``) comes back as
an error message, never as an error page.

Access is by Django model permissions (the Secretariat group gets them from
``accounts.roles.SECRETARIAT_PERMISSIONS``): "view" to see; "change" on applications to run
their transitions, which the services then allow to the Secretariat only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed
from django_fsm_log.admin import StateLogInline

from registry.models import MembershipCategory
from registry.selectors import region_tree, region_with_descendants_ids

from . import selectors, services, votes
from .documents import document_response
from .errors import ErrorCode, WorkflowError
from .models import (
    ApplicationDocument,
    ApplicationState,
    Ballot,
    ContactPerson,
    MembershipApplication,
    Motion,
    Review,
    ReviewerAssignment,
    Voter,
    VoteRound,
)

# --- read-only inlines ----------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    """Records shown with their application, never added, changed or deleted here."""

    extra = 0
    max_num = 0
    can_delete = False
    select_related: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.select_related)


class ContactInline(ReadOnlyInline):
    model = ContactPerson
    fields = ["name", "role", "email", "phone"]


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at", "download"]
    select_related = ("uploaded_by",)

    @admin.display(description=_("file"))
    def download(self, document: ApplicationDocument) -> str:
        url = reverse(
            "admin:workflows_membershipapplication_document", args=[document.application_id, document.pk]
        )
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


class AssignmentInline(ReadOnlyInline):
    model = ReviewerAssignment
    fields = ["reviewer", "assigned_by", "assigned_at"]
    select_related = ("reviewer", "assigned_by")


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ["reviewer", "recommendation", "comment", "submitted_at", "updated_at", "confirmed_at"]
    select_related = ("reviewer",)


class VoteRoundInline(ReadOnlyInline):
    model = VoteRound
    fields = [
        "number",
        "category",
        "mode",
        "opened_at",
        "deadline",
        "closed_at",
        "outcome",
        "is_void",
        "eligible_count",
        "yes_count",
        "no_count",
        "abstain_count",
    ]
    show_change_link = True


class TransitionLogInline(StateLogInline):
    """django-fsm-log's inline (a generic relation on the log), read-only and oldest first:
    every step with who took it and the comment given."""

    verbose_name = _("logged transition")
    verbose_name_plural = _("transition log")
    extra = 0
    max_num = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The log is part of its application or motion: whoever may see the one sees the other.
        opts = self.parent_model._meta
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by").order_by("timestamp", "pk")


# --- transition forms -------------------------------------------------------------------------------


class TransitionForm(forms.Form):
    """A transition's input; ``state`` is the state the page showed, to refuse a stale page."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Kept in the application's log."),
    )
    state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, application: MembershipApplication, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)


class MessageForm(TransitionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].label = _("Message to the applicant")
        self.fields["comment"].help_text = _("Sent to the applicant and kept in the log.")


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} <{user.email}>" if name else user.email or user.get_username()


class ReviewersForm(TransitionForm):
    reviewers = UserChoiceField(
        label=_("Assign reviewers"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = selectors.possible_reviewers(
            application=self.application
        ).exclude(review_assignments__application=self.application)
        self.fields["reviewers"].help_text = _("Members of Reviewers or the Executive Committee.")


class AssignReviewersForm(ReviewersForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].required = True
        del self.fields["comment"]


class OpenVoteForm(TransitionForm):
    category = forms.ChoiceField(
        label=_("Membership category proposed"),
        choices=MembershipCategory.choices,
        initial=MembershipCategory.FULL,
    )
    deadline = forms.DateTimeField(
        label=_("Deadline (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].help_text = _("Empty: in %(days)d days.") % {
            "days": settings.VOTE_DEFAULT_DEADLINE_DAYS
        }


@dataclass(frozen=True)
class AdminTransition:
    name: str
    label: str
    form: type[TransitionForm]
    run: Callable[[MembershipApplication, Any, dict], Any]  # (application, actor, cleaned data)
    done: str
    fsm: bool = True  # a django-fsm transition (else: an action in the states listed)
    states: tuple[str, ...] = ()

    def available(self, application: MembershipApplication) -> bool:
        if self.fsm:
            return can_proceed(getattr(application, self.name), check_conditions=False)
        return application.state in self.states


S = ApplicationState
TRANSITIONS = {
    t.name: t
    for t in [
        AdminTransition(
            "request_info",
            _("Request information"),
            MessageForm,
            lambda a, u, d: services.application_request_info(
                application=a, actor=u, expected_state=d.get("state"), comment=d["comment"]
            ),
            _("Information requested from the applicant."),
        ),
        AdminTransition(
            "reject",
            _("Reject as ineligible"),
            MessageForm,
            lambda a, u, d: services.application_reject(
                application=a, actor=u, expected_state=d.get("state"), comment=d["comment"]
            ),
            _("Application rejected."),
        ),
        AdminTransition(
            "assign_reviewers",
            _("Assign reviewers"),
            AssignReviewersForm,
            lambda a, u, d: services.reviewers_assign(
                application=a, actor=u, expected_state=d.get("state"), reviewers=list(d["reviewers"])
            ),
            _("Reviewers assigned."),
            fsm=False,
            states=(S.SUBMITTED, S.UNDER_REVIEW),
        ),
        AdminTransition(
            "start_review",
            _("Start the review"),
            ReviewersForm,
            lambda a, u, d: services.application_start_review(
                application=a,
                actor=u,
                expected_state=d.get("state"),
                reviewers=list(d.get("reviewers") or ()),
                comment=d["comment"],
            ),
            _("Review started."),
        ),
        AdminTransition(
            "complete_review",
            _("Complete the review"),
            TransitionForm,
            lambda a, u, d: services.application_complete_review(
                application=a, actor=u, expected_state=d.get("state"), comment=d["comment"]
            ),
            _("Review completed."),
        ),
        AdminTransition(
            "open_vote",
            _("Open the vote"),
            OpenVoteForm,
            lambda a, u, d: services.vote_open(
                application=a,
                expected_state=d.get("state"),
                actor=u,
                deadline=d.get("deadline"),
                category=d.get("category") or MembershipCategory.FULL,
                comment=d["comment"],
            ),
            _("Vote opened."),
        ),
        AdminTransition(
            "close_vote",
            _("Close the vote"),
            TransitionForm,
            lambda a, u, d: services.vote_close(
                application=a, actor=u, expected_state=d.get("state"), comment=d["comment"]
            ),
            _("Vote closed."),
        ),
    ]
}
# The transitions that need no input also run on a selection in the list.
BULK_TRANSITIONS = ("start_review", "complete_review", "open_vote", "close_vote")


def describe(error: WorkflowError) -> str:
    """The refusal as one line: the message, then what it names (missing documents …)."""
    parts = []
    for key, value in error.details.items():
        if key in ("state", "action"):
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return f"{error.message} ({'; '.join(parts)})" if parts else error.message


# --- the applications ------------------------------------------------------------------------------


class RegionFilter(admin.SimpleListFilter):
    """By region, including its sub-regions."""

    title = _("region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return [(str(region.pk), "— " * depth + region.localized_name) for region, depth in region_tree()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            region_id = int(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(region_id__in=region_with_descendants_ids(region=region_id))


def _bulk_action(name: str):
    transition = TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        modeladmin.run_on_each(request, queryset, transition)

    action.__name__ = name
    return admin.action(description=transition.label, permissions=["transition"])(action)


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "acronym",
        "country",
        "region",
        "state",
        "applicant_email",
        "submitted_at",
        "updated_at",
    ]
    list_filter = ["state", RegionFilter, "kind"]
    search_fields = ["name", "name_latin", "acronym", "applicant__email"]
    list_select_related = ["region", "applicant"]
    ordering = ["-updated_at"]
    date_hierarchy = "submitted_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "state",
                    "applicant",
                    "organization",
                    "membership",
                    "duplicates_checked_by",
                    "duplicates_checked_at",
                ]
            },
        ),
        (
            _("The union"),
            {
                "fields": [
                    "name",
                    "name_latin",
                    "acronym",
                    "kind",
                    "country",
                    "region",
                    "city",
                    "website",
                    "email",
                    "founded_year",
                    "students_represented",
                    "motivation",
                ]
            },
        ),
        (_("Dates"), {"fields": ["created_at", "submitted_at", "decided_at", "updated_at"]}),
    ]
    inlines = [
        ContactInline,
        DocumentInline,
        AssignmentInline,
        ReviewInline,
        VoteRoundInline,
        TransitionLogInline,
    ]
    actions = [_bulk_action(name) for name in BULK_TRANSITIONS]
    change_form_template = "admin/workflows/membershipapplication/change_form.html"

    # Every field is read-only: ``state`` is a protected FSMField and the content belongs to
    # the applicant. The page is a view; the transitions are its buttons.
    def get_readonly_fields(self, request, obj=None):
        return [field for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_transition_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("workflows.change_membershipapplication")

    @admin.display(description=_("applicant"), ordering="applicant__email")
    def applicant_email(self, application: MembershipApplication) -> str:
        return application.applicant.email

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/transition/<slug:name>/",
                view(self.transition_view),
                name="workflows_membershipapplication_transition",
            ),
            path(
                "<path:object_id>/document/<int:document_id>/",
                view(self.document_view),
                name="workflows_membershipapplication_document",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        application = self.get_object(request, unquote(object_id))
        if application is not None and self.has_transition_permission(request, application):
            extra_context["workflow_transitions"] = [
                {
                    "label": transition.label,
                    "url": reverse(
                        "admin:workflows_membershipapplication_transition", args=[application.pk, name]
                    ),
                }
                for name, transition in TRANSITIONS.items()
                if transition.available(application)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_url(self, application: MembershipApplication) -> str:
        return reverse("admin:workflows_membershipapplication_change", args=[application.pk])

    def transition_view(self, request, object_id, name):
        """A transition's small form: GET shows it, POST calls the service."""
        application = self.get_object(request, unquote(object_id))
        transition = TRANSITIONS.get(name)
        if application is None or transition is None:
            raise Http404
        if not self.has_transition_permission(request, application):
            raise PermissionDenied
        change_url = self._change_url(application)
        if request.method == "POST":
            form = transition.form(request.POST, application=application)
            if form.is_valid():
                try:
                    transition.run(application, request.user, form.cleaned_data)
                except WorkflowError as error:
                    messages.error(request, describe(error))
                    if error.code not in (ErrorCode.INVALID, ErrorCode.INCOMPLETE):
                        return HttpResponseRedirect(change_url)
                    # Input the secretariat can correct: show the form again, as filled in.
                else:
                    messages.success(request, transition.done)
                    return HttpResponseRedirect(change_url)
        else:
            form = transition.form(initial={"state": application.state}, application=application)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{transition.label}: {application}",
            "original": application,
            "transition": transition,
            "form": form,
            "media": self.media + form.media,
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "admin/workflows/membershipapplication/transition_form.html", context
        )

    def document_view(self, request, object_id, document_id):
        """Download a document (they are private files, never served by URL otherwise)."""
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        document = get_object_or_404(ApplicationDocument, pk=document_id, application=application)
        try:
            return document_response(document)
        except FileNotFoundError:
            raise Http404 from None

    def run_on_each(self, request, queryset, transition: AdminTransition) -> None:
        """Run a transition on each selected application through its service; report each refusal."""
        data = {"comment": "", "reviewers": (), "deadline": None, "category": MembershipCategory.FULL}
        done = 0
        for application in queryset:
            try:
                transition.run(application, request.user, data)
            except WorkflowError as error:
                messages.error(request, f"{application}: {describe(error)}")
            else:
                done += 1
        if done:
            messages.success(request, f"{transition.done} ({done})")


# --- motions on members ---------------------------------------------------------------------------


class MotionRoundInline(VoteRoundInline):
    fk_name = "motion"


@admin.register(Motion)
class MotionAdmin(admin.ModelAdmin):
    """Decisions on member unions, as records: proposed, voted and confirmed on the committee's pages
    (``workflows.motions``), read here with their rounds and their log; never changed in the admin."""

    list_display = ["organization", "kind", "state", "proposed_by", "proposed_at", "decided_at", "applied_at"]
    list_filter = ["kind", "state"]
    search_fields = ["membership__organization__name", "membership__organization__acronym"]
    list_select_related = ["membership__organization", "proposed_by"]
    date_hierarchy = "proposed_at"
    fields = [
        "membership",
        "kind",
        "state",
        "category",
        "effective_on",
        "reason",
        "proposed_by",
        "proposed_at",
        "decided_at",
        "applied_at",
    ]
    readonly_fields = fields
    inlines = [MotionRoundInline, TransitionLogInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("organization"), ordering="membership__organization__name")
    def organization(self, motion: Motion):
        return motion.membership.organization


# --- vote rounds --------------------------------------------------------------------------------------


class VoterInline(ReadOnlyInline):
    model = Voter
    fields = ["user", "recused_at", "recusal_reason"]
    select_related = ("user",)
    verbose_name_plural = _("eligible voters (as the round opened)")


class BallotInline(ReadOnlyInline):
    model = Ballot
    fields = ["voter", "choice", "cast_at", "recorded_by"]
    select_related = ("voter__user", "recorded_by")


@admin.register(VoteRound)
class VoteRoundAdmin(admin.ModelAdmin):
    """Rounds are records: read-only, kept forever."""

    list_display = [
        "application",
        "motion",
        "number",
        "category",
        "mode",
        "opened_at",
        "deadline",
        "closed_at",
        "outcome",
        "is_void",
        "yes_count",
        "no_count",
        "abstain_count",
    ]
    list_filter = ["outcome", "is_void", "category", "mode"]
    search_fields = ["application__name", "application__acronym"]
    list_select_related = ["application", "motion__membership__organization"]
    date_hierarchy = "opened_at"
    fields = [
        "application",
        "motion",
        "number",
        "category",
        "mode",
        "vote_rules",
        "opened_by",
        "opened_at",
        "deadline",
        "closed_by",
        "closed_at",
        "outcome",
        "is_void",
        "tally",
        "totals_recorded_by",
        "totals_recorded_at",
    ]
    readonly_fields = fields
    inlines = [VoterInline, BallotInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("tally"))
    def tally(self, vote_round: VoteRound) -> str:
        if vote_round.is_open:
            tally = votes.round_tally(vote_round)
            yes, no, abstain, eligible = tally.yes, tally.no, tally.abstain, tally.eligible
            prefix = gettext("so far: ")
        else:
            yes, no, abstain = vote_round.yes_count, vote_round.no_count, vote_round.abstain_count
            eligible, prefix = vote_round.eligible_count, ""
        return prefix + gettext("%(yes)d yes, %(no)d no, %(abstain)d abstain of %(eligible)d eligible") % {
            "yes": yes,
            "no": no,
            "abstain": abstain,
            "eligible": eligible,
        }
