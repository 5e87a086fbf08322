"""The secretariat's dues pages: the overview of the unions' accounts (/committee/dues/), one
membership's ledger with its forms (/committee/dues/<membership_id>/), and the bank statement
import (/committee/dues/import/).

Thin: read the form, call one service of ``dues.services`` or ``dues.statement_import``, show its
refusal (``DuesError``) with the form; a success redirects (post/redirect/get). Only the
secretariat, which keeps the federation's books, opens them.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dues import money, services
from dues.errors import DuesError, DuesErrorCode
from dues.models import Allocation, CreditNote, Invoice, Payment, Waiver
from dues.selectors import STANDING_LABELS, Standing, memberships_with_accounts, statement
from dues.statement_import import (
    COLUMNS,
    StatementFileError,
    statement_dry_run,
    statement_import,
    statement_read,
)
from portal.dues_forms import (
    InvoiceCancelForm,
    PaymentRecordForm,
    PaymentReverseForm,
    StatementConfirmForm,
    StatementUploadForm,
    WaiverGrantForm,
)
from portal.views.common import secretariat_required
from registry.models import Membership, Region
from registry.selectors import today

PAGE_SIZE = 50


def _status(exc: DuesError) -> int:
    return 400 if exc.code == DuesErrorCode.INVALID else 409


# --- the overview -----------------------------------------------------------------------------------------


def _filtered_accounts(request, regions: list[Region]):
    """The overview's rows today, narrowed by ``?standing=`` and ``?region=`` (a region includes its
    sub-regions); an unknown value is no filter. Returns the rows, the standing and the region."""
    accounts = (
        memberships_with_accounts(today())
        .filter(Q(ended_on__isnull=True) | Exists(Invoice.objects.filter(membership=OuterRef("pk"))))
        .select_related("organization__region")
        .order_by("organization__name", "-admitted_on", "pk")
    )
    standing = request.GET.get("standing", "")
    if standing in {s.value for s in Standing}:
        accounts = accounts.filter(dues_standing=standing)
    else:
        standing = ""
    region = next((r for r in regions if r.code == request.GET.get("region")), None)
    if region is not None:
        accounts = accounts.filter(Q(organization__region=region) | Q(organization__region__parent=region))
    return accounts, standing, region


@require_safe
@secretariat_required
def committee_dues(request):
    """Every current membership, and every ended one with invoices, with its standing and balance
    today; filtered by standing and region, 50 a page. A constant number of queries."""
    regions = list(Region.objects.order_by("name"))
    accounts, standing, region = _filtered_accounts(request, regions)
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    for membership in page:
        membership.standing_label = STANDING_LABELS[Standing(membership.dues_standing)]
    filters = {"standing": standing, "region": region.code if region else ""}
    return render(
        request,
        "portal/committee_dues.html",
        {
            "page": page,
            "currency": money.ledger_currency(),
            "standings": STANDING_LABELS.items(),
            "standing": standing,
            "regions": regions,
            "region": region,
            "filters": urlencode({key: value for key, value in filters.items() if value}),
        },
    )


# --- a membership's ledger -----------------------------------------------------------------------------------

# Each form of the ledger page: its form, its service, what is said when done.
LEDGER_ACTIONS = {
    "payment": (
        PaymentRecordForm,
        services.payment_record,
        gettext_lazy("The payment is recorded and allocated."),
    ),
    "reverse": (
        PaymentReverseForm,
        services.payment_reverse,
        gettext_lazy("The payment is reversed."),
    ),
    "cancel": (
        InvoiceCancelForm,
        services.invoice_cancel,
        gettext_lazy("The invoice is cancelled by a credit note."),
    ),
    "waiver": (
        WaiverGrantForm,
        services.waiver_grant,
        gettext_lazy("The waiver is granted."),
    ),
}


def _payments_with_allocations(membership) -> list[Payment]:
    """The union's payments and reversals in the order booked, each with its allocations and
    ``is_reversed``: three queries."""
    payments = list(
        Payment.objects.filter(membership=membership)
        .select_related("reverses", "created_by")
        .prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related("invoice").order_by("pk"))
        )
        .order_by("booked_on", "paid_on", "pk")
    )
    reversed_ids = {payment.reverses_id for payment in payments if payment.reverses_id}
    for payment in payments:
        payment.is_reversed = payment.pk in reversed_ids
    return payments


def _ledger_page(request, membership, *, bound=None, status=200):
    account = statement(membership, today())
    for invoice in account.invoices:
        invoice.standing_label = STANDING_LABELS[invoice.standing]
    on_invoices = {"invoice__membership": membership}
    context = {
        "membership": membership,
        "organization": membership.organization,
        "account": account,
        "standing_label": STANDING_LABELS[account.standing],
        "balance_minor": account.open_minor - account.credit_minor,
        "credit_notes": list(
            CreditNote.objects.filter(**on_invoices).select_related("invoice").order_by("pk")
        ),
        "waivers": list(Waiver.objects.filter(**on_invoices).select_related("invoice").order_by("pk")),
        "payments": _payments_with_allocations(membership),
        "forms": {
            action: (bound or {}).get(action) or form_class(membership=membership)
            for action, (form_class, _service, _done) in LEDGER_ACTIONS.items()
        },
        "currency": money.ledger_currency(),
    }
    return render(request, "portal/committee_dues_ledger.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@secretariat_required
def committee_dues_ledger(request, membership_id: int):
    membership = get_object_or_404(
        Membership.objects.select_related("organization__region"), pk=membership_id
    )
    if request.method != "POST":
        return _ledger_page(request, membership)
    action = request.POST.get("action", "")
    if action not in LEDGER_ACTIONS:
        messages.error(request, _("Unknown action."))
        return _ledger_page(request, membership, status=400)
    form_class, service, done = LEDGER_ACTIONS[action]
    form = form_class(request.POST, membership=membership)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing was saved."))
        return _ledger_page(request, membership, bound={action: form}, status=400)
    data = form.service_data()
    if action == "payment":
        data["membership"] = membership
    try:
        service(actor=request.user, **data)
    except DuesError as exc:
        form.add_error(None, exc.message)
        messages.error(request, _("Nothing was saved."))
        return _ledger_page(request, membership, bound={action: form}, status=_status(exc))
    messages.success(request, done)
    return redirect("committee-dues-ledger", membership_id=membership.pk)


# --- the bank statement import ---------------------------------------------------------------------------

IMPORT_TEMPLATE = "portal/committee_dues_import.html"


def _import_context(form=None, **extra) -> dict:
    return {"form": form or StatementUploadForm(), "columns": ",".join(COLUMNS), **extra}


@require_http_methods(["GET", "POST"])
@secretariat_required
def committee_dues_import(request):
    """GET: the upload form. POST: dry-run the statement and show each line with its match."""
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return render(request, IMPORT_TEMPLATE, _import_context(form))
    if not form.is_valid():
        return render(request, IMPORT_TEMPLATE, _import_context(form), status=400)
    try:
        lines = statement_read(form.cleaned_data["file"].read())
    except StatementFileError as exc:
        form.add_error("file", exc.message)
        return render(request, IMPORT_TEMPLATE, _import_context(form), status=400)
    report = statement_dry_run(lines)
    return render(request, IMPORT_TEMPLATE, _import_context(form, report=report))


@require_POST
@secretariat_required
def committee_dues_import_confirm(request):
    """Record the matched lines of the dry run, all or none; a refusal shows the upload form again."""
    form = StatementConfirmForm(request.POST)
    if not form.is_valid():
        refusal = _("The confirmation is not from a dry run's report: upload the file again.")
        return render(request, IMPORT_TEMPLATE, _import_context(refusal=refusal), status=400)
    try:
        report = statement_import(
            signed_lines=form.cleaned_data["lines"],
            expected_digest=form.cleaned_data["digest"],
            actor=request.user,
        )
    except DuesError as exc:
        return render(request, IMPORT_TEMPLATE, _import_context(refusal=exc.message), status=_status(exc))
    messages.success(
        request,
        _("Payments recorded: %(recorded)d. Lines left aside: %(aside)d.")
        % {"recorded": report.recorded, "aside": report.left_aside},
    )
    return redirect("committee-dues-import")
