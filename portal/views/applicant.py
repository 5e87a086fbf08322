"""The applicant's pages (/applications/): my applications, the form, documents, review, submit,
withdraw, status, and a document's download. Thin: read the form, call one service.

A refused action (``WorkflowError``) becomes a message or errors next to the fields, never a
server error. Every application URL answers 404 to people who may not see the application, so
nobody learns that someone else's application exists.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from portal.forms import (
    FORM_DOCUMENT_KINDS,
    ApplicationDocumentsForm,
    ApplicationForm,
    ContactFormSet,
    DeleteDraftForm,
    DocumentUploadForm,
    SubmitForm,
    WithdrawForm,
    upload_help,
)
from portal.presentation import state_words
from portal.views.common import apply_errors, missing
from workflows import rules, selectors, services
from workflows.documents import document_response
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationDocument, ApplicationState, MembershipApplication


def _own_application(request, pk: int) -> MembershipApplication:
    """The signed-in applicant's application, or 404 (also when it is someone else's)."""
    application = MembershipApplication.objects.select_related("region").filter(pk=pk).first()
    if application is None or not rules.is_applicant(application, request.user):
        raise Http404
    return application


@require_safe
@login_required
def my_applications(request):
    applications = [
        (application, state_words(application.state))
        for application in selectors.applications_of(user=request.user)
    ]
    return render(request, "portal/my_applications.html", {"applications": applications})


# --- the application form (new and edit) ------------------------------------------------------


def _application_forms(request, application=None) -> dict:
    """The page's three forms (fields, contacts, files): blank on GET, bound to the POST otherwise."""
    initial = list(application.contacts.values("name", "role", "email", "phone")) if application else None
    if request.method != "POST":
        return {
            "form": ApplicationForm(instance=application),
            "formset": ContactFormSet(prefix="contacts", initial=initial),
            "documents_form": ApplicationDocumentsForm(),
        }
    return {
        "form": ApplicationForm(request.POST, instance=application),
        "formset": ContactFormSet(request.POST, prefix="contacts", initial=initial),
        "documents_form": ApplicationDocumentsForm(request.POST, request.FILES),
    }


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


def _contacts_for_service(formset) -> tuple[list[dict], list[int]]:
    """Filled contact rows, and for each its index in the formset (to put errors back)."""
    rows, indexes = [], []
    for index, form in enumerate(formset.forms):
        if form.has_content():
            rows.append({k: form.cleaned_data.get(k) or "" for k in ("name", "role", "email", "phone")})
            indexes.append(index)
    return rows, indexes


def _remap_contact_errors(exc: WorkflowError, indexes: list[int]) -> None:
    """The service numbers the filled contacts only; the formset numbers every row."""
    remapped = {}
    for key, value in (exc.details or {}).items():
        if key.startswith("contacts."):
            position = int(key.split(".", 1)[1])
            key = f"contacts.{indexes[position]}" if position < len(indexes) else key
        remapped[key] = value
    exc.details = remapped


def _save_application(request, application, forms: dict, save):
    """Validate the three forms, call ``save(data=…, contacts=…)`` (one service), then store the files.

    ``application`` is None for a new one. An edit from a page that is out of date saves nothing
    and goes to the status page; other refusals come back as errors next to the fields.
    """
    valid = [form.is_valid() for form in forms.values()]  # each form, so that each shows its errors
    if not all(valid):
        messages.error(request, _("Please correct the errors below. Nothing was saved yet."))
        return _render_form(request, application=application, **forms)
    contacts, indexes = _contacts_for_service(forms["formset"])
    try:
        saved = save(data=forms["form"].service_data(), contacts=contacts)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        if application is not None and exc.code == ErrorCode.CONFLICT:
            return redirect("application-status", pk=application.pk)
        _remap_contact_errors(exc, indexes)
        apply_errors(exc, forms["form"], forms["formset"])
        return _render_form(request, application=application, **forms)
    return _after_save(request, saved, **forms)


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


def _after_save(request, application, *, form, formset, documents_form):
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
def application_new(request):
    forms = _application_forms(request)
    if request.method != "POST":
        return _render_form(request, application=None, **forms)
    create = partial(services.application_create, applicant=request.user)
    return _save_application(request, None, forms, create)


def _not_editable(request, application):
    """The answer to the form of an application that can no longer be changed."""
    if request.method == "POST":
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
    messages.info(
        request,
        _("This application cannot be changed while it is “%(state)s”.")
        % {"state": application.get_state_display()},
    )
    return redirect("application-status", pk=application.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_edit(request, pk: int):
    application = _own_application(request, pk)
    if not application.is_editable:
        return _not_editable(request, application)
    forms = _application_forms(request, application)
    if request.method != "POST":
        return _render_form(request, application=application, **forms)
    update = partial(
        services.application_update,
        application=application,
        actor=request.user,
        expected_state=request.POST.get("expected_state") or None,
    )
    return _save_application(request, application, forms, update)


# --- status and documents ---------------------------------------------------------------------


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


def _render_documents(request, application, form):
    return render(
        request,
        "portal/application_documents.html",
        {
            "application": application,
            "form": form,
            "documents": list(application.documents.all()),
            "missing_documents": missing(application)[1],
            "upload_help": upload_help(),
        },
    )


def _upload(request, application, form):
    """Add the uploaded document; a refusal goes next to the file, or to the status page when stale."""
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
        return _render_documents(request, application, form)
    messages.success(
        request,
        _("“%(name)s” is uploaded as %(kind)s.")
        % {"name": document.original_name, "kind": document.get_kind_display()},
    )
    return redirect("application-documents", pk=application.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_documents(request, pk: int):
    application = _own_application(request, pk)
    if request.method != "POST":
        return _render_documents(
            request, application, DocumentUploadForm(initial={"expected_state": application.state})
        )
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_documents(request, application, form)
    return _upload(request, application, form)


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


# --- review, submit, withdraw -----------------------------------------------------------------


@never_cache
@require_safe
@login_required
def application_review(request, pk: int):
    application = _own_application(request, pk)
    missing_fields, missing_documents = missing(application)
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


def _withdraw_page(request, application):
    """The confirmation page, or the status page when the application cannot be withdrawn now (a
    draft: the page that deletes it)."""
    actions = selectors.available_actions(application=application, user=request.user)
    if "delete" in actions:
        return redirect("application-delete", pk=application.pk)
    if "withdraw" not in actions:
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


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_withdraw(request, pk: int):
    application = _own_application(request, pk)
    if request.method != "POST":
        return _withdraw_page(request, application)
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


def _delete_page(request, application):
    """The confirmation page, or the status page when the application is no draft to delete."""
    if "delete" not in selectors.available_actions(application=application, user=request.user):
        messages.info(request, _("Only a draft can be deleted. You can withdraw an application you sent."))
        return redirect("application-status", pk=application.pk)
    documents = list(application.documents.all())
    form = DeleteDraftForm(initial={"expected_state": application.state})
    context = {"application": application, "documents": documents, "form": form}
    return render(request, "portal/application_delete.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_delete(request, pk: int):
    application = _own_application(request, pk)
    if request.method != "POST":
        return _delete_page(request, application)
    form = DeleteDraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Please try again."))
        return redirect("application-delete", pk=application.pk)
    try:
        services.application_delete(
            application=application, expected_state=form.cleaned_data["expected_state"], actor=request.user
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("application-status", pk=application.pk)
    messages.success(request, _("Your draft “%(name)s” is deleted.") % {"name": application.name})
    return redirect("my-applications")
