"""Inserting many rows of one model at once: a restore (``ops.backup``), the member import
(``workflows.member_import``) and the feed's events (``registry.feed``).

``insert(rows)`` writes new model instances as ``bulk_create`` does (each field's ``pre_save`` and
database value, the foreign keys taken from the related objects) and sets their keys; on PostgreSQL
with COPY (psycopg 3's ``cursor.copy()``), the keys taken from the table's sequence first, in one
query (a single row by one ``INSERT``: the feed's event of one organization); elsewhere with
``bulk_create`` in batches. ``insert_history(model, rows, reason)`` records each
row's creation in its django-simple-history table, as ``bulk_history_create`` does (no user, one
reason), on PostgreSQL as one ``INSERT … SELECT`` from the rows just written. Neither checks anything
the database does not: its constraints decide, inside the caller's transaction.

``cyclic_gc_paused()`` pauses Python's cyclic garbage collector for the length of a restore or an
import (``ops.backup.import_registry``, ``workflows.member_import``): their documents, rows and model
instances live until the end, and each full collection walks every live object again, a tenth of a
restore of 100,000 organizations. Reference counting still frees what is no longer used.
"""

import contextlib
import datetime
import gc
from collections.abc import Callable, Iterator

from django.db import connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

BATCH_SIZE = 1000


def _of_type(kind: type) -> Callable[[object], bool]:
    return lambda value: type(value) is kind


_is_text, _is_int, _is_bool = _of_type(str), _of_type(int), _of_type(bool)

# A field whose ``get_prep_value`` is one of these, and that prepares and saves as ``Field`` does,
# writes a value that passes the test unchanged (``Field.get_db_prep_save`` would give it back as it
# is): COPY takes it without the round through the field. Any other value goes through the field.
_PREPARED_AS_IS = {
    models.CharField.get_prep_value: _is_text,
    models.TextField.get_prep_value: _is_text,
    models.IntegerField.get_prep_value: _is_int,
    models.BooleanField.get_prep_value: _is_bool,
}


def _aware(value) -> bool:
    return type(value) is datetime.datetime and value.tzinfo is not None


def _a_date(value) -> bool:
    return type(value) is datetime.date


# Dates and aware datetimes, on PostgreSQL (the only database COPY writes to), are also written as
# they are: the fields' preparation gives them back unchanged when they set no time of their own.
_DATES_AS_IS = {models.DateTimeField: _aware, models.DateField: _a_date}


def _as_is(field: models.Field) -> Callable[[object], bool] | None:
    """The test of the values ``field`` writes unchanged (``_PREPARED_AS_IS``, ``_DATES_AS_IS``);
    None when none is."""
    kind = type(field)
    if kind in _DATES_AS_IS:
        return None if field.auto_now or field.auto_now_add else _DATES_AS_IS[kind]
    if kind.pre_save is not models.Field.pre_save:  # auto_now and the like
        return None
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        if isinstance(target, AutoFieldMixin) or (not target.is_relation and _as_is(target) is _is_int):
            return _is_int
        return None
    if kind.get_db_prep_save is not models.Field.get_db_prep_save:
        return None
    if kind.get_db_prep_value not in (models.Field.get_db_prep_value, models.IntegerField.get_db_prep_value):
        return None
    return _PREPARED_AS_IS.get(kind.get_prep_value)


def _copy_values(rows: list[models.Model], fields: list[models.Field], connection):
    """Each row's values as the fields prepare them for the database, in ``fields``' order."""
    plan = [(field, field.attname, _as_is(field)) for field in fields]
    for row in rows:
        row._prepare_related_fields_for_save(operation_name="bulk_create")
        values = []
        for field, attname, as_is in plan:
            if as_is is not None:
                value = getattr(row, attname)
                if value is None or as_is(value):
                    values.append(value)
                    continue
            values.append(field.get_db_prep_save(field.pre_save(row, True), connection))
        yield values


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside (see the module's docstring), as it was after;
    also a decorator."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _connection(model: type[models.Model]):
    return connections[model.objects.db]


def insert(rows: list[models.Model], *, batch_size: int = BATCH_SIZE) -> None:
    """Insert ``rows``, new instances of one model, and set their primary keys."""
    if not rows:
        return
    model = type(rows[0])
    connection = _connection(model)
    if connection.vendor != "postgresql" or len(rows) == 1:  # one row: one INSERT, where COPY takes two
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
            for values in _copy_values(rows, fields, connection):
                copy.write_row(values)
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
