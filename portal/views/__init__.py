"""Pages of the applicant portal and of the committee. Thin: read the form, call one service.

A refused action (``WorkflowError``) becomes a message or errors next to the fields,
never a server error. Every application URL answers 404 to people who may not see
the application, so nobody learns that someone else's application exists.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from portal.forms import (
    FORM_DOCUMENT_KINDS,
    ActionForm,
    ApplicationDocumentsForm,
    ApplicationForm,
    AssignReviewersForm,
    BallotForm,
    CloseVoteForm,
    CommitteeFilterForm,
    ConfirmDistinctForm,
    ContactFormSet,
    DocumentUploadForm,
    LinkOrganizationForm,
    MessageForm,
    OpenVoteForm,
    RecuseForm,
    RejectForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
    upload_help,
)
from portal.presentation import state_words
from workflows import rules, selectors, services
from workflows.documents import document_response
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationDocument, ApplicationState, DocumentKind, MembershipApplication

# --- helpers ------------------------------------------------------------------------------


def _own_application(request, pk: int) -> MembershipApplication:
    """The signed-in applicant's application, or 404 (also when it is someone else's)."""
    application = MembershipApplication.objects.select_related("region").filter(pk=pk).first()
    if application is None or not rules.is_applicant(application, request.user):
        raise Http404
    return application


def _apply_errors(exc: WorkflowError, form, formset=None) -> bool:
    """Put the service's per-field errors next to the fields; True when some field got one."""
    placed = False
    for key, messages_ in (exc.details or {}).items():
        if key.startswith("contacts.") and formset is not None:
            index = int(key.split(".", 1)[1])
            if index < len(formset.forms):
                contact_form = formset.forms[index]
                for field, errors in messages_.items():
                    contact_form.add_error(field if field in contact_form.fields else None, errors)
                placed = True
        elif form is not None and key in form.fields and isinstance(messages_, list | tuple):
            form.add_error(key, list(messages_))
            placed = True
    return placed


def _contacts_for_service(formset) -> tuple[list[dict], list[int]]:
    """Filled contact rows, and for each its index in the formset (to put errors back)."""
    rows, indexes = [], []
    for index, form in enumerate(formset.forms):
        if form.has_content():
            rows.append({k: form.cleaned_data.get(k) or "" for k in ("name", "role", "email", "phone")})
            indexes.append(index)
    return rows, indexes


def _remap_contact_errors(exc: WorkflowError, indexes: list[int]) -> None:
    remapped = {}
    for key, value in (exc.details or {}).items():
        if key.startswith("contacts."):
            position = int(key.split(".", 1)[1])
            key = f"contacts.{indexes[position]}" if position < len(indexes) else key
        remapped[key] = value
    exc.details = remapped


