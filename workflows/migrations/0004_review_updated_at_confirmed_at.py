"""Reviews keep when they were last written and when their author confirmed them unchanged."""

import django.utils.timezone
from django.db import migrations, models


def written_when_submitted(apps, schema_editor):
    """A review kept so far was last written when it was submitted."""
    Review = apps.get_model("workflows", "Review")
    Review.objects.update(updated_at=models.F("submitted_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_notification_to_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="last written at"),
        ),
        migrations.AddField(
            model_name="review",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed unchanged at"),
        ),
        migrations.RunPython(written_when_submitted, migrations.RunPython.noop, elidable=True),
    ]
