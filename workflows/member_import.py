"""Import of a federation's current member unions from a spreadsheet (CSV or XLSX).

``member_import_dry_run(file=…)`` reads the file and says, per row, what an import would do:
create the organization and its membership, update an organization the row names by its slug, or
refuse the row with the reasons. ``member_import_commit(…)`` runs the same dry run again (the page's
confirmation, a request after the one that showed the report) or takes the one its caller has just
made (the command), and writes the rows in one transaction, all or nothing; it refuses when a row is
refused, when the file is not the one the report was made from, or when the report changed since
(the registry changed meanwhile).

**Reading.** The dependency is tablib with its XLSX extra (``tablib[xlsx]``, maintained, and what
django-import-export itself reads files with); django-import-export was not taken: it is built
around the admin and a resource that saves row by row through the ORM, and our dry run must compare
rows with the registry (the duplicate check, slugs) and write them set-based. The rows land in a
``tablib.Dataset``. They are read by the csv module and by openpyxl (tablib's XLSX backend) in
read-only mode, not by tablib's loaders, for two reasons: those read the whole file before a row
could be counted (a file over ``IMPORT_MAX_ROWS`` is refused while streaming, at the first row
past the limit), and tablib asks openpyxl for the values cached by the spreadsheet program
(``data_only=True``), which would hide a formula; here a formula arrives as its text (``=…``),
is never evaluated, and refuses its row.

**Text.** CSV must be UTF-8 (with or without a byte-order mark); UTF-16 and UTF-32 files (told by
their mark) and text that is not UTF-8 (Latin-1, Windows-1252) are refused with a message that
names the encoding expected. Nothing is guessed.

**Writing.** The commit checks nothing the dry run has not checked: the database's constraints
decide (a unique slug, one active membership per organization); an ``IntegrityError`` rolls the
whole import back and becomes a refusal. The feed publishes the imported members last
(``registry.feed.publish_all``), so partners see them.
"""

import csv
import datetime
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from registry import bulk, feed
from registry.models import (
    CURRENT_STATES,
    CountryRegion,
    Membership,
    MembershipCategory,
    Organization,
    OrganizationKind,
    Region,
)
from registry.text import fold_for_search
from registry.validators import (
    validate_founding_year,
    validate_single_line,
    validate_students_count,
)

from .errors import ErrorCode, WorkflowError
from .membership import invitation_create
from .models import MemberImportUpload
from .services import slug_candidates

# The columns, in the order of the sample header line (README "Importing the member list").
COLUMNS = (
    "name",
    "acronym",
    "country",
    "region",
    "city",
    "website",
    "email",
    "founded_year",
    "students_represented",
    "kind",
    "category",
    "admitted_on",
    "representatives",
    "slug",
)
REQUIRED_COLUMNS = ("name", "country", "admitted_on")
# A cell that starts so is a formula in a spreadsheet program: kept as text, never run, and refused.
FORMULA_PREFIX = "="
XLSX_MAGIC = b"PK\x03\x04"
# The most an XLSX file may unpack to, as its archive declares (a zip file reads no more than that).
XLSX_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_REPRESENTATIVES = 5
# Built once, not for each row (a validator compiles nothing per call; the choices' lists are rebuilt per call).
_url, _email = URLValidator(), EmailValidator()
_KINDS, _CATEGORIES = frozenset(OrganizationKind.values), frozenset(MembershipCategory.values)


class Action:
    CREATE = "create"
    UPDATE = "update"
    REFUSE = "refuse"


class ImportFileError(WorkflowError):
    """The file as a whole cannot be read (encoding, format, columns, size): nothing is imported."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.INVALID, message)


@dataclass
class RowReport:
    """What the import does with one row: ``line`` is the file's (the header is line 1)."""

    line: int
    name: str
    action: str
    reasons: list[str] = field(default_factory=list)
    slug: str = ""
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    category: str = ""
    admitted_on: datetime.date | None = None
    representatives: list[str] = field(default_factory=list)
    organization_id: int | None = None
    folded: dict[str, str] = field(default_factory=dict, repr=False)

    def fold(self, column: str) -> str:
        """``values[column]`` as search folds it (for the duplicate checks), folded once."""
        if column not in self.folded:
            self.folded[column] = fold_for_search(self.values[column])
        return self.folded[column]

    @property
    def action_display(self) -> str:
        return {Action.CREATE: _("create"), Action.UPDATE: _("update"), Action.REFUSE: _("refuse")}[
            self.action
        ]