def committee_required(view):
    """Signed-in members of Secretariat, Reviewers or Executive Committee; others get 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not roles.has_committee_role(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _missing(application: MembershipApplication) -> tuple[list[str], list[str]]:
    """Labels of the missing fields and documents, as the submit guards see them."""
    labels = {
        "region": _("Region"),
        "email": _("Public e-mail address of your union"),
        "motivation": _("Why does your union want to join the federation?"),
    }
    fields = [
        str(labels.get(name) or MembershipApplication._meta.get_field(name).verbose_name).capitalize()
        for name in rules.missing_fields(application)
    ]
    documents = [str(DocumentKind(kind).label) for kind in rules.missing_document_kinds(application)]
    return fields, documents


# --- the applicant's pages ----------------------------------------------------------------


@require_safe
@login_required
def my_applications(request):
    applications = [
        (application, state_words(application.state))
        for application in selectors.applications_of(user=request.user)
    ]
    return render(request, "portal/my_applications.html", {"applications": applications})


def _render_form(request, *, application, form, formset, documents_form, status=200):
    return render(
        request,
        "portal/application_form.html",
        {
            "application": application,
            "form": form,
            "formset": formset,
            "documents_form": documents_form,
            "documents": list(application.documents.all()) if application else [],
            "info_request": selectors.latest_info_request(application=application) if application else None,
            "upload_help": upload_help(),
        },
        status=status,
    )


def _save_documents(request, application, documents_form) -> bool:
    """Store each file chosen in the application form; errors go next to their input."""
    ok = True
    for kind in FORM_DOCUMENT_KINDS:
        upload = documents_form.cleaned_data.get(kind.value)
        if not upload:
            continue
        try:
            services.document_add(application=application, actor=request.user, kind=kind.value, upload=upload)
        except WorkflowError as exc:
            documents_form.add_error(kind.value, exc.message)
            ok = False
    return ok


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_new(request):
    if request.method != "POST":
        return _render_form(
            request,
            application=None,
            form=ApplicationForm(),
            formset=ContactFormSet(prefix="contacts"),
            documents_form=ApplicationDocumentsForm(),
        )
    form = ApplicationForm(request.POST)
    formset = ContactFormSet(request.POST, prefix="contacts")
    documents_form = ApplicationDocumentsForm(request.POST, request.FILES)
    valid = all([form.is_valid(), formset.is_valid(), documents_form.is_valid()])
    if not valid:
        messages.error(request, _("Please correct the errors below. Nothing was saved yet."))
        return _render_form(
            request, application=None, form=form, formset=formset, documents_form=documents_form
        )
    contacts, indexes = _contacts_for_service(formset)
    try:
        application = services.application_create(
            applicant=request.user, data=form.service_data(), contacts=contacts
        )
    except WorkflowError as exc:
        _remap_contact_errors(exc, indexes)
        _apply_errors(exc, form, formset)
        messages.error(request, exc.message)
        return _render_form(
            request, application=None, form=form, formset=formset, documents_form=documents_form
        )
    return _after_save(request, application, form, formset, documents_form)


def _after_save(request, application, form, formset, documents_form):
    if not _save_documents(request, application, documents_form):
        messages.warning(
            request, _("Your draft is saved, but a file was not accepted. Please choose it again.")
        )
        form = ApplicationForm(request.POST, instance=application)
        form.is_valid()
        return _render_form(
            request, application=application, form=form, formset=formset, documents_form=documents_form
        )
    if request.POST.get("next") == "review":
        return redirect("application-review", pk=application.pk)
    messages.success(request, _("Your draft is saved. You can come back and continue at any time."))
    return redirect("application-edit", pk=application.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_edit(request, pk: int):
    application = _own_application(request, pk)
    if request.method == "POST" and not application.is_editable:
        # A page shown before the application froze: the service says why nothing is saved
        # (someone changed it meanwhile, or it cannot be changed now).
        try:
            services.application_update(
                application=application,
                actor=request.user,
                data={},
                expected_state=request.POST.get("expected_state") or None,
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
        return redirect("application-status", pk=application.pk)
    if not application.is_editable:
        messages.info(
            request,
            _("This application cannot be changed while it is “%(state)s”.")
            % {"state": application.get_state_display()},
        )
        return redirect("application-status", pk=application.pk)
    initial_contacts = list(application.contacts.values("name", "role", "email", "phone"))
    if request.method != "POST":
        return _render_form(
            request,
            application=application,
            form=ApplicationForm(instance=application),
            formset=ContactFormSet(prefix="contacts", initial=initial_contacts),
            documents_form=ApplicationDocumentsForm(),
        )
    form = ApplicationForm(request.POST, instance=application)
    formset = ContactFormSet(request.POST, prefix="contacts", initial=initial_contacts)
    documents_form = ApplicationDocumentsForm(request.POST, request.FILES)
    if not all([form.is_valid(), formset.is_valid(), documents_form.is_valid()]):
        messages.error(request, _("Please correct the errors below. Nothing was saved yet."))
        return _render_form(
            request, application=application, form=form, formset=formset, documents_form=documents_form
        )
    contacts, indexes = _contacts_for_service(formset)
    try:
        application = services.application_update(
            application=application,
            actor=request.user,
            data=form.service_data(),
            contacts=contacts,
            expected_state=request.POST.get("expected_state") or None,
        )
    except WorkflowError as exc:
        if exc.code == ErrorCode.CONFLICT:  # the page was out of date: nothing is saved
            messages.error(request, exc.message)
            return redirect("application-status", pk=application.pk)
        _remap_contact_errors(exc, indexes)
        _apply_errors(exc, form, formset)
        messages.error(request, exc.message)
        return _render_form(
            request, application=application, form=form, formset=formset, documents_form=documents_form
        )
    return _after_save(request, application, form, formset, documents_form)


@require_safe
@login_required
def application_status(request, pk: int):
    application = MembershipApplication.objects.select_related("region").filter(pk=pk).first()
    if application is None:
        raise Http404
    if not rules.is_applicant(application, request.user):
        if (
            rules.may_view(application, request.user)
            and roles.has_committee_role(request.user)
            and not rules.has_conflict(application, request.user)
        ):
            return redirect("committee-application", pk=pk)
        raise Http404
    actions = selectors.available_actions(application=application, user=request.user)
    rounds = application.vote_rounds.filter(closed_at__isnull=True)
    return render(
        request,
        "portal/application_status.html",
        {
            "application": application,
            "words": state_words(application.state),
            "info_request": selectors.latest_info_request(application=application),
            "history": selectors.application_history_for(application=application, viewer=request.user),
            "documents": list(application.documents.all()),
            "actions": actions,
            "open_round": rounds.first(),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_documents(request, pk: int):
    application = _own_application(request, pk)
    form = DocumentUploadForm(initial={"expected_state": application.state})
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = services.document_add(
                    application=application,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    expected_state=form.cleaned_data["expected_state"],
                )
            except WorkflowError as exc:
                if exc.code == ErrorCode.CONFLICT or not application.is_editable:
                    messages.error(request, exc.message)
                    return redirect("application-status", pk=application.pk)
                form.add_error(
                    "file" if "file" in exc.details or exc.code != ErrorCode.INVALID else None, exc.message
                )
                if "kind" in exc.details:
                    form.add_error("kind", exc.details["kind"])
            else:
                messages.success(
                    request,
                    _("“%(name)s” is uploaded as %(kind)s.")
                    % {"name": document.original_name, "kind": document.get_kind_display()},
                )
                return redirect("application-documents", pk=application.pk)
    return render(
        request,
        "portal/application_documents.html",
        {
            "application": application,
            "form": form,
            "documents": list(application.documents.all()),
            "missing_documents": _missing(application)[1],
            "upload_help": upload_help(),
        },
    )


@require_POST
@login_required
def document_remove(request, pk: int, doc_id: int):
    application = _own_application(request, pk)
    document = get_object_or_404(ApplicationDocument, pk=doc_id, application=application)
    try:
        services.document_remove(
            document=document, actor=request.user, expected_state=request.POST.get("expected_state", "")
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": document.original_name})
    return redirect("application-documents", pk=application.pk)


@require_safe
@login_required
def document_download(request, pk: int, doc_id: int):
    """The stored file, as an attachment, to people who may see the application; 404 to others."""
    document = get_object_or_404(
        ApplicationDocument.objects.select_related("application"), pk=doc_id, application_id=pk
    )
    application = document.application
    if not rules.may_view(application, request.user):
        raise Http404
    try:
        return document_response(document)
    except FileNotFoundError:
        raise Http404 from None


@never_cache
@require_safe
@login_required
def application_review(request, pk: int):
    application = _own_application(request, pk)
    missing_fields, missing_documents = _missing(application)
    actions = selectors.available_actions(application=application, user=request.user)
    return render(
        request,
        "portal/application_review.html",
        {
            "application": application,
            "missing_fields": missing_fields,
            "missing_documents": missing_documents,
            "complete": not missing_fields and not missing_documents,
            "can_send": bool({"submit", "resubmit"} & actions),
            "documents": list(application.documents.all()),
            "contacts": list(application.contacts.all()),
            "info_request": selectors.latest_info_request(application=application),
            "form": SubmitForm(initial={"expected_state": application.state}),
        },
    )


@require_POST
@login_required
def application_submit(request, pk: int):
    application = _own_application(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Please try again."))
        return redirect("application-review", pk=application.pk)
    expected = form.cleaned_data["expected_state"]
    service = (
        services.application_resubmit
        if expected == ApplicationState.INFO_REQUESTED
        else services.application_submit
    )
    try:
        service(
            application=application,
            expected_state=expected,
            actor=request.user,
            comment=form.cleaned_data["comment"],
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        if exc.code == ErrorCode.CONFLICT:
            return redirect("application-status", pk=application.pk)
        return redirect("application-review", pk=application.pk)
    messages.success(request, _("Thank you! Your application is sent. We will write to you by e-mail."))
    return redirect("application-status", pk=application.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_withdraw(request, pk: int):
    application = _own_application(request, pk)
    if request.method != "POST":
        if "withdraw" not in selectors.available_actions(application=application, user=request.user):
            messages.info(
                request,
                _("This application cannot be withdrawn while it is “%(state)s”.")
                % {"state": application.get_state_display()},
            )
            return redirect("application-status", pk=application.pk)
        return render(
            request,
            "portal/application_withdraw.html",
            {"application": application, "form": WithdrawForm(initial={"expected_state": application.state})},
        )
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Please try again."))
        return redirect("application-withdraw", pk=application.pk)
    try:
        services.application_withdraw(
            application=application,
            expected_state=form.cleaned_data["expected_state"],
            actor=request.user,
            comment=form.cleaned_data["comment"],
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("application-status", pk=application.pk)


# --- the committee's pages -------------------------------------------------------------------


@require_safe
@committee_required
def committee_queue(request):
    form = CommitteeFilterForm(request.GET or None)
    filters = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = form.cleaned_data
        else:
            status = 400
    applications = list(
        selectors.committee_queue(
            state=filters.get("state") or None,
            region=filters.get("region"),
            waiting_days=filters.get("waiting"),
        )
        if status == 200
        else []
    )
    counts = selectors.state_counts()
    waiting = selectors.waiting_on(user=request.user, applications=applications)
    rows = [(application, waiting.get(application.pk)) for application in applications]
    return render(
        request,
        "portal/committee_queue.html",
        {
            "form": form,
            "rows": rows,
            "counts": [(ApplicationState(state), n) for state, n in counts.items()],
        },
        status=status,
    )


# action name → (form class, the function that calls the service)
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
    reviewers = list(form.cleaned_data["reviewers"])
    if form.cleaned_data.get("start_review"):
        services.application_start_review(
            application=application, expected_state=expected, actor=request.user, reviewers=reviewers
        )
        return _("The reviewers are assigned and the review has started.")
    services.reviewers_assign(
        application=application, expected_state=expected, actor=request.user, reviewers=reviewers
    )
    return _("The reviewers are assigned.")


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


COMMITTEE_ACTIONS = {
    "request_info": (MessageForm, _do_request_info),
    "reject": (RejectForm, _do_reject),
    "assign_reviewers": (AssignReviewersForm, _do_assign_reviewers),
    "start_review": (ActionForm, _do_start_review),
    "complete_review": (ActionForm, _do_complete_review),
    "open_vote": (OpenVoteForm, _do_open_vote),
    "close_vote": (CloseVoteForm, _do_close_vote),
    "review": (ReviewForm, _do_review),
    "vote": (BallotForm, _do_vote),
    "recuse": (RecuseForm, _do_recuse),
    "link_organization": (LinkOrganizationForm, _do_link_organization),
    "confirm_distinct": (ConfirmDistinctForm, _do_confirm_distinct),
}


def _make_form(action: str, application, data=None):
    form_class = COMMITTEE_ACTIONS[action][0]
    kwargs = {"application": application} if form_class is AssignReviewersForm else {}
    if data is not None:
        return form_class(data, **kwargs)
    return form_class(initial={"expected_state": application.state, "action": action}, **kwargs)


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
    bound: dict[str, object] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in COMMITTEE_ACTIONS:
            messages.error(request, _("Unknown action."))
            return redirect("committee-application", pk=pk)
        form = _make_form(action, application, request.POST)
        if form.is_valid():
            expected = form.cleaned_data["expected_state"]
            try:
                done = COMMITTEE_ACTIONS[action][1](request, application, form, expected)
            except WorkflowError as exc:
                if exc.code == ErrorCode.INVALID and _apply_errors(exc, form):
                    messages.error(request, exc.message)
                    bound[action] = form
                    status = 400
                else:
                    messages.error(request, exc.message)
                    return redirect("committee-application", pk=pk)
            else:
                messages.success(request, done)
                return redirect("committee-application", pk=pk)
        else:
            messages.error(request, _("Please correct the errors below."))
            bound[action] = form
            status = 400
    actions = selectors.available_actions(application=application, user=request.user)
    forms = {
        action: bound.get(action) or _make_form(action, application)
        for action in actions
        if action in COMMITTEE_ACTIONS
    }
    assigned = list(application.assignments.select_related("reviewer"))
    reviews_hidden = not rules.may_read_reviews(application, request.user)
    reviews = [] if reviews_hidden else list(application.reviews.select_related("reviewer"))
    return render(
        request,
        "portal/committee_application.html",
        {
            "application": application,
            "words": state_words(application.state),
            "forms": forms,
            "actions": actions,
            "documents": list(application.documents.all()),
            "contacts": list(application.contacts.all()),
            "assigned": assigned,
            "reviews": reviews,
            "reviews_hidden": reviews_hidden,
            "rounds": selectors.vote_rounds_for(application=application, user=request.user),
            "history": selectors.application_history_for(application=application, viewer=request.user),
            "missing": _missing(application),
            "required_reviewers": settings.WORKFLOW_REQUIRED_REVIEWERS,
            "info_request": selectors.latest_info_request(application=application),
            "duplicates": selectors.possible_duplicates_for(application=application, user=request.user),
            "status_url": reverse("committee-application", args=[pk]),
        },
        status=status,
    )
