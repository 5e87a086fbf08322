"""Inserting many rows of one model at once: a restore (``ops.backup``) and the member import
(``workflows.member_import``).

``insert(rows)`` writes new model instances as ``bulk_create`` does (each field's ``pre_save`` and
database value, the foreign keys taken from the related objects) and sets their keys; on PostgreSQL
with COPY (psycopg 3's ``cursor.copy()``), the keys taken from the table's sequence first, in one
query; elsewhere with ``bulk_create`` in batches. ``insert_history(model, rows, reason)`` records each
row's creation in its django-simple-history table, as ``bulk_history_create`` does (no user, one
reason), on PostgreSQL as one ``INSERT … SELECT`` from the rows just written. Neither checks anything
the database does not: its constraints decide, inside the caller's transaction.
"""

from django.db import connections, models
from django.utils import timezone

BATCH_SIZE = 1000


def _connection(model: type[models.Model]):
    return connections[model.objects.db]


def insert(rows: list[models.Model], *, batch_size: int = BATCH_SIZE) -> None:
    """Insert ``rows``, new instances of one model, and set their primary keys."""
    if not rows:
        return
    model = type(rows[0])
    connection = _connection(model)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=batch_size)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.generated]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
        names = ", ".join(quote(f.column) for f in fields)
        copying = cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN")
        with connection.wrap_database_errors, copying as copy:  # a refused row: django.db.IntegrityError
            for row in rows:
                row._prepare_related_fields_for_save(operation_name="bulk_create")
                copy.write_row([f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields])
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias


def insert_history(model: type[models.Model], rows: list[models.Model], reason: str) -> None:
    """The history's first record (``+``, no user, ``reason``) of each of ``rows``, written already."""
    if not rows:
        return
    connection = _connection(model)
    if connection.vendor != "postgresql":
        model.history.bulk_history_create(rows, default_change_reason=reason)
        return
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [history._meta.get_field(f.name) for f in history.tracked_fields]
    target = [quote(f.column) for f in tracked]
    source = [quote(model._meta.get_field(f.name).column) for f in tracked]
    extra = ("history_date", "history_change_reason", "history_type", "history_user_id")
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join([*target, *map(quote, extra)])}) "
        f"SELECT {', '.join(source)}, %s, %s, '+', NULL FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} = ANY(%s) ORDER BY {quote(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), reason, [row.pk for row in rows]])
