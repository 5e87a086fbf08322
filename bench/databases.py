"""The benchmark's PostgreSQL databases, named after ``DATABASE_URL``'s (``<name>_<suffix>``).

- ``<name>_template``: migrated, default regions loaded; every other one is a copy of it.
- ``<name>_1k``, ``<name>_100k`` (one per size): the data sets, cached between runs. A
  marker row written after the seed says which data it holds; a data set is reused when
  its marker matches and its migrations are current, else rebuilt from the template.
- ``<name>_<size>_feed<events>``: the large data set with its change feed grown to ``events``
  (``feed_page``), a copy of ``<name>_<size>``, cached as the data sets are.
- ``<name>_workflow``: a fresh copy for the workflow cases, made on each run.
- ``<name>_import``: a fresh copy for the import timing, dropped afterwards.

The database named in ``DATABASE_URL`` itself is never touched.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
MARKER_TABLE = "bench_marker"
TEMPLATE_VERSION = 1  # change when the template's content (beyond migrations) changes


class BenchSetupError(RuntimeError):
    pass


def size_label(size: int) -> str:
    """1000 → '1k', 100000 → '100k', 40 → '40'."""
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


@dataclass(frozen=True)
class Server:
    """The PostgreSQL server and the base name of ``DATABASE_URL``."""

    url: str

    @classmethod
    def from_environment(cls) -> "Server":
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
            raise BenchSetupError(
                "The benchmarks need PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
                "(`make bench` defaults to postgres://postgres@127.0.0.1:5432/fedreg_bench)."
            )
        return cls(url)

    @property
    def base_name(self) -> str:
        name = urlsplit(self.url).path.lstrip("/")
        if not name:
            raise BenchSetupError("DATABASE_URL names no database.")
        return name

    def name(self, suffix: str) -> str:
        return f"{self.base_name}_{suffix}"

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme.replace("pgsql", "postgres"), parts.netloc, f"/{database}", "", ""))

    @property
    def address(self) -> str:
        """``host:port`` of the server, for messages and the JSON (never the password)."""
        parts = urlsplit(self.url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"

    def admin(self) -> psycopg.Connection:
        """An autocommit connection to the server's ``postgres`` database, for CREATE / DROP DATABASE."""
        try:
            return psycopg.connect(self.url_for("postgres"), autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise BenchSetupError(f"Cannot connect to PostgreSQL at {self.address}: {exc}") from exc


def exists(admin: psycopg.Connection, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop(admin: psycopg.Connection, name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create(admin: psycopg.Connection, name: str, *, template: str | None = None) -> None:
    drop(admin, name)
    if template is None:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return
    # A template must have no other session: close ours (ended by the caller) and wait for them to go.
    for _ in range(50):
        busy = admin.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s", [template]
        ).fetchone()[0]
        if not busy:
            break
        time.sleep(0.1)
    admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
    )


# --- markers and migrations (through Django, on an alias) --------------------------------------------------


def read_marker(alias: str) -> dict | None:
    from django.db import DatabaseError, connections

    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute(f"SELECT spec FROM {MARKER_TABLE} ORDER BY completed_at DESC LIMIT 1")
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return json.loads(row[0]) if row else None


def write_marker(alias: str, spec: dict) -> None:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (spec text NOT NULL, completed_at timestamptz NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (spec, completed_at) VALUES (%s, now())",
            [json.dumps(spec, sort_keys=True)],
        )


def migrations_current(alias: str) -> bool:
    """Whether every migration on disk is applied to ``alias`` (Django's own plan is empty)."""
    from django.db import DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[alias])
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False


def release(alias: str) -> None:
    """Close ``alias``'s connection (and its pool), so that the database can be copied or dropped."""
    from django.db import connections

    connection = connections[alias]
    connection.close()
    close_pool = getattr(connection, "close_pool", None)
    if close_pool is not None:
        close_pool()


def reusable(alias: str, spec: dict) -> bool:
    try:
        return read_marker(alias) == spec and migrations_current(alias)
    finally:
        release(alias)


# --- the template ------------------------------------------------------------------------------------------


def prepare_template(
    server: Server, admin: psycopg.Connection, alias: str, log, *, rebuild: bool = False
) -> bool:
    """Make sure ``<name>_template`` is migrated and has the default regions; True if it was rebuilt."""
    name = server.name("template")
    spec = {"kind": "template", "version": TEMPLATE_VERSION}
    if not rebuild and exists(admin, name) and reusable(alias, spec):
        return False
    log(f"building {name}: migrate, load_regions")
    create(admin, name)
    env = {
        **os.environ,
        "DATABASE_URL": server.url_for(name),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATABASES": "{}",
        "LOG_LEVEL": "WARNING",
    }
    for command in (["migrate", "--no-input", "-v", "0"], ["load_regions"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise BenchSetupError(f"manage.py {' '.join(command)} failed on {name}:\n{result.stderr[-3000:]}")
    write_marker(alias, spec)
    release(alias)
    return True


def prepare_dataset(
    server: Server, admin: psycopg.Connection, alias: str, size: int, log, *, rebuild: bool = False
) -> bool:
    """Make sure the data set of ``size`` organizations is there and current; True if it was (re)built."""
    from . import data

    name = server.name(size_label(size))
    spec = {"kind": "dataset", "size": size, "data_version": data.DATA_VERSION, "template": TEMPLATE_VERSION}
    if not rebuild and exists(admin, name) and reusable(alias, spec):
        return False
    log(f"seeding {name}: {size} organizations (COPY, then VACUUM ANALYZE)")
    started = time.monotonic()
    create(admin, name, template=server.name("template"))
    counts = data.seed(alias, size)
    write_marker(alias, {**spec})
    log(
        f"seeded {name} in {time.monotonic() - started:.1f} s: {counts.organizations} organizations, "
        f"{counts.affiliates} affiliates, {counts.applications} applications"
    )
    return True


def feed_database(server: Server, size: int, events: int) -> str:
    return server.name(f"{size_label(size)}_feed{size_label(events)}")


def prepare_feed_dataset(
    server: Server,
    admin: psycopg.Connection,
    alias: str,
    *,
    source_alias: str,
    size: int,
    events: int,
    log,
    rebuild: bool = False,
) -> bool:
    """Make sure the copy of the data set of ``size`` with ``events`` change-feed events is there and
    current (``data.extend_feed``); True if it was (re)built. ``source_alias`` is the data set's."""
    from . import data

    name = feed_database(server, size, events)
    spec = {
        "kind": "feed",
        "size": size,
        "events": events,
        "data_version": data.DATA_VERSION,
        "template": TEMPLATE_VERSION,
    }
    if not rebuild and exists(admin, name) and reusable(alias, spec):
        return False
    log(f"building {name}: a copy of {server.name(size_label(size))}, its feed grown to {events} events")
    started = time.monotonic()
    release(source_alias)  # a template must have no session
    create(admin, name, template=server.name(size_label(size)))
    total = data.extend_feed(alias, events)
    write_marker(alias, spec)
    release(alias)
    log(f"built {name} in {time.monotonic() - started:.1f} s: {total} events")
    return True
