"""Search of the folded ``search_text`` columns by words (``registry.text.search_words``).

A query word finds the texts that have a word beginning with it: "univ" finds "Université …",
"krakow" finds "Kraków"; "niversite" finds nothing. A word of a script that joins words
(``registry.text.joins_words``: Arabic, Chinese…) is looked for anywhere in the text, as before.
Every word must be found. Both databases answer the same:

- on PostgreSQL, the words of the text are a ``tsvector`` (``array_to_tsvector``: the words as they
  are, without a text search configuration, whose parser and dictionaries would cut and change them
  otherwise than SQLite does) and the query a ``tsquery`` of prefixes (``'univ':* & 'abid':*``),
  served by the GIN index on that expression (migration ``0012_organization_word_prefix_search_index``);
- elsewhere (SQLite), a substring test, then a regular expression: the word after the start of the
  text or after a separator.

The affiliate list searches ``search_rows`` in place of the organization table (``narrowed_to``):
PostgreSQL sorts the matches first and joins each to its membership only until a page is full.
"""

import re

from django.db.models import Lookup, Q, QuerySet
from django.db.models.sql.datastructures import BaseTable

from .models import DirectoryEvent, Organization
from .text import MAX_WORD_LENGTH, WORD_SEPARATORS, joins_words


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def words_tsvector_sql(column: str, *, with_parameters: bool = False) -> str:
    """The words of the text ``column`` as a tsvector: the separators made spaces, each word cut to
    ``MAX_WORD_LENGTH`` characters, split at the spaces. The index of migration 0012 is on this
    expression of ``search_text``, word for word: the planner uses it only for the same expression.
    ``with_parameters``: for SQL that has parameters (``%s``), the ``%`` of the separators doubled."""
    separators = _sql_literal(WORD_SEPARATORS)
    if with_parameters:
        separators = separators.replace("%", "%%")
    separated = f"translate({column}, {separators}, {_sql_literal(' ' * len(WORD_SEPARATORS))})"
    cut = f"regexp_replace({separated}, '([^ ]{{{MAX_WORD_LENGTH}}})[^ ]+', '\\1', 'g')"
    return f"array_to_tsvector(array_remove(string_to_array({cut}, ' '), ''))"


_WORD_START = "(?:^|[ " + re.escape(WORD_SEPARATORS) + "])"


def prefix_tsquery(words: list[str]) -> str:
    """The tsquery text that needs a word beginning with each of ``words``: ``'univ':* & 'abid':*``."""
    return " & ".join("'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words)


class WordPrefixes(Lookup):
    """``search_text__word_prefixes=["univ", "abid"]``: the text has a word that begins with each
    of the words (words of ``registry.text.search_words``, without separators)."""

    lookup_name = "word_prefixes"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        clauses, params = [], []
        for word in self.rhs:
            clauses.append(f"{lhs} LIKE %s ESCAPE '\\' AND {lhs} REGEXP %s")
            params += [*lhs_params, f"%{connection.ops.prep_for_like_query(word)}%"]
            params += [*lhs_params, _WORD_START + re.escape(word)]
        return "(" + " AND ".join(clauses) + ")", params

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        words = words_tsvector_sql(lhs, with_parameters=True)
        return f"{words} @@ %s::tsquery", [*lhs_params, prefix_tsquery(self.rhs)]


for _model in (Organization, DirectoryEvent):
    _model._meta.get_field("search_text").register_lookup(WordPrefixes)


def words_found(words: list[str], *, field: str = "search_text") -> Q:
    """The condition that every one of ``words`` (``registry.text.search_words``) is found in the
    folded text ``field``: at the start of one of its words, or anywhere for a word of a script
    that joins words."""
    found = Q()
    prefixes = [word for word in words if not joins_words(word)]
    if prefixes:
        found &= Q(**{f"{field}__word_prefixes": prefixes})
    for word in words:
        if joins_words(word):
            found &= Q(**{f"{field}__contains": word})
    return found


class NarrowedTable(BaseTable):
    """A model's table in a query's FROM replaced by ``rows``, a query of the same table's whole rows
    (every column the model has), under the table's alias: ``FROM (SELECT … ORDER BY …) "alias"``.

    PostgreSQL keeps a subquery that has an ORDER BY apart from the joins around it and hands its
    rows on in that order. A page of organizations found by words (``search_rows``) is then: the
    matches from the GIN index, sorted, each joined to its active membership by the index until the
    page is full; rather than every match joined first (the 75,000 active memberships hashed) and
    the page sorted after, or the name index walked with each row tested (a word at the end of the
    name order, "universite", is tens of thousands of rows in). The rows are sorted as the query
    around them is when it is sorted by columns of the table itself (name or updated_at, ascending
    or descending, then id), by ``rows``' own order otherwise."""

    def __init__(self, table_name: str, alias: str, rows: QuerySet):
        super().__init__(table_name, alias)
        self.rows = rows

    def as_sql(self, compiler, connection):
        rows, ordering = self.rows, compiler.query.order_by
        columns = {"pk"} | {field.name for field in rows.model._meta.concrete_fields}
        if ordering and all(isinstance(item, str) and item.lstrip("-") in columns for item in ordering):
            rows = rows.order_by(*ordering)
        sql, params = rows.query.get_compiler(connection=connection).as_sql()
        return f"({sql}) {compiler.quote_name_unless_alias(self.table_alias)}", params

    def relabeled_clone(self, change_map):
        return self.__class__(self.table_name, change_map.get(self.table_alias, self.table_alias), self.rows)

    @property
    def identity(self):
        return self.__class__, self.table_name, self.table_alias, id(self.rows)


def narrowed_to(queryset: QuerySet, rows: QuerySet) -> QuerySet:
    """``queryset`` (a clone) whose base table is ``rows`` (``NarrowedTable``): its other filters,
    joins, ordering and slicing apply to those rows only."""
    narrowed = queryset.all()
    alias = narrowed.query.get_initial_alias()
    narrowed.query.alias_map[alias] = NarrowedTable(narrowed.model._meta.db_table, alias, rows)
    narrowed.query.unref_alias(alias)
    return narrowed


def search_rows(words: list[str]) -> QuerySet[Organization]:
    """The organizations that have ``words`` (``words_found``), every column, by name then id (the
    list's default order)."""
    return Organization.objects.filter(words_found(words)).order_by("name", "pk")
