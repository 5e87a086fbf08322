"""The dues' e-mails: the invoice when it is issued (its PDF attached), the reminders of an open
invoice before, on and after its due date — each once, none once it is paid."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core import mail

from accounts.models import Preferences
from dues import notices, services, tasks
from dues.models import DuesRate
from notifications.models import Notification
from notifications.tasks import deliver_notification
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from tests.dues.ledger import JAN_1, YEAR, day, member, schedule
from tests.factories import applicant_user, secretariat_user
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

REMINDERS = [reminder.event for reminder in notices.Reminder]


@pytest.fixture
def union(settings):
    """A member with two representatives, invoiced on 1 January: 1,000.00 EUR due on 2 March."""
    settings.DUES_DUE_DAYS = 60
    settings.DUES_REMINDER_DAYS_BEFORE, settings.DUES_REMINDER_DAYS_AFTER = 14, 30
    schedule()
    membership = member()
    people = [applicant_user(email="first@knus.example"), applicant_user(email="second@knus.example")]
    for person in people:
        representative_add_first(organization=membership.organization, user=person)
    return membership, people


def reminders() -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(event__in=REMINDERS).values_list("event", "recipient_email"))


def test_the_issued_invoice_goes_to_each_representative_with_its_pdf(union):
    membership, people = union
    Preferences.objects.create(user=people[1], language="fr")

    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    rows = list(Notification.objects.filter(event="dues_invoice").order_by("recipient_email"))
    assert [row.recipient_email for row in rows] == ["first@knus.example", "second@knus.example"]
    assert {row.idempotency_key for row in rows} == {
        f"dues_invoice:invoice{invoice.pk}:u{person.pk}" for person in people
    }
    assert rows[0].context["attachments"] == ["dues_invoice_pdf"]
    for row in rows:
        assert deliver_notification(notification_id=row.pk) == "sent"
    english, french = sorted(mail.outbox, key=lambda message: message.to[0])
    assert english.subject == f"Invoice 2026-0001: membership dues 2026 of {membership.organization.name}"
    assert "1,000.00 EUR, due by 2 March 2026" in english.body
    assert f"/member/{membership.organization.slug}/dues/{invoice.pk}/" in english.body
    ((name, content, mimetype),) = english.attachments
    assert (name, mimetype) == ("invoice-2026-0001.pdf", "application/pdf")
    text = " ".join(pdf_text(content).split())
    assert "Invoice 2026-0001" in text
    assert "Open amount 1,000.00 EUR" in text
    assert "Facture 2026-0001" in " ".join(pdf_text(french.attachments[0][1]).split())
    assert "1 000,00 EUR" in " ".join(french.body.split())


def test_creating_the_invoice_again_sends_nothing_more(union):
    membership, _people = union
    services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    services.invoice_create(membership=membership, year=YEAR, on=day(2))

    assert Notification.objects.filter(event="dues_invoice").count() == 2


def test_each_reminder_is_sent_once_on_its_day_to_each_representative(union):
    membership, people = union
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    due = invoice.due_on
    assert due == datetime.date(YEAR, 3, 2)
    timeline = {}
    for offset in range(-20, 40):
        on = due + datetime.timedelta(days=offset)
        timeline[on] = sorted({row.event for row in notices.reminders_send(on=on)})

    sent_on = {on: events for on, events in timeline.items() if events}
    assert sent_on == {
        due - datetime.timedelta(days=14): ["dues_reminder_before"],
        due: ["dues_reminder_due"],
        due + datetime.timedelta(days=30): ["dues_reminder_after"],
    }
    assert reminders() == sorted((event, person.email) for event in REMINDERS for person in people)
    assert set(
        Notification.objects.filter(event__in=REMINDERS).values_list("idempotency_key", flat=True)
    ) == {f"{event}:invoice{invoice.pk}:u{person.pk}" for event in REMINDERS for person in people}


def test_a_reminder_missed_on_its_day_is_sent_later_and_the_earlier_one_is_skipped(union):
    membership, _people = union
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)

    notices.reminders_send(on=invoice.due_on + datetime.timedelta(days=3))

    assert {event for event, _email in reminders()} == {"dues_reminder_due"}


def test_a_paid_invoice_is_reminded_of_nothing(union):
    membership, _people = union
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=day(20),
        amount=Decimal("1000"),
        currency="EUR",
        method="bank_transfer",
        reference="PAID-IN-FULL",
        on=day(20),
    )

    for offset in (-14, 0, 30):
        assert notices.reminders_send(on=invoice.due_on + datetime.timedelta(days=offset)) == []
    assert reminders() == []


def test_a_reminder_states_what_is_still_open_in_the_reader_s_language(union):
    membership, people = union
    Preferences.objects.create(user=people[0], language="fr")
    invoice = services.invoice_create(membership=membership, year=YEAR, on=JAN_1)
    services.payment_record(
        membership=membership,
        actor=secretariat_user(),
        paid_on=day(20),
        amount=Decimal("400"),
        currency="EUR",
        method="bank_transfer",
        reference="PART",
        on=day(20),
    )

    rows = notices.reminders_send(on=invoice.due_on + datetime.timedelta(days=30))
    for row in rows:
        deliver_notification(notification_id=row.pk)

    french, english = sorted(mail.outbox, key=lambda message: message.to[0])
    assert english.subject == f"Invoice 2026-0001 is overdue: {membership.organization.name}"
    assert "600.00 EUR is still open on it" in english.body
    assert english.attachments == []
    assert "Facture 2026-0001 échue" in french.subject
    assert "600,00 EUR" in french.body


def test_the_daily_task_is_scheduled_and_sends_the_reminders(union):
    membership, _people = union
    entry = django_settings.CELERY_BEAT_SCHEDULE["dues-reminders"]

    issued = today() - datetime.timedelta(days=60)  # due today
    if not DuesRate.objects.filter(year=federation_year(issued)).exists():
        schedule(year=federation_year(issued))
    services.invoice_create(membership=membership, year=federation_year(issued), on=issued)

    assert entry["task"] == tasks.send_reminders.name == "dues.tasks.send_reminders"
    assert tasks.send_reminders() == 2
    assert {event for event, _email in reminders()} == {"dues_reminder_due"}
    assert tasks.send_reminders() == 0
