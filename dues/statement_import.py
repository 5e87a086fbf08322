"""Import of a bank statement: the unions' transfers, matched to their accounts and recorded as
payments through ``services.payment_record`` (the same rules as a payment recorded by hand).

``statement_read(data)`` reads a CSV file (columns ``date, amount, currency, reference,
payer_name``, separated by ``;`` or ``,``, UTF-8 with or without a byte-order mark) into its lines;
``statement_dry_run(lines)`` says, per line, what an import would do: record a payment for the union
it names, or leave the line aside (unmatched, ambiguous, a duplicate, unreadable); and
``statement_import(...)`` runs the dry run again and records the matched lines in one transaction,
all or none.

**Matching.** A line names a union by an invoice number in its reference text (``2026-0007``: the
invoice's membership) or, failing that, by the acronym or slug of an organization appearing in it as
a word. Two unions named → ambiguous; none → unmatched. The payment is then allocated as any other,
to the union's oldest open invoice first.

**Duplicates.** A line whose day, amount and reference are those of a payment already recorded (or
of an earlier line of the file) is a duplicate and never recorded twice: importing a statement
again, or one that overlaps the last, records only what is new.

**Between the dry run and the import** nothing is stored: the confirmation carries the lines,
signed (``django.core.signing``, valid ``DUES_STATEMENT_TTL_MINUTES``), and the report's digest;
the import refuses when the report it would follow differs from the one confirmed (the ledger or
the registry changed meanwhile).

A payment in another currency than ``DUES_CURRENCY`` needs its exchange rate, which a statement does
not give: such a line is left aside, for the union's ledger page.
"""

import csv
import datetime
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Membership
from registry.selectors import today

from . import money
from .errors import DuesError, DuesErrorCode
from .models import Invoice, Payment, PaymentMethod
from .selectors import is_membership_closed
from .services import payment_record

COLUMNS = ("date", "amount", "currency", "reference", "payer_name")
SIGNING_SALT = "dues.statement_import"
INVOICE_NUMBER = re.compile(r"(?<![\w-])(\d{4}-\d{4,})(?![\w-])")
WORD = re.compile(r"[\w-]+")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


class LineStatus:
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


STATUS_LABELS = {
    LineStatus.MATCHED: gettext_lazy("to record"),
    LineStatus.UNMATCHED: gettext_lazy("no union found"),
    LineStatus.AMBIGUOUS: gettext_lazy("several unions found"),
    LineStatus.DUPLICATE: gettext_lazy("already recorded"),
    LineStatus.INVALID: gettext_lazy("cannot be recorded"),
}


class StatementFileError(DuesError):
    """The file as a whole cannot be read (size, encoding, columns): nothing is imported."""

    def __init__(self, message: str):
        super().__init__(DuesErrorCode.INVALID, message)