@dataclass
class ImportReport:
    sha256: str
    rows: list[RowReport]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(Action.CREATE)

    @property
    def updated(self) -> int:
        return self.count(Action.UPDATE)

    @property
    def refused(self) -> int:
        return self.count(Action.REFUSE)

    @property
    def digest(self) -> str:
        """What the report says, as a hash: the commit refuses when it differs from the dry run's."""
        content = [
            [
                row.line,
                row.action,
                row.slug,
                row.organization_id,
                row.reasons,
                row.category,
                str(row.admitted_on),
            ]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps([self.sha256, content]).encode()).hexdigest()


# --- reading the file ---------------------------------------------------------------------------------------


def _max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def _too_many() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)d rows: import it in parts of at most %(max)d rows.")
        % {"max": _max_rows()}
    )


def _text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    """The file as UTF-8 text, its byte-order mark dropped; refuse UTF-16 and UTF-32 by their mark."""
    head = file.read(4)
    file.seek(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("The file is UTF-16 text. Save it as “CSV UTF-8” (comma-separated, UTF-8) and upload it again.")
        )
    if head.startswith((b"\x00\x00\xfe\xff",)):
        raise ImportFileError(
            _("The file is UTF-32 text. Save it as “CSV UTF-8” (comma-separated, UTF-8) and upload it again.")
        )
    return io.TextIOWrapper(file, encoding="utf-8-sig", errors="strict", newline="")


def _csv_rows(file: IO[bytes]):
    stream = _text_stream(file)
    try:
        yield from csv.reader(stream)
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (it may be Latin-1 or Windows-1252). Save it as “CSV UTF-8” "
                "(comma-separated, UTF-8) and upload it again."
            )
        ) from None
    except csv.Error as exc:
        raise ImportFileError(_("The file is not valid CSV: %(error)s.") % {"error": exc}) from None
    finally:
        stream.detach()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(file: IO[bytes]):
    import openpyxl  # tablib[xlsx]'s backend

    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        file.seek(0)
        if unpacked > XLSX_MAX_UNPACKED_BYTES:  # a zip bomb: refused before a byte is inflated
            raise ImportFileError(
                _("The workbook is too large once unpacked: save it as “CSV UTF-8”, or import it in parts.")
            )
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ImportFileError(
            _("The file is not an XLSX workbook that can be read. Save it again as .xlsx, or as “CSV UTF-8”.")
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("The workbook has no sheet."))
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(
            _("The file is not an XLSX workbook that can be read. Save it again as .xlsx, or as “CSV UTF-8”.")
        ) from exc
    finally:
        workbook.close()


