"""The member-list import (workflows.member_import, manage.py import_members): a dry run per row, then
all rows or none; hostile files refused or reported with nothing written. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from registry import feed
from registry.models import DirectoryEvent, Membership, Organization, RepresentativeInvitation
from tests.factories import MembershipFactory, OrganizationFactory, secretariat_user
from workflows.errors import WorkflowError
from workflows.member_import import (
    ImportFileError,
    member_import_commit,
    member_import_dry_run,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are asserted in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


HEADER = (
    "name,acronym,country,region,city,website,email,founded_year,students_represented,kind,category,"
    "admitted_on,representatives"
)


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO("\n".join([header, *rows]).encode(encoding))


def registry_rows() -> tuple[int, int, int, int]:
    return (
        Organization.objects.count(),
        Membership.objects.count(),
        DirectoryEvent.objects.count(),
        RepresentativeInvitation.objects.count(),
    )


def commit(file, actor, **kwargs):
    report = member_import_dry_run(file=file)
    file.seek(0)
    return member_import_commit(
        file=file,
        actor=actor,
        expected_sha256=kwargs.get("sha256", report.sha256),
        expected_digest=kwargs.get("digest", report.digest),
    )


KENYA = "National Union of Kenyan Students,NUKS,KE,,Nairobi,https://nuks.example.org,office@nuks.example.org,1990,120000,national_union,full,2015-06-01,ana@nuks.example.org"
GHANA = "Union Étudiante du Ghana,,Ghana,africa-west,Accra,,,,,,associate,2019-01-31,"


def test_a_dry_run_says_what_each_row_would_do_and_writes_nothing(regions):
    before = registry_rows()

    report = member_import_dry_run(file=csv_file(KENYA, GHANA, "Nowhere Union,,Atlantis,,,,,,,,,2020-01-01,"))

    assert [(r.line, r.action) for r in report.rows] == [(2, "create"), (3, "create"), (4, "refuse")]
    assert report.rows[0].slug == "nuks-ke"
    assert report.rows[1].values["region_id"] is not None  # region by code
    assert "Unknown country “Atlantis”" in report.rows[2].reasons[0]
    assert registry_rows() == before


def test_a_commit_imports_every_row_in_one_transaction_and_publishes_them(
    regions, django_capture_on_commit_callbacks
):
    actor = secretariat_user()
    last = feed.last_seq()

    with django_capture_on_commit_callbacks(execute=True):
        commit(csv_file(KENYA, GHANA), actor)

    nuks = Organization.objects.get(slug="nuks-ke")
    assert (nuks.region.code, nuks.founded_year, nuks.students_represented) == ("africa-east", 1990, 120000)
    assert nuks.search_text  # as save() would
    membership = nuks.memberships.get()
    assert (membership.state, membership.category, membership.admitted_on) == (
        "active",
        "full",
        datetime.date(2015, 6, 1),
    )
    ghana = Organization.objects.get(country="GH")
    assert ghana.memberships.get().category == "associate"
    events = feed.events_after(last, limit=10)
    assert sorted(e.slug for e in events) == sorted(["nuks-ke", ghana.slug])
    assert {e.type for e in events} == {"member.admitted"}
    invitation = RepresentativeInvitation.objects.get()
    assert (invitation.email, invitation.organization, invitation.invited_by) == (
        "ana@nuks.example.org",
        nuks,
        actor,
    )


def test_one_refused_row_refuses_the_whole_commit(regions):
    before = registry_rows()
    with pytest.raises(WorkflowError, match="1 rows are refused"):
        commit(csv_file(KENYA, "Bad Date Union,,KE,,,,,,,,,31/12/2019,"), secretariat_user())
    assert registry_rows() == before


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ('=HYPERLINK("http://evil"),,KE,,,,,,,,,2019-01-01,', "holds a formula"),
        ("Union,,KE,,=1+1,,,,,,,2019-01-01,", "The city cell holds a formula (=1+1)"),
        ("Union,,XX,,,,,,,,,2019-01-01,", "Unknown country “XX”"),
        ("Union,,KE,atlantis,,,,,,,,2019-01-01,", "Unknown region code “atlantis”"),
        ("Union,,KE,,,,not-an-address,,,,,2019-01-01,", "public e-mail address is not valid"),
        ("Union,,KE,,,notaurl,,,,,,2019-01-01,", "website is not a valid address"),
        ("Union,,KE,,,,,1066,,,,2019-01-01,", "founded_year: Give a year from 1800 to 2100."),
        ("Union,,KE,,,,,,many,,,2019-01-01,", "students_represented: give a whole number."),
        ("Union,,KE,,,,,,,cult,,2019-01-01,", "Unknown kind “cult”"),
        ("Union,,KE,,,,,,,,platinum,2019-01-01,", "Unknown membership category “platinum”"),
        ("Union,,KE,,,,,,,,,2019-02-30,", "is not a date"),
        ("Union,,KE,,,,,,,,,2999-01-01,", "in the future"),
        ("Union,,KE,,,,,,,,,2019-01-01,not-mail", "representative's address “not-mail” is not valid"),
        (",,KE,,,,,,,,,2019-01-01,", "The name is missing."),
        ("Union\u202e,,KE,,,,,,,,,2019-01-01,", "text-direction control character"),
    ],
)
def test_a_wrong_value_refuses_its_row_with_the_reason(regions, row, reason):
    report = member_import_dry_run(file=csv_file(KENYA, row))

    assert report.rows[0].action == "create"
    assert report.rows[1].action == "refuse"
    assert any(reason in r for r in report.rows[1].reasons), report.rows[1].reasons


def test_a_formula_is_kept_as_text_never_run(regions):
    report = member_import_dry_run(file=csv_file("=1+1,,KE,,,,,,,,,2019-01-01,"))
    assert report.rows[0].name == "=1+1"


def test_duplicate_names_in_the_file_are_refused_as_the_registry_folds_them(regions):
    report = member_import_dry_run(
        file=csv_file(
            KENYA,
            "NATIONAL UNION OF KENYAN  STUDENTS,,KE,,,,,,,,,2019-01-01,",
            "Other,nuks,KE,,,,,,,,,2019-01-01,",
        )
    )
    assert [r.action for r in report.rows] == ["create", "refuse", "refuse"]
    assert "The same union as line 2 (its name" in report.rows[1].reasons[0]
    assert "The same union as line 2 (its acronym" in report.rows[2].reasons[0]


def test_a_union_already_in_the_registry_is_refused_unless_named_by_its_slug(regions):
    existing = MembershipFactory(
        organization=OrganizationFactory(
            name="Université de Nairobi", acronym="", country="KE", slug="udn-ke"
        ),
        category="observer",
    ).organization
    row = "universite de nairobi,,KE,,Nairobi,,,,,,full,2019-01-01,"

    refused = member_import_dry_run(file=csv_file(row)).rows[0]
    assert refused.action == "refuse"
    assert "May be “Université de Nairobi” (udn-ke), already in the registry" in refused.reasons[0]

    updated = csv_file(row + ",udn-ke", header=HEADER + ",slug")
    report = member_import_dry_run(file=updated)
    assert (report.rows[0].action, report.rows[0].slug) == ("update", "udn-ke")
    updated.seek(0)
    commit(updated, secretariat_user())
    existing.refresh_from_db()
    assert existing.name == "universite de nairobi"
    assert existing.memberships.get().category == "full"  # the current membership, in the file's category


def test_slugs_are_unique_as_admission_makes_them(regions):
    OrganizationFactory(slug="nuks-ke", name="Someone else", acronym="X", country="UG")
    report = member_import_dry_run(
        file=csv_file(
            KENYA, KENYA.replace("National Union of Kenyan", "Nat. Union Kenyan").replace(",NUKS,", ",NUKS2,")
        )
    )
    assert [r.slug for r in report.rows] == ["nuks-ke-2", "nuks2-ke"]


def test_the_commit_refuses_a_report_that_changed_since_the_dry_run(regions):
    file = csv_file(KENYA)
    report = member_import_dry_run(file=file)
    OrganizationFactory(name="National Union of Kenyan Students", acronym="", country="KE")
    before = registry_rows()
    file.seek(0)

    with pytest.raises(WorkflowError, match="The registry changed since the dry run"):
        member_import_commit(
            file=file, actor=secretariat_user(), expected_sha256=report.sha256, expected_digest=report.digest
        )
    file.seek(0)
    with pytest.raises(WorkflowError, match="not the file of the dry run"):
        member_import_commit(file=file, actor=None, expected_sha256="0" * 64, expected_digest=report.digest)
    assert registry_rows() == before


def test_a_database_refusal_is_a_clear_refusal_and_nothing_is_written(regions, monkeypatch):
    from django.db import IntegrityError

    from registry import bulk

    insert = bulk.insert

    def broken(rows, **kwargs):  # the memberships, after the organizations are written
        if rows and isinstance(rows[0], Membership):
            raise IntegrityError("simulated")
        return insert(rows, **kwargs)

    monkeypatch.setattr(bulk, "insert", broken)
    before = registry_rows()

    with pytest.raises(WorkflowError, match="The registry refused a row") as refused:
        commit(csv_file(KENYA, GHANA), secretariat_user())
    assert refused.value.code == "conflict"
    assert registry_rows() == before


# --- hostile files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (("\ufeff" + HEADER + "\n" + GHANA).encode("utf-16"), "UTF-16"),
        ((HEADER + "\n" + GHANA).encode("latin-1"), "not UTF-8 text (it may be Latin-1"),
        (b"", "The file is empty"),
        (b"name,acronym\nUnion,U\n", "these are missing: country, admitted_on"),
        ((HEADER + ",colour\n").encode(), "Unknown columns: colour"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(regions, content, message):
    with pytest.raises(ImportFileError, match=re.escape(message)):
        member_import_dry_run(file=io.BytesIO(content))


def test_a_utf8_file_with_a_byte_order_mark_is_read(regions):
    report = member_import_dry_run(file=io.BytesIO(("\ufeff" + HEADER + "\n" + GHANA).encode()))
    assert report.rows[0].action == "create"
    assert report.rows[0].name == "Union Étudiante du Ghana"


class CountingStream(io.RawIOBase):
    """An endless CSV file that counts the bytes read from it."""

    def __init__(self):
        self.read_bytes = 0
        self.header = (HEADER + "\n").encode()
        self.row = (GHANA + "\n").encode()

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.read_bytes = 0
        return 0

    def readinto(self, buffer):
        chunk = (self.header if self.read_bytes == 0 else b"") + self.row * (len(buffer) // len(self.row))
        chunk = chunk[: len(buffer)]
        buffer[: len(chunk)] = chunk
        self.read_bytes += len(chunk)
        return len(chunk)


def test_a_file_over_the_row_limit_is_refused_without_reading_it_all(regions, settings):
    settings.IMPORT_MAX_ROWS = 1000
    from workflows.member_import import read_table

    stream = CountingStream()  # a million rows and more: it never ends
    with pytest.raises(ImportFileError, match="more than 1000 rows"):
        read_table(io.BufferedReader(stream))
    assert stream.read_bytes < 200 * len(stream.row) * 10  # a few buffers past the limit, not the file


def test_a_million_row_csv_is_refused_by_the_command(regions, settings, tmp_path):
    path = tmp_path / "members.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        fh.writelines(f"Union {n},,KE,,,,,,,,,2019-01-01,\n" for n in range(1_000_001))
    before = registry_rows()

    with pytest.raises(CommandError, match="more than 20000 rows"):
        call_command("import_members", str(path), stdout=io.StringIO())
    assert registry_rows() == before


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_file_imports_and_its_formulas_are_reported_not_run(regions):
    content = xlsx_bytes(
        [
            HEADER.split(","),
            ["Union of Ghana", "", "GH", "", "", "", "", 1990, None, "", "", datetime.date(2019, 1, 31), ""],
            ["=1+1", "", "KE", "", "", "", "", None, "=A2", "", "", datetime.datetime(2019, 1, 31), ""],
        ]
    )
    report = member_import_dry_run(file=io.BytesIO(content), filename="members.xlsx")

    assert [r.action for r in report.rows] == ["create", "refuse"]
    assert report.rows[0].admitted_on == datetime.date(2019, 1, 31)
    assert report.rows[0].values["founded_year"] == 1990
    assert report.rows[1].name == "=1+1"
    assert any("students_represented cell holds a formula (=A2)" in r for r in report.rows[1].reasons)


@pytest.mark.parametrize(
    "content",
    [b"name,country,admitted_on\nUnion,KE,2019-01-01\n", b"PK\x03\x04 not really a zip file"],
)
def test_an_xlsx_that_is_not_one_is_refused(regions, content):
    with pytest.raises(ImportFileError, match="XLSX"):
        member_import_dry_run(file=io.BytesIO(content), filename="members.xlsx")


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_prints_the_dry_run_and_commits_only_when_asked(regions, tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_file(KENYA, GHANA).getvalue())
    out = io.StringIO()

    call_command("import_members", str(path), stdout=out)
    assert "line 2\tNational Union of Kenyan Students [nuks-ke]\tcreate" in out.getvalue()
    assert "2 to create, 0 to update, 0 refused" in out.getvalue()
    assert not Organization.objects.exists()

    with pytest.raises(CommandError, match="--commit needs --by EMAIL"):
        call_command("import_members", str(path), "--commit", stdout=io.StringIO())
    actor = secretariat_user(email="sec@example.org")
    out = io.StringIO()
    call_command("import_members", str(path), "--commit", "--by", actor.email, stdout=out)
    assert "Imported 2 members" in out.getvalue()
    assert Organization.objects.count() == 2


def test_the_command_checks_the_rows_once_and_writes_them_as_checked(regions, tmp_path, monkeypatch):
    from workflows import member_import

    path = tmp_path / "members.csv"
    path.write_bytes(csv_file(KENYA, GHANA).getvalue())
    actor = secretariat_user(email="sec@example.org")
    checked = []
    dry_run_table = member_import.dry_run_table
    monkeypatch.setattr(
        member_import, "dry_run_table", lambda *a, **kw: checked.append(1) or dry_run_table(*a, **kw)
    )

    call_command("import_members", str(path), "--commit", "--by", actor.email, stdout=io.StringIO())

    assert checked == [1]
    assert Organization.objects.count() == Membership.objects.count() == DirectoryEvent.objects.count() == 2


def test_the_command_writes_nothing_when_the_registry_took_a_slug_since_its_dry_run(
    regions, tmp_path, monkeypatch
):
    """Between the dry run and the commit another change takes a slug of the report: the database's
    unique constraint refuses the file, as the commit's own dry run did before."""
    from workflows import member_import

    path = tmp_path / "members.csv"
    path.write_bytes(csv_file(KENYA, GHANA).getvalue())
    actor = secretariat_user(email="sec@example.org")
    dry_run = member_import.member_import_dry_run

    def dry_run_then_a_change(**kwargs):
        report = dry_run(**kwargs)
        OrganizationFactory(slug="nuks-ke")
        return report

    monkeypatch.setattr(member_import, "member_import_dry_run", dry_run_then_a_change)
    monkeypatch.setattr("ops.management.commands.import_members.member_import_dry_run", dry_run_then_a_change)
    before = registry_rows()

    with pytest.raises(CommandError, match="The registry refused a row"):
        call_command("import_members", str(path), "--commit", "--by", actor.email, stdout=io.StringIO())
    assert registry_rows() == (before[0] + 1, *before[1:])  # the organization that took the slug, alone


