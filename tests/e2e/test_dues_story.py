"""A federation year's dues in a real browser: from the invoices to a settled account and a lapse list.

One test, in order, as the people would do it. Set up through the services (not the story's point):
the year's schedule (full members 400 EUR, the same the two years before), the secretariat, two
member unions each with a representative who logs in by e-mail. The federation year is made to
have begun ten days ago (``MEMBERSHIP_YEAR_START``), so that the pages, which read today's books,
tell it as it happens; the Baltic union, a member for two years more, was invoiced at the start of
each of them (``invoices_issue(on=…)``) and never paid. The year's invoices go out on its first
day. Then in the browser: the secretariat records a partial payment (150 EUR by bank transfer) on
the Danube union's ledger; the reminder sent fourteen days before the due date, delivered to the
representative's mailbox, names what is open (250 EUR); the representative reads the union's
statement (250 open, due); the secretariat records the rest; the union is settled and in good
standing (its account, the committee's member page, the representative's unions). The Baltic union,
whose invoices of the two earlier years are long past due and grace, is in arrears, not in good
standing, and on the committee's lapse list. Screenshots: ``test-artifacts/e2e/dues-…``.
"""

import datetime
import email
import email.policy

import pytest
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType

from dues.models import DuesRate, Invoice, Payment, PaymentMethod
from dues.notices import Reminder, reminders_send
from dues.reports import on_lapse_list
from dues.selectors import Standing, financial_standing
from dues.services import invoices_issue
from notifications.delivery import deliver
from notifications.models import Notification, NotificationState
from registry.models import MembershipCategory, Representative
from registry.selectors import federation_year, in_good_standing, today, year_start
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import MESSAGE_SEPARATOR, log_in, mail_files, verified_user
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PAYING_UNION = "Danube Students' Union"
LATE_UNION = "Baltic Students' Council"
FULL_RATE_MINOR = 400_00
REFERENCE = "DSU dues, first instalment"
REST_REFERENCE = "DSU dues, balance"


def _shot(page, name: str) -> None:
    screenshot(page, f"dues-{name}")


def _year_begun_days_ago(settings, days: int) -> datetime.date:
    """Make the federation year begin ``days`` days before today (never on 29 February, which
    ``MEMBERSHIP_YEAR_START`` refuses); its first day."""
    start = today() - datetime.timedelta(days=days)
    if (start.month, start.day) == (2, 29):
        start -= datetime.timedelta(days=1)
    settings.MEMBERSHIP_YEAR_START = start.strftime("%m-%d")
    assert year_start(federation_year(today())) == start
    return start


def _union(name: str, acronym: str, admitted_on: datetime.date, representative_email: str):
    membership = MembershipFactory(
        admitted_on=admitted_on,
        category=MembershipCategory.FULL,
        organization=OrganizationFactory(name=name, acronym=acronym, students_represented=20_000),
    )
    first, last = representative_email.split("@")[0].split(".")
    user = verified_user(email=representative_email, first_name=first.title(), last_name=last.title())
    Representative.objects.create(organization=membership.organization, user=user, is_primary=True)
    return membership, user


def _record_payment(page, membership, amount: str, reference: str) -> None:
    """The secretariat's payment form on the union's ledger page; the page says it is recorded."""
    from playwright.sync_api import expect

    page.goto(f"/committee/dues/{membership.pk}/")
    form = page.locator("form", has=page.locator("input[name=action][value=payment]"))
    form.locator("input[name=paid_on]").fill(today().isoformat())
    form.locator("input[name=amount]").fill(amount)
    expect(form.locator("input[name=currency]")).to_have_value("EUR")
    form.locator("select[name=method]").select_option(PaymentMethod.BANK_TRANSFER)
    form.locator("input[name=reference]").fill(reference)
    form.get_by_role("button", name="Record the payment").click()
    expect(page.locator(".messages")).to_contain_text("The payment is recorded and allocated.")


def _rows_under_header(page, table: str) -> None:
    """The table's rows are laid out under its header, not beside it."""
    header = page.locator(f"{table} thead").bounding_box()
    row = page.locator(f"{table} tbody tr").first.bounding_box()
    assert row["y"] >= header["y"] + header["height"] - 1, (header, row)
    assert abs(row["x"] - header["x"]) < 1, (header, row)


def _delivered_reminders(invoice: Invoice, address: str, folder, before: set) -> list:
    """The reminders of ``invoice`` to ``address`` as delivered (the outbox's rows sent as a worker
    would when none runs in-process), read back from the mail files."""
    rows = Notification.objects.filter(
        event__in=[reminder.event for reminder in Reminder],
        subject_type=ContentType.objects.get_for_model(Invoice),
        subject_id=invoice.pk,
    )
    assert rows.exists()
    for row in rows:
        if row.state != NotificationState.SENT:
            deliver(notification_id=row.pk)
    messages = []
    for path in sorted(mail_files(folder) - before, key=lambda p: p.stat().st_mtime):
        for raw in path.read_bytes().split(MESSAGE_SEPARATOR.encode()):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",)).get_content()
            if str(message["To"]) == address and invoice.number in body:
                messages.append(message)
    return messages