def is_xlsx(file: IO[bytes], filename: str) -> bool:
    head = file.read(4)
    file.seek(0)
    return head == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(file: IO[bytes], *, filename: str = "") -> tablib.Dataset:
    """The file's rows under its header, as read (text cells, stripped); at most ``IMPORT_MAX_ROWS``.

    Refuse (``ImportFileError``) a file in another encoding, one that is not what its name says,
    one without a header naming the required columns, or one with more rows than the limit, which
    is told at the first row past it, before the rest of the file is read."""
    xlsx = is_xlsx(file, filename)
    if xlsx and file.read(4) != XLSX_MAGIC:
        raise ImportFileError(
            _(
                "The file is named .xlsx but is not an XLSX workbook. Save it again as .xlsx, or as “CSV UTF-8”."
            )
        )
    file.seek(0)
    rows = _xlsx_rows(file) if xlsx else _csv_rows(file)
    header: list[str] | None = None
    body: list[list[str]] = []
    try:
        for cells in rows:
            cells = [cell.strip() for cell in cells]
            if header is None:
                if not any(cells):
                    continue
                header = [cell.casefold().replace(" ", "_") for cell in cells]
                continue
            if not any(cells):
                body.append([])  # kept, for the line numbers; skipped when checked
                continue
            if len(body) >= _max_rows():
                raise _too_many()
            body.append(cells)
    finally:
        rows.close()  # the reader's stream, at once (the rest of a file over the limit is not read)
    if header is None:
        raise ImportFileError(_("The file is empty: its first line must name the columns."))
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportFileError(
            _("The first line must name the columns; these are missing: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ",".join(COLUMNS)}
        )
    unknown = [column for column in header if column and column not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
            % {"columns": ", ".join(unknown), "expected": ",".join(COLUMNS)}
        )
    if len(set(filter(None, header))) < len(list(filter(None, header))):
        raise ImportFileError(_("A column is named twice in the first line."))
    width = len(header)
    dataset = tablib.Dataset(headers=header)
    for cells in body:
        dataset.append((cells + [""] * width)[:width] if len(cells) <= width else cells[:width])
    return dataset


# --- checking the rows --------------------------------------------------------------------------------------


def _country_code(value: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code (any case, alpha-3 too) or an English name."""
    if not value:
        return None
    code = countries.alpha2(value.upper()) if len(value) in (2, 3) else ""
    if code:
        return code
    return countries.by_name(value) or None


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value[:10] if len(value) > 10 and value[10] == "T" else value)


def _int(value: str) -> int | None:
    if not value:
        return None
    return int(value.replace(" ", "").replace(",", "").replace("_", ""))


@dataclass
class _Registry:
    """What the dry run compares the rows with, read once (five queries)."""

    regions: dict[str, int]
    country_regions: dict[str, int]
    by_slug: dict[str, dict]
    by_country: dict[tuple[str, str, str], dict]

    @classmethod
    def load(cls, countries_seen: set[str], slugs_named: set[str]) -> "_Registry":
        regions = dict(Region.objects.values_list("code", "pk"))
        country_regions = dict(CountryRegion.objects.values_list("country", "region_id"))
        fields = ("pk", "slug", "name", "acronym", "country")
        current = set(
            Membership.objects.filter(state__in=CURRENT_STATES).values_list("organization_id", flat=True)
        )
        by_country: dict[
            tuple[str, str, str], dict
        ] = {}  # (country, "name" | "acronym", folded) → first by name
        organizations = Organization.objects.filter(country__in=countries_seen).order_by("name", "pk")
        for org in organizations.values(*fields):
            org["is_member"] = org["pk"] in current
            for what in ("name", "acronym"):
                if org[what]:
                    by_country.setdefault((org["country"], what, fold_for_search(org[what])), org)
        by_slug = {
            org["slug"]: {**org, "is_member": org["pk"] in current}
            for org in Organization.objects.filter(slug__in=slugs_named).values(*fields)
        }
        return cls(regions, country_regions, by_slug, by_country)


def _text_reasons(row: dict[str, str]) -> list[str]:
    reasons = []
    for column, value in row.items():
        if value.startswith(FORMULA_PREFIX):
            reasons.append(
                _("The %(column)s cell holds a formula (%(value)s): formulas are not run; type the value.")
                % {"column": column, "value": value[:40]}
            )
        elif not value.isprintable():  # printable: no control, separator or format character to refuse
            try:
                validate_single_line(value)
            except ValidationError as exc:
                reasons.append(f"{column}: {exc.messages[0]}")
    return reasons


def _check_values(row: dict[str, str], registry: _Registry, report: RowReport) -> None:
    """Fill ``report.values`` from the row, adding a reason for each value that is wrong."""
    reasons = report.reasons
    values: dict[str, Any] = {}
    limits = {"name": 200, "acronym": 30, "city": 100}
    for column, limit in limits.items():
        value = row.get(column, "")
        if len(value) > limit:
            reasons.append(
                _("%(column)s: at most %(limit)d characters.") % {"column": column, "limit": limit}
            )
        values[column] = value
    if not values["name"]:
        reasons.append(_("The name is missing."))
    country = _country_code(row.get("country", ""))
    if country is None:
        reasons.append(
            _("Unknown country “%(value)s”: give its ISO code (KE) or its English name (Kenya).")
            % {"value": row.get("country", "")}
        )
    values["country"] = country or ""
    region_code = row.get("region", "")
    if region_code:
        values["region_id"] = registry.regions.get(region_code)
        if values["region_id"] is None:
            reasons.append(_("Unknown region code “%(value)s”.") % {"value": region_code})
    else:
        values["region_id"] = registry.country_regions.get(country or "")
        if country and values["region_id"] is None:
            reasons.append(_("No region is set for this country: give the region's code."))
    for column, validator, message in (
        ("website", _url, gettext_lazy("The website is not a valid address (https://…).")),
        ("email", _email, gettext_lazy("The public e-mail address is not valid.")),
    ):
        value = row.get(column, "")
        if value:
            try:
                validator(value)
            except ValidationError:
                reasons.append(str(message))
        values[column] = value
    for column, validate in (
        ("founded_year", validate_founding_year),
        ("students_represented", validate_students_count),
    ):
        try:
            number = _int(row.get(column, ""))
            validate(number)
        except ValueError:
            reasons.append(_("%(column)s: give a whole number.") % {"column": column})
            number = None
        except ValidationError as exc:
            reasons.append(f"{column}: {exc.messages[0]}")
        values[column] = number
    kind = row.get("kind", "") or OrganizationKind.NATIONAL_UNION
    if kind not in _KINDS:
        reasons.append(
            _("Unknown kind “%(value)s”: one of %(choices)s.")
            % {"value": kind, "choices": ", ".join(OrganizationKind.values)}
        )
    values["kind"] = kind
    report.values = values
    _check_membership(row, report)


def _check_membership(row: dict[str, str], report: RowReport) -> None:
    """The row's category, admission date and representatives' addresses."""
    reasons = report.reasons
    report.category = row.get("category", "") or MembershipCategory.FULL
    if report.category not in _CATEGORIES:
        reasons.append(
            _("Unknown membership category “%(value)s”: one of %(choices)s.")
            % {"value": report.category, "choices": ", ".join(MembershipCategory.values)}
        )
    try:
        report.admitted_on = _date(row.get("admitted_on", ""))
    except ValueError:
        reasons.append(
            _("The admission date “%(value)s” is not a date: write it as 2019-05-31.")
            % {"value": row.get("admitted_on", "")}
        )
    else:
        if report.admitted_on > timezone.localdate():
            reasons.append(_("The admission date is in the future."))
    emails = [e for e in row.get("representatives", "").replace(",", ";").replace(" ", ";").split(";") if e]
    for email in emails:
        try:
            _email(email)
        except ValidationError:
            reasons.append(
                _("The representative's address “%(value)s” is not valid.") % {"value": email[:80]}
            )
    if len(emails) > MAX_REPRESENTATIVES:
        reasons.append(_("At most %(n)d representatives per union.") % {"n": MAX_REPRESENTATIVES})
    report.representatives = list(dict.fromkeys(email.lower() for email in emails))


def _match(report: RowReport, row: dict[str, str], registry: _Registry) -> None:
    """The organization a row names by slug (update), or one the duplicate check finds (refuse)."""
    slug = row.get("slug", "")
    values = report.values
    if slug:
        org = registry.by_slug.get(slug)
        if org is None:
            report.reasons.append(_("No organization has the slug “%(value)s”.") % {"value": slug})
            return
        report.action, report.slug, report.organization_id = Action.UPDATE, slug, org["pk"]
        return
    # As registry.selectors.likely_duplicates: same country, and the same folded name or acronym.
    for what in ("name", "acronym"):
        folded = report.fold(what)
        org = registry.by_country.get((values["country"], what, folded)) if folded else None
        if org is not None:
            report.reasons.append(
                _(
                    "May be “%(name)s” (%(slug)s), already in the registry: give its slug in the slug "
                    "column to update it."
                )
                % {"name": org["name"], "slug": org["slug"]}
            )
            return


def _check_duplicates_in_file(reports: list[RowReport]) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    for report in reports:
        if not report.values:
            continue
        country = report.values["country"]
        keys = [("name", report.fold("name"))]
        if report.values["acronym"]:
            keys.append(("acronym", report.fold("acronym")))
        if report.slug:
            keys.append(("slug", report.slug))
        for kind, key in keys:
            earlier = seen.get((kind, country, key))
            if earlier is not None:
                report.reasons.append(
                    _("The same union as line %(line)d (its %(what)s, in the same country).")
                    % {"line": earlier, "what": kind}
                )
                break
        for kind, key in keys:
            seen.setdefault((kind, country, key), report.line)


def _assign_slugs(reports: list[RowReport]) -> None:
    """Each new organization's slug as an admission makes it (``slug_candidates``), free in the registry
    and in the file; read once, the database's unique constraint deciding at the commit."""
    new = [r for r in reports if r.action == Action.CREATE]
    taken = set(Organization.objects.values_list("slug", flat=True)) if new else set()
    for report in new:
        values = report.values
        for slug in slug_candidates(
            name=values["name"], acronym=values["acronym"], country=values["country"]
        ):
            if slug not in taken:
                report.slug = slug
                taken.add(slug)
                break


def dry_run_table(dataset: tablib.Dataset, *, sha256: str) -> ImportReport:
    headers = dataset.headers
    rows = [(line, dict(zip(headers, cells, strict=True))) for line, cells in enumerate(dataset, start=2)]
    rows = [(line, row) for line, row in rows if any(row.values())]
    countries_seen = {_country_code(row.get("country", "")) or "" for _, row in rows}
    registry = _Registry.load(countries_seen, {row.get("slug", "") for _, row in rows if row.get("slug")})
    reports = []
    for line, row in rows:
        report = RowReport(line=line, name=row.get("name", ""), action=Action.CREATE)
        report.reasons = _text_reasons(row)
        _check_values(row, registry, report)
        _match(report, row, registry)
        reports.append(report)
    _check_duplicates_in_file(reports)
    for report in reports:
        if report.reasons:
            report.action = Action.REFUSE
    _assign_slugs(reports)
    return ImportReport(sha256=sha256, rows=reports)


@bulk.cyclic_gc_paused()
def member_import_dry_run(*, file: IO[bytes], filename: str = "") -> ImportReport:
    """What importing ``file`` would do, row by row; nothing is written. Raise ``ImportFileError``
    when the file as a whole cannot be read."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return dry_run_table(read_table(file, filename=filename), sha256=digest.hexdigest())


# --- writing ------------------------------------------------------------------------------------------------


@bulk.cyclic_gc_paused()
@transaction.atomic
def member_import_commit(
    *,
    file: IO[bytes],
    filename: str = "",
    actor,
    expected_sha256: str,
    expected_digest: str,
    checked: ImportReport | None = None,
) -> ImportReport:
    """Import the rows of ``file`` in one transaction, as its dry run said.

    Dry run again, unless ``checked`` is the dry run of ``file`` that the caller has just made in
    this process (the command's: its rows are written as they were checked, the database's
    constraints deciding what changed since); refuse (``conflict``) when the file is not the one
    the report was made from (``expected_sha256``), when the report differs from the one shown
    (``expected_digest``: the registry changed meanwhile), or (``invalid``) when a row is refused.
    Then create the new organizations and update those named by slug; create an active membership
    for each one that has none (a current one takes the row's category); invite the representatives
    (outbox, after commit); publish the directory's changes to the feed, last. A database constraint
    that refuses a row rolls everything back and is refused as ``conflict``.
    """
    report = checked or member_import_dry_run(file=file, filename=filename)
    if report.sha256 != expected_sha256:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _("This is not the file of the dry run. Nothing was imported; upload it again."),
        )
    if report.digest != expected_digest:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _(
                "The registry changed since the dry run. Nothing was imported; read the new report and confirm again."
            ),
        )
    if report.refused:
        raise WorkflowError(
            ErrorCode.INVALID,
            _("%(n)d rows are refused: correct them in the file, or remove them, and upload it again.")
            % {"n": report.refused},
        )
    if not report.rows:
        raise WorkflowError(ErrorCode.INVALID, _("The file has no rows to import."))
    try:
        with transaction.atomic():
            _write(report, actor)
            feed.publish_all()
    except IntegrityError:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            _(
                "The registry refused a row (another change took the same address or membership meanwhile). "
                "Nothing was imported; run the dry run again."
            ),
        ) from None
    return report


def _write(report: ImportReport, actor) -> None:
    reason = "Imported from the member list (import_members)"
    new = []
    for row in report.rows:
        if row.action == Action.CREATE:
            org = Organization(slug=row.slug, **row.values)
            org.search_text = org.build_search_text()  # bulk_create does not call save()
            new.append(org)
    bulk.insert(new)
    bulk.insert_history(Organization, new, reason)
    organizations = {org.slug: org for org in new}
    updated_ids = [row.organization_id for row in report.rows if row.action == Action.UPDATE]
    for org in Organization.objects.select_for_update().filter(pk__in=updated_ids).order_by("pk"):
        organizations[org.slug] = org
    current = {
        m.organization_id: m
        for m in Membership.objects.select_for_update().filter(
            organization_id__in=updated_ids, state__in=CURRENT_STATES
        )
    }
    memberships, changed = [], []
    for row in report.rows:
        org = organizations[row.slug]
        if row.action == Action.UPDATE:
            for name, value in row.values.items():
                setattr(org, name, value)
            org._change_reason = reason
            org.save()
        membership = current.get(org.pk)
        if membership is None:
            memberships.append(
                Membership(organization=org, category=row.category, admitted_on=row.admitted_on)
            )
        elif membership.category != row.category:
            membership.category = row.category
            changed.append(membership)
    bulk.insert(memberships)
    bulk.insert_history(Membership, memberships, reason)
    for membership in changed:
        membership._change_reason = reason
        membership.save(update_fields=["category", "updated_at"])
    now = timezone.now()
    for row in report.rows:
        for email in row.representatives:
            invitation_create(organization=organizations[row.slug], actor=actor, email=email, now=now)


# --- the secretariat's page: the file kept between the dry run and the confirmation ------------------------


def member_import_upload(*, file: IO[bytes], filename: str, actor) -> tuple[MemberImportUpload, ImportReport]:
    """Dry-run an uploaded file and keep it for the confirmation (``IMPORT_UPLOAD_TTL_MINUTES``);
    uploads expired meanwhile are deleted. Raise ``ImportFileError`` (nothing kept) when it cannot be read."""
    data = file.read()
    report = member_import_dry_run(file=io.BytesIO(data), filename=filename)
    now = timezone.now()
    MemberImportUpload.objects.filter(expires_at__lte=now).delete()
    upload = MemberImportUpload.objects.create(
        uploaded_by=actor,
        filename=filename[:255],
        content=data,
        sha256=report.sha256,
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.IMPORT_UPLOAD_TTL_MINUTES),
    )
    return upload, report


@transaction.atomic
def member_import_confirm(
    *, upload_id: int, actor, expected_sha256: str, expected_digest: str
) -> ImportReport:
    """Import the file ``actor`` uploaded for the dry run (``member_import_commit``), then forget it.
    Refuse (``not_allowed``) an upload that is not theirs or has expired."""
    upload = (
        MemberImportUpload.objects.select_for_update()
        .filter(pk=upload_id, uploaded_by=actor, expires_at__gt=timezone.now())
        .first()
    )
    if upload is None:
        raise WorkflowError(
            ErrorCode.NOT_ALLOWED,
            _("The file of this dry run has expired. Nothing was imported; upload it again."),
        )
    report = member_import_commit(
        file=io.BytesIO(bytes(upload.content)),
        filename=upload.filename,
        actor=actor,
        expected_sha256=expected_sha256,
        expected_digest=expected_digest,
    )
    upload.delete()
    return report
