"""The bank statement import: reading the file, the dry run's matches, and the confirmation that
records the matched lines through ``payment_record``."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dues import services
from dues.models import DuesRate, Payment
from dues.selectors import ledger_totals, statement
from dues.statement_import import LineStatus, StatementFileError, statement_dry_run, statement_read
from registry.selectors import federation_year, today
from tests.dues.ledger import schedule
from tests.factories import MembershipFactory, OrganizationFactory, secretariat_user

pytestmark = pytest.mark.django_db

HEADER = "date,amount,currency,reference,payer_name"
URL = "/committee/dues/import/"


@pytest.fixture(autouse=True)
def _pages(settings):
    settings.OFFICERS_REQUIRE_MFA = False
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return secretariat_user()


@pytest.fixture
def secretariat(client_as, staff):
    return client_as(staff)


def union(acronym: str, slug: str, amount: str = "300.00"):
    """A member union with its invoice of this federation year, issued today."""
    year = federation_year(today())
    if not DuesRate.objects.filter(year=year).exists():
        schedule(year=year, from_0=amount)
    membership = MembershipFactory(
        admitted_on=datetime.date(2020, 5, 1),
        organization=OrganizationFactory(acronym=acronym, slug=slug, students_represented=1000),
    )
    return membership, services.invoice_create(membership=membership, year=year, on=today())


def csv_bytes(*rows: str, header: str = HEADER, separator: str = "\n") -> bytes:
    return separator.join([header, *rows]).encode()


def upload(client, data: bytes, name: str = "statement.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)})


def confirm_fields(html: str) -> dict:
    return dict(re.findall(r'name="(lines|digest)" value="([^"]+)"', html))


def day() -> str:
    return today().isoformat()


# --- reading ------------------------------------------------------------------------------------------


def test_semicolons_a_byte_order_mark_and_decimal_commas_are_read():
    data = "\ufeffdate;amount;currency;reference;payer name\r\n01.02.2026;1.234,50;EUR;X;Y\r\n".encode()

    (line,) = statement_read(data)

    assert (line.line, line.date, line.amount, line.reference, line.payer_name) == (
        2,
        "01.02.2026",
        "1.234,50",
        "X",
        "Y",
    )
    statement_dry_run([line])
    assert (line.paid_on, line.value) == (datetime.date(2026, 2, 1), Decimal("1234.50"))


def test_a_file_in_another_encoding_is_refused_naming_the_line(secretariat):
    data = (
        csv_bytes(f"{day()},10.00,EUR,ref,Ok", f"{day()},10.00,EUR,ref,Université").decode().encode("latin-1")
    )

    response = upload(secretariat, data)

    assert response.status_code == 400
    assert "Line 3 is not UTF-8 text" in response.content.decode()


def test_a_utf16_file_is_refused():
    with pytest.raises(StatementFileError, match="UTF-16"):
        statement_read(csv_bytes(f"{day()},1,EUR,r,p").decode().encode("utf-16"))


def test_missing_columns_are_named_with_the_line(secretariat):
    response = upload(secretariat, csv_bytes(f"{day()},10.00,EUR", header="date,amount,currency"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Line 1 must name the columns; these are missing: reference, payer_name." in html


def test_a_line_with_fewer_cells_than_the_header_is_named(secretariat):
    response = upload(secretariat, csv_bytes(f"{day()},10.00,EUR,ref,payer", f"{day()},10.00,EUR"))

    assert response.status_code == 400
    assert "Line 3 has 3 columns; the first line names 5." in response.content.decode()


def test_a_file_over_the_limits_is_refused(secretariat, settings):
    settings.DUES_STATEMENT_MAX_ROWS = 2
    rows = [f"{day()},1,EUR,r{n},p" for n in range(3)]
    assert "more than 2 lines" in upload(secretariat, csv_bytes(*rows)).content.decode()
    settings.DUES_STATEMENT_MAX_BYTES = 10
    response = upload(secretariat, csv_bytes(*rows[:1]))
    assert response.status_code == 400
    assert "The file is larger than 0 KB" in response.content.decode()


def test_an_empty_file_is_refused(secretariat):
    assert "The file is empty" in upload(secretariat, b"\n\n").content.decode()


# --- the dry run --------------------------------------------------------------------------------------


def test_the_dry_run_matches_by_invoice_number_and_by_acronym_or_slug_and_flags_the_rest(secretariat, staff):
    aegee, aegee_invoice = union("AEGEE", "aegee-europe")
    nuks, _ = union("NUKS", "nuks-ke")
    union("ESN", "esn-int")
    rows = [
        f"{day()},300.00,EUR,Dues {aegee_invoice.number} thank you,Aegee Europe eV",  # by invoice number
        f"{day()},100.00,EUR,membership fee nuks 2026,Kenya Students",  # by acronym (any case)
        f"{day()},100.00,EUR,fee nuks-ke,Kenya Students",  # by slug
        f"{day()},50.00,EUR,donation,Someone",  # unmatched
        f"{day()},50.00,EUR,AEGEE and ESN joint,Both",  # ambiguous
        f"{day()},-20.00,EUR,bank fee,Bank",  # not money received
        f"{day()},20.00,USD,NUKS usd,Kenya Students",  # needs a rate
        "not a day,20.00,EUR,NUKS,Kenya Students",  # unreadable
    ]

    response = upload(secretariat, csv_bytes(*rows))

    html = response.content.decode()
    assert response.status_code == 200
    assert "3 to record, 5 left aside." in html
    report = statement_dry_run(statement_read(csv_bytes(*rows)))
    assert [(line.status, line.membership) for line in report.lines] == [
        (LineStatus.MATCHED, aegee),
        (LineStatus.MATCHED, nuks),
        (LineStatus.MATCHED, nuks),
        (LineStatus.UNMATCHED, None),
        (LineStatus.AMBIGUOUS, None),
        (LineStatus.INVALID, None),
        (LineStatus.INVALID, None),
        (LineStatus.INVALID, None),
    ]
    assert report.lines[0].matched_by == aegee_invoice.number
    assert "The reference names several unions" in html
    assert "Not money received" in html
    assert "In USD: record it on the union&#x27;s ledger page, with its exchange rate." in html
    assert not Payment.objects.exists()  # a dry run writes nothing


def test_a_line_already_recorded_or_twice_in_the_file_is_a_duplicate(secretariat, staff):
    nuks, _ = union("NUKS", "nuks-ke")
    services.payment_record(
        membership=nuks,
        actor=staff,
        paid_on=today(),
        amount=Decimal("100.00"),
        currency="EUR",
        method="bank_transfer",
        reference="NUKS fee",
    )
    rows = [
        f"{day()},100.00,EUR,NUKS fee,Kenya",
        f"{day()},50.00,EUR,NUKS rest,Kenya",
        f"{day()},50.00,EUR,NUKS rest,Kenya",
    ]

    report = statement_dry_run(statement_read(csv_bytes(*rows)))

    assert [line.status for line in report.lines] == [
        LineStatus.DUPLICATE,
        LineStatus.MATCHED,
        LineStatus.DUPLICATE,
    ]
    assert "already recorded" in upload(secretariat, csv_bytes(*rows)).content.decode()


# --- the confirmation ---------------------------------------------------------------------------------


def test_confirming_records_the_matched_lines_and_the_ledger_reconciles(secretariat):
    aegee, aegee_invoice = union("AEGEE", "aegee-europe")
    nuks, nuks_invoice = union("NUKS", "nuks-ke")
    rows = [
        f"{day()},300.00,EUR,{aegee_invoice.number},Aegee",
        f"{day()},100.00,EUR,NUKS part 1,Kenya",
        f"{day()},50.00,EUR,unknown,Someone",
    ]
    fields = confirm_fields(upload(secretariat, csv_bytes(*rows)).content.decode())

    done = secretariat.post("/committee/dues/import/confirm/", fields)

    assert done.status_code == 302
    assert done["Location"] == URL
    assert "Payments recorded: 2. Lines left aside: 1." in secretariat.get(URL).content.decode()
    payments = {p.reference: p for p in Payment.objects.select_related("membership")}
    assert set(payments) == {aegee_invoice.number, "NUKS part 1"}
    assert payments["NUKS part 1"].method == "bank_transfer"
    assert "Kenya" in payments["NUKS part 1"].note
    assert statement(aegee, today()).open_minor == 0
    assert statement(nuks, today()).open_minor == nuks_invoice.amount_minor - 10000
    totals = ledger_totals()
    assert totals.invoiced - totals.credited - totals.waived - totals.allocated == totals.receivable
    assert totals.paid == 40000
    assert totals.paid - totals.allocated == totals.credit == 0

    again = secretariat.post("/committee/dues/import/confirm/", fields)  # the same confirmation twice
    assert again.status_code == 409
    assert "The ledger changed since the dry run" in again.content.decode()
    assert Payment.objects.count() == 2
    report = statement_dry_run(statement_read(csv_bytes(*rows)))
    assert [line.status for line in report.lines][:2] == [LineStatus.DUPLICATE, LineStatus.DUPLICATE]


def test_an_altered_confirmation_is_refused_and_records_nothing(secretariat):
    union("NUKS", "nuks-ke")
    fields = confirm_fields(upload(secretariat, csv_bytes(f"{day()},100.00,EUR,NUKS,Kenya")).content.decode())

    tampered = secretariat.post("/committee/dues/import/confirm/", {**fields, "lines": fields["lines"] + "x"})
    empty = secretariat.post("/committee/dues/import/confirm/", {})

    assert tampered.status_code == 400
    assert "not from a dry run" in tampered.content.decode()
    assert empty.status_code == 400
    assert not Payment.objects.exists()


def test_a_line_the_service_refuses_rolls_every_line_back_and_is_named(secretariat, monkeypatch):
    union("NUKS", "nuks-ke")
    union("ESN", "esn-int")
    rows = [f"{day()},100.00,EUR,NUKS,Kenya", f"{day()},100.00,EUR,ESN,Erasmus"]
    fields = confirm_fields(upload(secretariat, csv_bytes(*rows)).content.decode())
    real = services.payment_record

    def refuse_esn(**kwargs):
        if kwargs["reference"] == "ESN":
            from dues.errors import DuesError, DuesErrorCode

            raise DuesError(DuesErrorCode.NOT_ALLOWED, "Refused.")
        return real(**kwargs)

    monkeypatch.setattr("dues.statement_import.payment_record", refuse_esn)

    refused = secretariat.post("/committee/dues/import/confirm/", fields)

    assert refused.status_code == 409
    assert "Line 3: Refused. Nothing was recorded." in refused.content.decode()
    assert not Payment.objects.exists()
