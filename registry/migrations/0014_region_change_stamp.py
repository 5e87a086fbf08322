"""On PostgreSQL, a one-row table that every statement changing the regions counts in
(``registry_region_stamp.changes``, bumped by a statement trigger, committed with the change), so
the directory's version (``registry.directory_cache``) reads one number instead of aggregating every
region at each request. It is not a model: a flush of the models' tables leaves it, and its trigger,
in place. SQLite keeps aggregating the regions (an in-process read)."""

from django.db import migrations

CREATE = """
CREATE TABLE registry_region_stamp (
    id smallint PRIMARY KEY CHECK (id = 1),
    changes bigint NOT NULL
);
INSERT INTO registry_region_stamp (id, changes) VALUES (1, 0);
CREATE FUNCTION registry_region_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_region_stamp SET changes = changes + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_region_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON registry_region
    FOR EACH STATEMENT EXECUTE FUNCTION registry_region_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS registry_region_changed ON registry_region;
DROP FUNCTION IF EXISTS registry_region_changed();
DROP TABLE IF EXISTS registry_region_stamp;
"""


def add_stamp(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_stamp(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_organization_region_name_index"),
    ]

    operations = [
        migrations.RunPython(add_stamp, drop_stamp),
    ]
