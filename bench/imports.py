"""``import_vs_copy`` and ``csv_import``: the registry's two imports against PostgreSQL's COPY of the same rows.

``import_vs_copy``: ``manage.py import_registry`` of a backup of the large data set (written once by
``manage.py export_registry`` and kept under ``var/bench/<database>/``), against COPY of the rows it
restores (every table a backup fills: regions, countries, organizations, memberships, their dated
rows and ledger, archived decisions and meetings). ``csv_import``: ``manage.py import_members --commit``
of a member list of as many rows as the large data set has organizations (every row a new union, no
representatives), against COPY of the organizations and memberships it creates. Both sides of a round
start from a fresh database, made again from a template before each sample (untimed): the template
of the data sets with a secretariat account, its regions and countries deleted for the backup (a
restore needs an empty registry). The commands run as a user runs them, in a process of their own
(Python's start-up included); COPY runs on a new connection, in one transaction, into the same
migrated tables with their indexes and constraints. The rows COPY writes are those the command wrote
in the warm-up round, read back with ``COPY … TO STDOUT``.
"""

import csv
import random
import subprocess
import sys
import time
from pathlib import Path

from .databases import ROOT, BenchSetupError, Server

ALIAS = "bench_import"
IMPORT_TIMEOUT = 1800
EXPORT_TIMEOUT = 1800
SECRETARY = "import-secretariat@bench.example.org"
CHUNK = 1 << 20


def backup_models() -> list:
    """The models whose rows a backup holds, in the order a restore writes them."""
    from dues.models import Allocation, CreditNote, DuesRate, Invoice, InvoiceCounter, Payment, Waiver
    from meetings.models import ArchivedMeeting
    from registry.models import (
        ArchivedDecision,
        CountryRegion,
        Membership,
        MembershipSuspension,
        Organization,
        Region,
        YearlyReturn,
    )

    return [
        Region,
        CountryRegion,
        Organization,
        Membership,
        MembershipSuspension,
        YearlyReturn,
        DuesRate,
        InvoiceCounter,
        Invoice,
        CreditNote,
        Waiver,
        Payment,
        Allocation,
        ArchivedMeeting,
        ArchivedDecision,
    ]


def member_models() -> list:
    from registry.models import Membership, Organization

    return [Organization, Membership]