def test_the_command_refuses_a_file_with_a_refused_row_and_writes_nothing(regions, tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_file(KENYA, "Union,,Atlantis,,,,,,,,,2019-01-01,").getvalue())
    actor = secretariat_user(email="sec@example.org")

    with pytest.raises(CommandError, match="1 rows are refused"):
        call_command("import_members", str(path), "--commit", "--by", actor.email, stdout=io.StringIO())
    assert not Organization.objects.exists()


def test_countries_by_alpha3_code_and_representatives_up_to_five(regions):
    six = ";".join(f"rep{n}@example.org" for n in range(6))
    report = member_import_dry_run(
        file=csv_file(
            "Union A,,KEN,,,,,,,,,2019-01-01,a@example.org;b@example.org",
            f"Union B,,kenya,,,,,,,,,2019-01-01,{six}",
        )
    )
    assert report.rows[0].values["country"] == "KE"
    assert report.rows[0].representatives == ["a@example.org", "b@example.org"]
    assert report.rows[1].values["country"] == "KE"
    assert report.rows[1].reasons == ["At most 5 representatives per union."]


def test_an_xlsx_that_unpacks_too_large_is_refused_before_it_is_read(regions, monkeypatch):
    from workflows import member_import

    content = xlsx_bytes([HEADER.split(","), ["Union", "", "KE"]])
    monkeypatch.setattr(member_import, "XLSX_MAX_UNPACKED_BYTES", 1000)

    with pytest.raises(ImportFileError, match="too large once unpacked"):
        member_import_dry_run(file=io.BytesIO(content), filename="members.xlsx")


def test_the_dry_run_reads_the_registry_in_a_fixed_number_of_queries(regions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n: int) -> int:
        rows = [f"Union {i},U{i},KE,,,,,,,,,2019-01-01," for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            report = member_import_dry_run(file=csv_file(*rows))
        assert report.created == n
        return len(captured)

    assert queries(2) == queries(50) == 5  # regions, countries, memberships, organizations, slugs


def test_the_dry_run_and_the_commit_run_with_the_cyclic_collector_paused(regions, monkeypatch):
    import gc

    from workflows import member_import

    seen = []
    check, write = member_import._check_values, member_import._write
    monkeypatch.setattr(
        member_import, "_check_values", lambda *args: (seen.append(("check", gc.isenabled())), check(*args))
    )
    monkeypatch.setattr(
        member_import, "_write", lambda *args: (seen.append(("write", gc.isenabled())), write(*args))
    )

    commit(csv_file(KENYA), secretariat_user())

    assert seen == [
        ("check", False),
        ("check", False),
        ("write", False),
    ]  # the page's dry run, then the commit's
    assert gc.isenabled()
    assert Organization.objects.filter(slug="nuks-ke").exists()
