"""Data migrations under test: move the test database to a point of the migration graph and read the
models as they were there (``migrate``); ``latest_schema_afterwards`` (tests/conftest.py) moves it
back to the newest migrations, as the other tests expect it."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to ``targets`` ([(app, migration name)…]); the historical apps registry there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