class ImportDatabases:
    """``<base>_import``, made again from ``<base>_import_members`` (the data sets' template: regions,
    countries, a secretariat account) or ``<base>_import_empty`` (the same without regions and countries)."""

    def __init__(self, server: Server, admin):
        self.server, self.admin = server, admin
        self.name = server.name("import")

    def prepare(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from accounts import roles
        from registry.models import CountryRegion, Region

        from . import databases
        from .routing import using_database

        databases.create(self.admin, self.name, template=self.server.name("template"))
        with using_database(ALIAS):
            user = get_user_model().objects.create_user(username=SECRETARY, email=SECRETARY)
            user.groups.add(Group.objects.get(name=roles.SECRETARIAT))
        databases.release(ALIAS)
        databases.create(self.admin, self.server.name("import_members"), template=self.name)
        with using_database(ALIAS):
            CountryRegion.objects.all().delete()
            Region.objects.update(parent=None)
            Region.objects.all().delete()
        databases.release(ALIAS)
        databases.create(self.admin, self.server.name("import_empty"), template=self.name)

    def fresh(self, template: str) -> None:
        from . import databases

        databases.release(ALIAS)
        databases.create(self.admin, self.name, template=self.server.name(template))

    def drop(self) -> None:
        from . import databases

        databases.release(ALIAS)
        for name in (self.name, self.server.name("import_members"), self.server.name("import_empty")):
            databases.drop(self.admin, name)


def dump_rows(models: list) -> list[tuple[str, str, bytes]]:
    """Each model's rows in the import database as COPY's text: (table, columns, data), tables with rows."""
    from django.db import connections

    connection = connections[ALIAS]
    quote = connection.ops.quote_name
    dumped = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            names = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
            data = bytearray()
            with cursor.copy(f"COPY {quote(table)} ({names}) TO STDOUT") as copy:
                for chunk in copy:
                    data += chunk
            if data:
                dumped.append((table, names, bytes(data)))
    return dumped


def copy_rows_in(dumped: list[tuple[str, str, bytes]]) -> float:
    """COPY ``dumped`` into the import database on a new connection, one transaction; seconds."""
    from django.db import connections, transaction

    quote = connections[ALIAS].ops.quote_name
    started = time.perf_counter()
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        for table, names, data in dumped:
            with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for start in range(0, len(data), CHUNK):
                    copy.write(data[start : start + CHUNK])
    return time.perf_counter() - started


def run_command(server: Server, argv: list[str], **env: str) -> float:
    """``manage.py <argv>`` on the import database, in its own process; its seconds. A failure stops the bench."""
    from . import servers

    environment = servers.django_env(
        database_url=server.url_for(server.name("import")), LOG_LEVEL="WARNING", ALLOW_LOCAL_CACHE="1", **env
    )
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise BenchSetupError(
            f"manage.py {argv[0]} failed ({completed.returncode}): {completed.stderr[-2000:]}"
        )
    return elapsed


def write_backup(server: Server, path: Path, size_name: str) -> None:
    """``manage.py export_registry`` of the large data set into ``path``."""
    from . import servers

    source = servers.django_env(
        database_url=server.url_for(server.name(size_name)), LOG_LEVEL="WARNING", ALLOW_LOCAL_CACHE="1"
    )
    partial = path.with_suffix(".partial")
    subprocess.run(
        [sys.executable, "manage.py", "export_registry", "--output", str(partial)],
        cwd=ROOT,
        env=source,
        check=True,
        capture_output=True,
        timeout=EXPORT_TIMEOUT,
    )
    partial.rename(path)


# The member list's columns: the import's own (``workflows.member_import.COLUMNS``) but for the two
# the bench leaves empty (no representatives; the slug from the name).
LEFT_EMPTY = ("representatives", "slug")


def write_member_list(path: Path, size: int, *, alias: str) -> None:
    """A member list of ``size`` new unions: the data sets' organizations, each name and acronym made
    unique by its number (the import refuses a union named twice in a country), a category and an
    admission date each."""
    from registry.models import MembershipCategory
    from workflows.member_import import COLUMNS

    from .data import RegionSpace, organization_rows

    space = RegionSpace.load(alias)
    codes = {pk: code for code, pk in space.region_ids.items()}
    rng = random.Random(f"members-{size}")
    partial = path.with_suffix(".partial")
    with open(partial, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([column for column in COLUMNS if column not in LEFT_EMPTY])
        for row in organization_rows(size, space=space):
            number = row["id"]
            writer.writerow(
                [
                    f"{row['name']} {number}",
                    f"{row['acronym']}{number}",
                    row["country"],
                    codes[row["region_id"]],
                    row["city"],
                    row["website"],
                    row["email"],
                    row["founded_year"],
                    row["students_represented"],
                    row["kind"],
                    rng.choice(MembershipCategory.values),
                    row["created_at"].date().isoformat(),
                ]
            )
    partial.rename(path)


class ImportSide:
    """One ratio's two sides: the command into a fresh database, and COPY of the rows it wrote."""

    def __init__(self, dbs: ImportDatabases, template: str, argv: list[str], models: list, **env: str):
        self.dbs, self.template, self.argv, self.models, self.env = dbs, template, argv, models, env
        self.dumped: list[tuple[str, str, bytes]] | None = None

    def command(self) -> float:
        self.dbs.fresh(self.template)
        elapsed = run_command(self.dbs.server, self.argv, **self.env)
        if self.dumped is None:  # the warm-up: the rows the denominator copies
            self.dumped = dump_rows(self.models)
        return elapsed * 1000

    def copy(self) -> float:
        if self.dumped is None:
            raise BenchSetupError("COPY before the command wrote its rows")
        self.dbs.fresh(self.template)
        try:
            return copy_rows_in(self.dumped) * 1000
        finally:
            from . import databases

            databases.release(ALIAS)

    def details(self) -> dict:
        rows = {table: data.count(b"\n") for table, _names, data in self.dumped or []}
        return {"rows": rows}


def import_cases(bench, server: Server, admin, *, rebuilt: bool) -> None:
    """Measure ``import_vs_copy`` and ``csv_import`` (as ``bench`` selects) at the large data set's size;
    ``rebuilt``: the data set was, so its backup and member list are written again."""
    from .data import DATA_VERSION
    from .databases import size_label

    size = bench.options.large
    size_name = size_label(size)

    dbs = ImportDatabases(server, admin)
    try:
        dbs.prepare()
        if bench.wanted("import_vs_copy"):
            path = bench.log_dir / f"registry-{size}-v{DATA_VERSION}.json"
            if rebuilt or not path.exists():
                bench.log(f"import_vs_copy: manage.py export_registry of {size} organizations")
                write_backup(server, path, size_name)
            side = ImportSide(dbs, "import_empty", ["import_registry", str(path)], backup_models())
            measure(
                bench,
                "import_vs_copy",
                side,
                f"manage.py import_registry of a backup of {size} organizations",
            )
        if bench.wanted("csv_import"):
            path = bench.log_dir / f"members-{size}-v{DATA_VERSION}.csv"
            if rebuilt or not path.exists():
                write_member_list(path, size, alias="default")
            argv = ["import_members", str(path), "--commit", "--by", SECRETARY]
            side = ImportSide(dbs, "import_members", argv, member_models(), IMPORT_MAX_ROWS=str(size))
            measure(bench, "csv_import", side, f"manage.py import_members --commit of {size} rows (CSV)")
    finally:
        dbs.drop()


def measure(bench, ratio_id: str, side: ImportSide, what: str) -> None:
    from .runner import Case

    numerator = Case(f"{ratio_id}_command", what, "ms", side.command)
    denominator = Case(
        f"{ratio_id}_copy",
        "COPY of the rows the command wrote, into a fresh database, one transaction",
        "ms",
        side.copy,
        details=side.details,
    )
    bench.measure(ratio_id, numerator, denominator, rounds=bench.options.import_rounds)
