"""The committee's pages (/committee/): the queue, and an application's page with its actions.

Each action the page offers is a row of ``COMMITTEE_ACTIONS``: its form, and the function that
calls its one service. Which actions a person sees is ``selectors.available_actions`` (from
``workflows.rules``); the services refuse what is not allowed, or what the page showed out of date.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import roles
from meetings.selectors import agenda_of_application
from portal.forms import (
    ActionForm,
    AssignReviewersForm,
    BallotForm,
    CloseVoteForm,
    CommitteeFilterForm,
    ConfirmDistinctForm,
    LinkOrganizationForm,
    MessageForm,
    OpenVoteForm,
    RecuseForm,
    RejectForm,
    ReviewForm,
)
from portal.presentation import ACTION_LABELS, state_words
from portal.views.common import apply_errors, committee_required, missing
from workflows import rules, selectors, services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, MembershipApplication

# --- the queue --------------------------------------------------------------------------------


def _queue_form(request) -> CommitteeFilterForm:
    """The filter form; a reviewer who is neither secretariat nor committee first sees their own."""
    if not request.GET and roles.is_reviewer(request.user) and not roles.is_officer(request.user):
        return CommitteeFilterForm({"mine": "1"})
    return CommitteeFilterForm(request.GET or None)


def _queue_filters(form: CommitteeFilterForm) -> dict | None:
    """What the filter form asks for: nothing when unbound, None when it is not valid."""
    if not form.is_bound:
        return {}
    return form.cleaned_data if form.is_valid() else None


def _queue_page(request, form: CommitteeFilterForm) -> selectors.QueuePage | None:
    """The page of the queue the filters and the ``after`` cursor ask for; None when either is not valid."""
    filters = _queue_filters(form)
    if filters is None:
        return None
    try:
        return selectors.committee_queue_page(
            after=request.GET.get("after") or None,
            state=filters.get("state") or None,
            region=filters.get("region"),
            waiting_days=filters.get("waiting"),
            assigned_to=request.user if filters.get("mine") else None,
        )
    except ValueError:
        messages.error(
            request, _("The link to this page of the list is not valid: start again from the first page.")
        )
        return None


def _page_links(request, form: CommitteeFilterForm, page: selectors.QueuePage | None) -> dict:
    """The query strings of the first page (on a later one) and of the next (if any): the filters
    in force, a reviewer's default too, and the cursor."""
    kept = {name: value for name, value in (form.data or {}).items() if name != "after" and value}
    more = page is not None and page.next_cursor is not None
    return {
        "first_query": urlencode(kept) if request.GET.get("after") else None,
        "next_query": urlencode({**kept, "after": page.next_cursor}) if more else None,
    }


@require_safe
@committee_required
def committee_queue(request):
    form = _queue_form(request)
    page = _queue_page(request, form)
    applications = page.applications if page else []
    waiting = selectors.waiting_on(user=request.user, applications=applications)
    overview = selectors.secretariat_overview() if roles.is_secretariat(request.user) else None
    return render(
        request,
        "portal/committee_queue.html",
        {
            "form": form,
            "rows": [(application, waiting.get(application.pk)) for application in applications],
            "total": page.total if page else 0,
            **_page_links(request, form, page),
            "counts": [(ApplicationState(state), n) for state, n in selectors.state_counts().items()],
            "overview": overview,
        },
        status=400 if page is None else 200,
    )


# --- the actions: action name → (form class, the function that calls the service) ----------------


def _do_request_info(request, application, form, expected):
    services.application_request_info(
        application=application,
        expected_state=expected,
        actor=request.user,
        comment=form.cleaned_data["comment"],
    )
    return _("The applicant is asked for more information.")


def _do_reject(request, application, form, expected):
    services.application_reject(
        application=application,
        expected_state=expected,
        actor=request.user,
        comment=form.cleaned_data["comment"],
    )
    return _("The application is rejected.")


