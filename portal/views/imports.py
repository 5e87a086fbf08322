"""The secretariat's import of the member list: upload, read the dry run's report, confirm."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.forms import MemberImportConfirmForm, MemberImportForm
from portal.views.common import secretariat_required
from workflows.errors import ErrorCode, WorkflowError
from workflows.member_import import COLUMNS, member_import_confirm, member_import_upload

TEMPLATE = "portal/committee_import.html"


@require_http_methods(["GET", "POST"])
@secretariat_required
def committee_import(request):
    """GET: the upload form. POST: dry-run the file, keep it, show the report and the confirmation."""
    form = MemberImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": ",".join(COLUMNS)}
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    uploaded = form.cleaned_data["file"]
    try:
        upload, report = member_import_upload(file=uploaded, filename=uploaded.name, actor=request.user)
    except WorkflowError as exc:
        form.add_error("file", exc.message)
        return render(request, TEMPLATE, context, status=400)
    return render(request, TEMPLATE, {**context, "upload": upload, "report": report})


@require_POST
@secretariat_required
def committee_import_confirm(request, upload_id: int):
    """Import the file of the dry run, all rows or none; a refusal shows the upload form again."""
    form = MemberImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The confirmation is not from a dry run's report: upload the file again."))
        return redirect("committee-import")
    try:
        report = member_import_confirm(
            upload_id=upload_id,
            actor=request.user,
            expected_sha256=form.cleaned_data["sha256"],
            expected_digest=form.cleaned_data["digest"],
        )
    except WorkflowError as exc:
        status = 400 if exc.code == ErrorCode.INVALID else 409
        return render(
            request,
            TEMPLATE,
            {"form": MemberImportForm(), "columns": ",".join(COLUMNS), "refusal": exc.message},
            status=status,
        )
    messages.success(
        request,
        _("%(created)d unions created and %(updated)d updated, with their memberships.")
        % {"created": report.created, "updated": report.updated},
    )
    return redirect("committee-import")
