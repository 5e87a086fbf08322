"""On PostgreSQL, a GIN index of the words of Organization.search_text for the word-prefix search
(registry.search): the expression is registry.search.words_tsvector_sql("search_text") as of this
migration, written out (a test checks that they are the same)."""

from django.db import migrations

INDEX = "registry_org_search_words_idx"
WORDS = (
    "array_to_tsvector(array_remove(string_to_array(regexp_replace(translate(search_text, "
    "'!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a\u2010\u2013\u2014\u00b7\u2022\u060c\u061b\u061f', "
    "'                                                  '), '([^ ]{250})[^ ]+', '\\1', 'g'), ' '), ''))"
)


def add_words_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_organization USING gin (({WORDS}))", None)


def drop_words_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}", None)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0011_organization_search_text_arabic_turkish"),
    ]

    operations = [
        migrations.RunPython(add_words_index, drop_words_index),
    ]