def _do_assign_reviewers(request, application, form, expected):
    """Add the reviewers ticked (the form passes only new ones); start the review if asked."""
    reviewers = list(form.cleaned_data["reviewers"])
    if form.cleaned_data.get("start_review"):
        services.application_start_review(
            application=application, expected_state=expected, actor=request.user, reviewers=reviewers
        )
        if not reviewers:
            return _("The review has started.")
        return _("The reviewers are assigned and the review has started.")
    services.reviewers_assign(
        application=application, expected_state=expected, actor=request.user, reviewers=reviewers
    )
    return _("The reviewers are added. The reviewers assigned before stay assigned.")


def _do_start_review(request, application, form, expected):
    services.application_start_review(application=application, expected_state=expected, actor=request.user)
    return _("The review has started.")


def _do_complete_review(request, application, form, expected):
    services.application_complete_review(application=application, expected_state=expected, actor=request.user)
    return _("The review is complete. The application can now go to the vote.")


def _do_open_vote(request, application, form, expected):
    services.vote_open(
        application=application,
        expected_state=expected,
        actor=request.user,
        deadline=form.deadline_datetime(),
        category=form.cleaned_data["category"],
    )
    return _("The vote is open. The Executive Committee's members are told.")


def _do_close_vote(request, application, form, expected):
    vote_round = services.vote_close(
        application=application,
        expected_state=expected,
        actor=request.user,
        comment=form.cleaned_data["comment"],
    )
    return _("The vote is closed: %(outcome)s.") % {"outcome": vote_round.get_outcome_display()}


def _do_review(request, application, form, expected):
    services.review_submit(
        application=application,
        expected_state=expected,
        reviewer=request.user,
        recommendation=form.cleaned_data["recommendation"],
        comment=form.cleaned_data["comment"],
    )
    return _("Thank you, your review is saved.")


def _do_revise_review(request, application, form, expected):
    services.review_revise(
        application=application,
        expected_state=expected,
        reviewer=request.user,
        recommendation=form.cleaned_data["recommendation"],
        comment=form.cleaned_data["comment"],
    )
    return _("Thank you, your review is changed.")


def _do_confirm_review(request, application, form, expected):
    services.review_confirm(application=application, expected_state=expected, reviewer=request.user)
    return _("Thank you, your review is confirmed.")


def _do_link_organization(request, application, form, expected):
    organization = form.cleaned_data["organization"]
    services.application_link_organization(
        application=application, expected_state=expected, actor=request.user, organization=organization
    )
    return _("The application is linked to “%(name)s” as its re-application.") % {"name": organization.name}


def _do_confirm_distinct(request, application, form, expected):
    services.application_confirm_distinct(
        application=application, expected_state=expected, actor=request.user
    )
    return _("The application is confirmed as a new organization: admission will create it.")


def _do_vote(request, application, form, expected):
    ballot = services.vote_cast(
        application=application,
        expected_state=expected,
        member=request.user,
        choice=form.cleaned_data["choice"],
    )
    return _("Your vote “%(choice)s” is recorded.") % {"choice": ballot.get_choice_display()}


def _do_recuse(request, application, form, expected):
    services.vote_recuse(
        application=application,
        expected_state=expected,
        member=request.user,
        reason=form.cleaned_data["reason"],
    )
    return _("You have recused yourself from this vote.")


COMMITTEE_ACTIONS = {
    "request_info": (MessageForm, _do_request_info),
    "reject": (RejectForm, _do_reject),
    "assign_reviewers": (AssignReviewersForm, _do_assign_reviewers),
    "start_review": (ActionForm, _do_start_review),
    "complete_review": (ActionForm, _do_complete_review),
    "open_vote": (OpenVoteForm, _do_open_vote),
    "close_vote": (CloseVoteForm, _do_close_vote),
    "review": (ReviewForm, _do_review),
    "revise_review": (ReviewForm, _do_revise_review),
    "confirm_review": (ActionForm, _do_confirm_review),
    "link_organization": (LinkOrganizationForm, _do_link_organization),
    "confirm_distinct": (ConfirmDistinctForm, _do_confirm_distinct),
    "vote": (BallotForm, _do_vote),
    "recuse": (RecuseForm, _do_recuse),
}