@dataclass
class StatementLine:
    """One line of the statement as read (text cells) and what the import does with it;
    ``line`` is the file's (the header is line 1)."""

    line: int
    date: str
    amount: str
    currency: str
    reference: str
    payer_name: str
    status: str = LineStatus.UNMATCHED
    reasons: list[str] = field(default_factory=list)
    paid_on: datetime.date | None = None
    value: Decimal | None = None
    membership: Membership | None = None
    matched_by: str = ""
    candidates: list[Membership] = field(default_factory=list)

    @property
    def cells(self) -> list:
        return [self.line, self.date, self.amount, self.currency, self.reference, self.payer_name]

    @property
    def status_display(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class StatementReport:
    lines: list[StatementLine]
    recorded: int = 0

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def matched(self) -> int:
        return self.count(LineStatus.MATCHED)

    @property
    def left_aside(self) -> int:
        return len(self.lines) - self.matched

    @property
    def signed_lines(self) -> str:
        """The lines as read, signed: what the confirmation sends back."""
        return signing.dumps([line.cells for line in self.lines], salt=SIGNING_SALT, compress=True)

    @property
    def digest(self) -> str:
        """What the report says, as a hash: the import refuses when it differs from the dry run's."""
        content = [
            [line.line, line.status, line.membership.pk if line.membership else None] for line in self.lines
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


# --- reading the file -------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """The file as text: UTF-8, its byte-order mark dropped; anything else refused, naming the line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StatementFileError(_("The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StatementFileError(
            _(
                "Line %(line)d is not UTF-8 text (the file may be Latin-1 or Windows-1252). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"line": line}
        ) from None


def statement_read(data: bytes) -> list[StatementLine]:
    """The statement's lines under its header (text cells, stripped); empty lines skipped.

    Refuse (``StatementFileError``) a file over ``DUES_STATEMENT_MAX_BYTES`` or
    ``DUES_STATEMENT_MAX_ROWS`` lines, not in UTF-8, not CSV, without the five columns in its first
    line, or with a line that has fewer cells than the header; the message names the line."""
    if len(data) > settings.DUES_STATEMENT_MAX_BYTES:
        raise StatementFileError(
            _("The file is larger than %(max)d KB: import the statement in parts.")
            % {"max": settings.DUES_STATEMENT_MAX_BYTES // 1024}
        )
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise StatementFileError(_("The file is empty: its first line must name the columns."))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    lines: list[StatementLine] = []
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if header is None:
                header = [cell.casefold().replace(" ", "_") for cell in cells]
                missing = [column for column in COLUMNS if column not in header]
                if missing:
                    raise StatementFileError(
                        _(
                            "Line %(line)d must name the columns; these are missing: %(columns)s. "
                            "Expected: %(expected)s."
                        )
                        % {
                            "line": reader.line_num,
                            "columns": ", ".join(missing),
                            "expected": delimiter.join(COLUMNS),
                        }
                    )
                continue
            if len(cells) < len(header):
                raise StatementFileError(
                    _("Line %(line)d has %(found)d columns; the first line names %(expected)d.")
                    % {"line": reader.line_num, "found": len(cells), "expected": len(header)}
                )
            if len(lines) >= settings.DUES_STATEMENT_MAX_ROWS:
                raise StatementFileError(
                    _("The file has more than %(max)d lines: import the statement in parts.")
                    % {"max": settings.DUES_STATEMENT_MAX_ROWS}
                )
            row = dict(zip(header, cells, strict=False))
            lines.append(StatementLine(reader.line_num, *(row[column] for column in COLUMNS)))
    except csv.Error as exc:
        raise StatementFileError(
            _("Line %(line)d is not valid CSV: %(error)s.") % {"line": reader.line_num, "error": exc}
        ) from None
    return lines


# --- checking and matching the lines --------------------------------------------------------------------


def _date(text: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _amount(text: str) -> Decimal | None:
    """``1234.56``, ``1234,56``, ``1.234,56`` or ``1,234.56``: a decimal comma is a decimal point."""
    text = text.replace(" ", "").replace("\u00a0", "").replace("'", "")
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _check(line: StatementLine) -> None:
    line.paid_on = _date(line.date)
    line.value = _amount(line.amount)
    line.currency = line.currency.upper()
    if line.paid_on is None:
        line.reasons.append(_("The date is not a day (YYYY-MM-DD or DD.MM.YYYY)."))
    if line.value is None:
        line.reasons.append(_("The amount is not a number."))
    elif line.value <= 0:
        line.reasons.append(_("Not money received: only incoming transfers are recorded."))
    if not line.reference:
        line.reasons.append(_("The reference is empty."))
    if line.currency != money.ledger_currency():
        line.reasons.append(
            _("In %(currency)s: record it on the union's ledger page, with its exchange rate.")
            % {"currency": line.currency or "—"}
        )
    if line.reasons:
        line.status = LineStatus.INVALID


def _unions_by_word() -> dict[str, set[Membership]]:
    """Each organization's acronym and slug (casefolded) → its latest membership (the current one,
    else the one that ended last), as ``registry.selectors.latest_membership`` chooses."""
    latest: dict[int, Membership] = {}
    for membership in Membership.objects.select_related("organization").order_by(
        "organization_id", F("ended_on").desc(nulls_first=True), "-admitted_on", "-pk"
    ):
        latest.setdefault(membership.organization_id, membership)
    words: dict[str, set[Membership]] = {}
    for membership in latest.values():
        organization = membership.organization
        for word in {organization.acronym.casefold(), organization.slug.casefold()}:
            if len(word) >= 2:
                words.setdefault(word, set()).add(membership)
    return words


def _match(lines: list[StatementLine]) -> None:
    numbers = {number for line in lines for number in INVOICE_NUMBER.findall(line.reference)}
    invoices = {
        invoice.number: invoice.membership
        for invoice in Invoice.objects.filter(number__in=numbers).select_related("membership__organization")
    }
    words = _unions_by_word()
    for line in lines:
        if line.status != LineStatus.UNMATCHED:
            continue
        found = {
            number: invoices[number]
            for number in INVOICE_NUMBER.findall(line.reference)
            if number in invoices
        }
        if not found:
            found = {
                word: membership
                for word in WORD.findall(line.reference.casefold())
                for membership in words.get(word, ())
            }
        candidates = sorted(set(found.values()), key=lambda m: m.pk)
        line.candidates = candidates
        if len(candidates) == 1:
            line.status = LineStatus.MATCHED
            line.membership = candidates[0]
            line.matched_by = ", ".join(sorted(found))
        elif candidates:
            line.status = LineStatus.AMBIGUOUS
            line.reasons.append(
                _("The reference names several unions: %(unions)s.")
                % {"unions": ", ".join(m.organization.name for m in candidates)}
            )
        else:
            line.reasons.append(_("The reference names no invoice number, acronym or slug of a union."))


def _mark_duplicates(lines: list[StatementLine]) -> None:
    readable = [line for line in lines if line.status != LineStatus.INVALID]
    recorded = set(
        Payment.objects.filter(
            reverses=None,
            paid_on__in={line.paid_on for line in readable},
            reference__in={line.reference for line in readable},
        ).values_list("paid_on", "amount", "reference")
    )
    seen: set = set()
    for line in readable:
        key = (line.paid_on, line.value, line.reference)
        if key in recorded or key in seen:
            line.status = LineStatus.DUPLICATE
            line.reasons = [_("A payment of this day, amount and reference is already recorded.")]
        seen.add(key)


def _mark_closed(lines: list[StatementLine], on: datetime.date) -> None:
    for line in lines:
        if line.status == LineStatus.MATCHED and is_membership_closed(line.membership, on):
            line.status = LineStatus.INVALID
            line.reasons.append(_("This membership has ended and nothing is open on its account."))


def statement_dry_run(lines: list[StatementLine], *, on: datetime.date | None = None) -> StatementReport:
    """What importing ``lines`` would do on ``on`` (today), line by line; writes nothing."""
    on = on or today()
    for line in lines:
        _check(line)
    _mark_duplicates(lines)
    _match(lines)
    _mark_closed(lines, on)
    return StatementReport(lines)


# --- the import -------------------------------------------------------------------------------------------


def statement_unsign(signed_lines: str) -> list[StatementLine]:
    """The lines a dry run's confirmation carries; refused when altered or older than
    ``DUES_STATEMENT_TTL_MINUTES``."""
    try:
        cells = signing.loads(
            signed_lines, salt=SIGNING_SALT, max_age=settings.DUES_STATEMENT_TTL_MINUTES * 60
        )
    except signing.BadSignature:
        raise StatementFileError(
            _("The confirmation is not from a dry run's report, or it has expired: upload the file again.")
        ) from None
    return [StatementLine(*row) for row in cells]


@transaction.atomic
def statement_import(
    *, signed_lines: str, expected_digest: str, actor, on: datetime.date | None = None
) -> StatementReport:
    """Record the matched lines of a confirmed dry run as payments, all or none.

    Read the signed lines back; run the dry run again and refuse when its report differs from the
    one confirmed (``CONFLICT``); record each matched line through ``payment_record`` (bank
    transfer, the payer's name as its note); a refusal of any line rolls every line back and names
    it."""
    on = on or today()
    report = statement_dry_run(statement_unsign(signed_lines), on=on)
    if report.digest != expected_digest:
        raise DuesError(
            DuesErrorCode.CONFLICT,
            _("The ledger changed since the dry run: nothing was recorded. Upload the file again."),
        )
    for line in report.lines:
        if line.status != LineStatus.MATCHED:
            continue
        try:
            payment_record(
                membership=line.membership,
                actor=actor,
                paid_on=line.paid_on,
                amount=line.value,
                currency=line.currency,
                method=PaymentMethod.BANK_TRANSFER,
                reference=line.reference,
                note=_("Bank statement; payer: %(payer)s") % {"payer": line.payer_name},
                on=on,
            )
        except DuesError as exc:
            raise DuesError(
                exc.code,
                _("Line %(line)d: %(error)s Nothing was recorded.")
                % {"line": line.line, "error": exc.message},
            ) from None
        report.recorded += 1
    return report
