# The outbox moved to the notifications app (notifications.0001); the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_notification"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
