"""A values() query compiled once and run again with the same SQL and parameters.

Compiling a query (resolving its expressions, writing its SQL) costs Django more than PostgreSQL
takes to answer a page of the directory. ``CompiledValues`` keeps what ``QuerySet.values()`` would
do on each iteration — the SQL, its parameters, the column names and the fields' converters — and
runs it through a cursor of the same database, so the rows are the ones the queryset would give.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


class CompiledValues:
    """``queryset`` (a ``values()`` query) as SQL kept for its database; ``rows()`` runs it."""

    def __init__(self, queryset: QuerySet):
        query = queryset.query
        self.alias = queryset.db
        compiler = query.get_compiler(self.alias)
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:  # as Django's own iteration: no query, no rows
            self.sql, params = None, ()
        self.params = tuple(params)
        # The names and their order as django.db.models.query.ValuesIterable reads a row.
        if query.selected:
            self.names = tuple(query.selected)
        else:
            self.names = (*query.extra_select, *query.values_select, *query.annotation_select)
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        self.converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )

    def rows(self) -> list[dict]:
        """The rows as ``list(queryset)`` gives them: dicts of the converted values, one query."""
        if self.sql is None:
            return []
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        names = self.names
        if not self.converters:
            return [dict(zip(names, row, strict=True)) for row in fetched]
        return [dict(zip(names, self._converted(row, connection), strict=True)) for row in fetched]

    def _converted(self, row: tuple, connection) -> list:
        row = list(row)
        for position, functions, expression in self.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        return row
