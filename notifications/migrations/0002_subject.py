# A generic outbox: a row says what it is about by content type and id, not by an
# application foreign key, so memberships, meetings and invoices can be subjects too.

import django.db.models.deletion
from django.db import migrations, models


def application_to_subject(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Notification = apps.get_model("notifications", "Notification")
    if not Notification.objects.filter(application__isnull=False).exists():
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="workflows", model="membershipapplication")
    Notification.objects.filter(application__isnull=False).update(
        subject_type=content_type, subject_id=models.F("application_id")
    )


def subject_to_application(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(
        subject_type__app_label="workflows", subject_type__model="membershipapplication"
    ).update(application_id=models.F("subject_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0001_initial"),
        ("workflows", "0003_notification_to_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="contenttypes.contenttype",
                verbose_name="about (type)",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="about (id)"),
        ),
        migrations.RunPython(application_to_subject, subject_to_application),
        migrations.RemoveField(model_name="notification", name="application"),
        migrations.AlterField(
            model_name="notification",
            name="event",
            field=models.CharField(max_length=50, verbose_name="event"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
        ),
    ]
