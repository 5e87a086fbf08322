"""On PostgreSQL, no parallel workers for scans of the organization table
(``ALTER TABLE … SET (parallel_workers = 0)``).

The directory's queries are short and many. For a search by a common word, the planner split the
fetching of its matches between two workers; on two cores, starting them and merging their sorted
halves doubled the query (21 ms against 11.5 ms for ``universite`` at 100,000 organizations, 20
runs each, ``max_parallel_workers_per_gather`` 2 against 0). Other tables keep the server's setting.
"""

from django.db import migrations


def serial_scans(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_organization SET (parallel_workers = 0)", None)


def parallel_scans(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_organization RESET (parallel_workers)", None)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0014_region_change_stamp"),
    ]

    operations = [
        migrations.RunPython(serial_scans, parallel_scans),
    ]