def _make_form(action: str, application, data=None, user=None):
    form_class = COMMITTEE_ACTIONS[action][0]
    kwargs = {"application": application} if form_class is AssignReviewersForm else {}
    if data is not None:
        return form_class(data, **kwargs)
    initial = {"expected_state": application.state, "action": action}
    if action == "revise_review" and (review := selectors.own_review(application=application, reviewer=user)):
        initial.update(recommendation=review.recommendation, comment=review.comment)
    return form_class(initial=initial, **kwargs)


# --- the application's page -------------------------------------------------------------------


def _committee_context(request, application, actions: set[str], forms: dict) -> dict:
    """Everything the committee's page shows; the reviews only to those who may read them."""
    reviews_hidden = not rules.may_read_reviews(application, request.user)
    return {
        "application": application,
        "words": state_words(application.state),
        "forms": forms,
        "actions": actions,
        "documents": list(application.documents.all()),
        "contacts": list(application.contacts.all()),
        "assigned": list(application.assignments.select_related("reviewer")),
        "reviews": [] if reviews_hidden else selectors.application_reviews(application=application),
        "reviews_hidden": reviews_hidden,
        "rounds": selectors.vote_rounds_for(application=application, user=request.user),
        "history": selectors.application_history_for(application=application, viewer=request.user),
        "missing": missing(application),
        "required_reviewers": settings.WORKFLOW_REQUIRED_REVIEWERS,
        "info_request": selectors.latest_info_request(application=application),
        "duplicates": selectors.possible_duplicates_for(application=application, user=request.user),
        "members_in_country": selectors.members_from_country_of(application=application),
        "on_agenda_of": (meeting := agenda_of_application(application)),
        "may_open_meeting": meeting is not None
        and roles.is_officer(request.user)
        and (meeting.state != "draft" or roles.is_secretariat(request.user)),
        "status_url": reverse("committee-application", args=[application.pk]),
    }


def _render_committee_page(request, application, bound: dict | None = None, status: int = 200):
    """The page with a form for each action the person may take; ``bound`` ones keep their errors."""
    bound = bound or {}
    actions = selectors.available_actions(application=application, user=request.user)
    if "assign_reviewers" in actions:  # one form assigns and starts the review: one step
        actions = actions - {"start_review"}
    blocked = {action: reasons for action in actions if (reasons := rules.obstacles(application, action))}
    not_yet = [(ACTION_LABELS.get(action, action), reasons) for action, reasons in sorted(blocked.items())]
    forms = {
        action: bound.get(action) or _make_form(action, application, user=request.user)
        for action in actions
        if action in COMMITTEE_ACTIONS and action not in blocked
    }
    context = {**_committee_context(request, application, actions, forms), "not_yet": not_yet}
    return render(request, "portal/committee_application.html", context, status=status)


def _handle_action(request, application):
    """Run the posted action's service; a message, then back to the page (400 with field errors)."""
    action = request.POST.get("action", "")
    if action not in COMMITTEE_ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("committee-application", pk=application.pk)
    form = _make_form(action, application, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _render_committee_page(request, application, bound={action: form}, status=400)
    try:
        done = COMMITTEE_ACTIONS[action][1](request, application, form, form.cleaned_data["expected_state"])
    except WorkflowError as exc:
        messages.error(request, exc.message)
        if exc.code == ErrorCode.INVALID and apply_errors(exc, form):
            return _render_committee_page(request, application, bound={action: form}, status=400)
        return redirect("committee-application", pk=application.pk)
    messages.success(request, done)
    return redirect("committee-application", pk=application.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@committee_required
def committee_application(request, pk: int):
    application = MembershipApplication.objects.select_related("region", "applicant").filter(pk=pk).first()
    if application is None or not rules.may_view(application, request.user):
        raise Http404
    if rules.has_conflict(application, request.user):  # their own case: only as its applicant sees it
        if rules.is_applicant(application, request.user):
            return redirect("application-status", pk=pk)
        raise Http404
    if request.method != "POST":
        return _render_committee_page(request, application)
    return _handle_action(request, application)
