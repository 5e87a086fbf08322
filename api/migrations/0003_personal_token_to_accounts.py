# The personal API token moved to the accounts app (accounts.0001); the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_personal_token"),
        ("accounts", "0001_personal_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PersonalToken")],
            database_operations=[],
        ),
    ]