def test_a_year_of_dues_from_the_invoices_to_the_lapse_list(
    new_context, live_server, cast, var_mail, settings
):
    from playwright.sync_api import expect

    start = _year_begun_days_ago(settings, 10)
    year = federation_year(start)
    for each in (year - 2, year - 1, year):
        DuesRate.objects.create(
            year=each,
            category=MembershipCategory.FULL,
            students_from=0,
            amount_minor=FULL_RATE_MINOR,
            currency="EUR",
        )
    secretariat = cast.secretariat
    EmailAddress.objects.create(user=secretariat, email=secretariat.email, verified=True, primary=True)
    late, _late_rep = _union(LATE_UNION, "BSC", year_start(year - 2), "aino.virtanen@bsc.example")
    paying, paying_rep = _union(PAYING_UNION, "DSU", start, "ana.popescu@dsu.example")

    # --- the invoices: the Baltic union's two earlier years, then the year's for both --------------------
    (first_late,) = invoices_issue(on=year_start(year - 2))
    (second_late,) = invoices_issue(on=year_start(year - 1))
    assert {first_late.membership_id, second_late.membership_id} == {late.pk}
    issued = invoices_issue(on=start)
    assert sorted(invoice.membership_id for invoice in issued) == sorted([late.pk, paying.pk])
    invoice = Invoice.objects.get(membership=paying, year=year)
    assert (invoice.amount_minor, invoice.issued_on) == (FULL_RATE_MINOR, start)

    # --- the secretariat records a first instalment --------------------------------------------------------
    sec = new_context().new_page()
    log_in(sec, secretariat.email)
    _record_payment(sec, paying, "150.00", REFERENCE)
    expect(sec.locator("#dues-invoices")).to_contain_text(invoice.number)
    expect(sec.locator("#dues-summary")).to_contain_text("250.00 EUR")
    expect(sec.locator("#dues-payments")).to_contain_text(REFERENCE)
    _rows_under_header(sec, "#dues-invoices")
    _shot(sec, "partial-payment")
    payment = Payment.objects.get(membership=paying)
    assert (payment.amount_minor, payment.method, payment.paid_on) == (
        150_00,
        PaymentMethod.BANK_TRANSFER,
        today(),
    )

    # --- fourteen days before the due date, the reminder names what is open --------------------------------
    mail_before = mail_files(var_mail)
    reminder_day = invoice.due_on - datetime.timedelta(days=settings.DUES_REMINDER_DAYS_BEFORE)
    reminders_send(on=reminder_day)
    (reminder,) = _delivered_reminders(invoice, paying_rep.email, var_mail, mail_before)
    body = " ".join(reminder.get_body(preferencelist=("plain",)).get_content().split())
    assert "250.00 EUR is open on it" in body
    assert "400.00 EUR" not in body
    assert f"/member/{paying.organization.slug}/dues/{invoice.pk}/" in body

    # --- the representative reads the union's statement ----------------------------------------------------
    rep = new_context().new_page()
    log_in(rep, paying_rep.email)
    rep.goto(f"/member/{paying.organization.slug}/dues/")
    expect(rep.locator("#dues-open")).to_contain_text("250")
    expect(rep.locator("#dues-standing")).to_have_text("due", ignore_case=True)
    expect(rep.locator(f"#invoice-{invoice.pk} .dues-open")).to_contain_text("250")
    expect(rep.locator("#dues-payments")).to_contain_text(REFERENCE)
    _shot(rep, "statement-open")

    # --- the secretariat records the rest: settled, in good standing ------------------------------------------
    _record_payment(sec, paying, "250.00", REST_REFERENCE)
    expect(sec.locator("#dues-summary")).to_contain_text("settled", ignore_case=True)
    expect(sec.locator("#dues-balance")).to_contain_text("0.00 EUR")
    _shot(sec, "settled")
    sec.goto(f"/committee/members/{paying.organization.slug}/")
    expect(sec.locator("#standing")).to_have_text("Yes")
    rep.goto(f"/member/{paying.organization.slug}/dues/")
    expect(rep.locator("#dues-standing")).to_have_text("settled", ignore_case=True)
    expect(rep.locator("#dues-open")).to_contain_text("0")
    rep.goto("/member/")
    expect(rep.locator(".card", has_text=PAYING_UNION)).to_contain_text("In good standing")
    _shot(rep, "good-standing")
    assert financial_standing(paying, today()) == Standing.SETTLED
    assert in_good_standing(paying)

    # --- the Baltic union never paid: in arrears, on the lapse list -------------------------------------------
    assert financial_standing(late, today()) == Standing.ARREARS
    assert not in_good_standing(late)
    assert on_lapse_list(late, today())
    assert not on_lapse_list(paying, today())
    sec.goto(f"/committee/members/{late.organization.slug}/")
    expect(sec.locator("#standing")).to_have_text("No")
    sec.goto(f"/committee/dues/{late.pk}/")
    expect(sec.locator("#dues-summary")).to_contain_text("in arrears", ignore_case=True)
    expect(sec.locator("#dues-summary")).to_contain_text("1200.00 EUR")
    sec.goto("/committee/dues/lapse/")
    expect(sec.locator("main")).to_contain_text(LATE_UNION)
    expect(sec.locator("main")).not_to_contain_text(PAYING_UNION)
    _rows_under_header(sec, "#arrears")
    _shot(sec, "lapse-list")
