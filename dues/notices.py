"""The dues' e-mails, through the outbox: the invoice when it is issued (its PDF attached), and the
reminders of an invoice still open — before its due date, on it, and after it.

Every e-mail goes to each active representative of the union, one outbox row each, keyed by what it
is about, the invoice and the recipient (``dues_invoice:invoice7:u3``,
``dues_reminder_due:invoice7:u3``): written twice, it is sent once. The rows hold ids and plain
strings (amounts and dates written in the reader's language); the PDF is built at delivery by the
``dues_invoice_pdf`` attachment builder (``portal.invoices``), from the ledger as it is then.
"""

import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch
from django.utils import formats

from accounts.people import display_name
from notifications.models import Notification
from notifications.services import InLanguage, outbox_write
from registry.models import Organization, Representative
from registry.selectors import active_representatives, today

from . import money
from .models import Invoice
from .selectors import invoices_with_open_amount

INVOICE_EVENT = "dues_invoice"
INVOICE_PDF = "dues_invoice_pdf"  # the attachment builder's name


class Reminder(StrEnum):
    """Which reminder of an open invoice: its event is ``dues_reminder_<value>``."""

    BEFORE = "before"  # DUES_REMINDER_DAYS_BEFORE days before the due date
    DUE = "due"  # on the due date
    AFTER = "after"  # DUES_REMINDER_DAYS_AFTER days after it

    @property
    def event(self) -> str:
        return f"dues_reminder_{self.value}"


def invoice_link(organization_slug: str, invoice_id: int) -> str:
    """The invoice's page in the union's member area."""
    return f"{settings.SITE_URL}/member/{organization_slug}/dues/{invoice_id}/"


def _date(day: datetime.date) -> InLanguage:
    return InLanguage(formats.date_format, day, "j F Y")


def _amount(minor: int, currency: str) -> InLanguage:
    return InLanguage(money.display, minor, currency)


def _context(invoice: Invoice, organization: Organization, open_minor: int) -> dict[str, Any]:
    return {
        "invoice_id": invoice.pk,
        "number": invoice.number,
        "year": invoice.year,
        "organization_id": organization.pk,
        "organization_name": organization.name,
        "amount_display": _amount(invoice.amount_minor, invoice.currency),
        "open_display": _amount(open_minor, invoice.currency),
        "issued_display": _date(invoice.issued_on),
        "due_on": invoice.due_on.isoformat(),
        "due_display": _date(invoice.due_on),
        "link": invoice_link(organization.slug, invoice.pk),
    }


def _rows(event: str, invoice: Invoice, representatives, context: dict[str, Any], template: str):
    subject_type = ContentType.objects.get_for_model(Invoice)
    return [
        Notification(
            recipient=representative.user,
            recipient_email=(representative.user.email or "").strip(),
            event=event,
            template=template,
            context={**context, "recipient_name": display_name(representative.user)},
            subject_type=subject_type,
            subject_id=invoice.pk,
            idempotency_key=f"{event}:invoice{invoice.pk}:u{representative.user_id}",
        )
        for representative in representatives
    ]


def invoice_issued(invoice: Invoice, *, open_minor: int | None = None) -> list[Notification]:
    """The invoice to each active representative of its union, with its PDF, in the caller's
    transaction (sent after commit; never twice). ``open_minor``: what is open once the union's
    credit was applied (the full amount by default)."""
    organization = invoice.membership.organization
    context = {
        **_context(invoice, organization, invoice.amount_minor if open_minor is None else open_minor),
        "attachments": [INVOICE_PDF],
    }
    rows = _rows(INVOICE_EVENT, invoice, active_representatives(organization), context, INVOICE_EVENT)
    return outbox_write(rows)


def reminder_due(invoice: Invoice, on: datetime.date) -> Reminder | None:
    """The reminder ``invoice`` (still open) is due on ``on``: the latest whose day has come —
    ``DUES_REMINDER_DAYS_AFTER`` days after the due date, the due date, ``DUES_REMINDER_DAYS_BEFORE``
    days before it. A reminder whose day is not after the invoice's issue is skipped: the invoice's
    own e-mail said as much."""
    days = {
        Reminder.AFTER: invoice.due_on + datetime.timedelta(days=settings.DUES_REMINDER_DAYS_AFTER),
        Reminder.DUE: invoice.due_on,
        Reminder.BEFORE: invoice.due_on - datetime.timedelta(days=settings.DUES_REMINDER_DAYS_BEFORE),
    }
    for reminder, day in days.items():
        if on >= day:
            return reminder if day > invoice.issued_on else None
    return None


def reminders_send(*, on: datetime.date | None = None) -> list[Notification]:
    """Remind the representatives of each invoice with an open amount on ``on`` of what is open:
    once before the due date, once on it, once after it (``reminder_due``), each once.

    Find the open invoices whose first reminder's day has come, with their unions' representatives,
    and the reminders written already (at most one of each kind per invoice, whoever represents
    the union by then); each invoice's reminder in its own transaction, outbox rows keyed by the
    reminder, the invoice and the recipient (a second run, or two at once, write nothing more).
    A paid, waived or cancelled invoice is reminded of nothing.
    """
    on = on or today()
    representatives = Prefetch(
        "membership__organization__representatives",
        queryset=Representative.objects.filter(removed_at__isnull=True).select_related("user"),
        to_attr="current_representatives",
    )
    invoices = list(
        invoices_with_open_amount(on)
        .filter(
            open_minor__gt=0,
            due_on__lte=on + datetime.timedelta(days=settings.DUES_REMINDER_DAYS_BEFORE),
        )
        .select_related("membership__organization")
        .prefetch_related(representatives)
        .order_by("due_on", "pk")
    )
    sent = set(
        Notification.objects.filter(
            event__in=[reminder.event for reminder in Reminder],
            subject_type=ContentType.objects.get_for_model(Invoice),
            subject_id__in=[invoice.pk for invoice in invoices],
        ).values_list("event", "subject_id")
    )
    created: list[Notification] = []
    for invoice in invoices:
        reminder = reminder_due(invoice, on)
        if reminder is None or (reminder.event, invoice.pk) in sent:
            continue
        organization = invoice.membership.organization
        if not organization.current_representatives:
            continue
        context = {**_context(invoice, organization, invoice.open_minor), "reminder": reminder.value}
        with transaction.atomic():
            created += outbox_write(
                _rows(reminder.event, invoice, organization.current_representatives, context, "dues_reminder")
            )
    return created
