"""A union's dues in the member area (/member/<slug>/dues/): its statement as of today, each
invoice's page and its PDF.

For the union's representatives and the secretariat (``workflows.rules``: ``dues``); anyone else
gets 404, as for every page of a union. Read-only: the ledger's actions are the secretariat's
(``dues.services``).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dues.models import Invoice
from dues.money import ledger_currency
from dues.selectors import invoice_as_of, invoice_lines, payments_booked, statement
from portal.invoices import entry_label, invoice_file_name, invoice_pdf, union_name
from registry.models import Organization
from registry.selectors import is_representative, latest_membership, today
from workflows import rules


def _union(request, slug: str) -> Organization:
    """The union ``slug`` if the signed-in person may read its dues; 404 otherwise."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or rules.member_refusal("dues", organization, request.user) is not None:
        raise Http404
    return organization


def _invoice(organization: Organization, invoice_id: int, on) -> Invoice:
    """One of the union's invoices (of any of its memberships) as of ``on``; 404 for another's."""
    try:
        invoice = invoice_as_of(invoice_id, on)
    except Invoice.DoesNotExist:
        raise Http404 from None
    if invoice.membership.organization_id != organization.pk:
        raise Http404
    return invoice


def _entries(lines) -> list[tuple]:
    return [(line, entry_label(line.kind)) for line in lines]


@never_cache
@require_safe
@login_required
def member_dues(request, slug: str):
    """The union's statement as of today: each invoice with its standing, what was credited,
    waived and paid on it and what is open; its payments; what it owes, or its credit. A fixed
    number of queries, however many invoices."""
    organization = _union(request, slug)
    on = today()
    membership = latest_membership(organization)
    account = statement(membership, on) if membership is not None else None
    invoices = account.invoices if account else []
    lines = invoice_lines([invoice.pk for invoice in invoices], on)
    context = {
        "organization": organization,
        "union_name": union_name(organization),
        "membership": membership,
        "on": on,
        "statement": account,
        "invoices": [(invoice, _entries(lines[invoice.pk])) for invoice in reversed(invoices)],
        "payments": list(payments_booked(membership, on)) if membership is not None else [],
        "currency": ledger_currency(),
        "is_representative": is_representative(organization, request.user),
    }
    return render(request, "portal/member_dues.html", context)


@never_cache
@require_safe
@login_required
def member_dues_invoice(request, slug: str, invoice_id: int):
    """One invoice as of today, with the link to its PDF."""
    organization = _union(request, slug)
    on = today()
    invoice = _invoice(organization, invoice_id, on)
    context = {
        "organization": organization,
        "union_name": union_name(organization),
        "invoice": invoice,
        "entries": _entries(invoice_lines([invoice.pk], on)[invoice.pk]),
        "on": on,
        "is_representative": is_representative(organization, request.user),
    }
    return render(request, "portal/member_dues_invoice.html", context)


@never_cache
@require_safe
@login_required
def member_dues_invoice_pdf(request, slug: str, invoice_id: int):
    """The invoice as a PDF to download, in the reader's language."""
    organization = _union(request, slug)
    invoice = _invoice(organization, invoice_id, today())
    response = HttpResponse(invoice_pdf(invoice.pk), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_file_name(invoice)}"'
    return response
