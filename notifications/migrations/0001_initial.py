# The outbox moved here from the workflows app; its table stays ``workflows_notification``.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep the model's content type (its permissions and admin log) under its new app label."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="workflows", model="notification").update(app_label="notifications")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="notifications", model="notification").update(app_label="workflows")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("workflows", "0002_notification"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('recipient_email', models.EmailField(blank=True, max_length=254, verbose_name='recipient e-mail')),
                        ('event', models.CharField(choices=[('submitted', 'Application submitted'), ('info_requested', 'Information requested'), ('resubmitted', 'Application resubmitted'), ('reviewer_assigned', 'Reviewer assigned'), ('review_complete', 'Reviews complete'), ('vote_opened', 'Vote opened'), ('vote_reminder', 'Vote reminder'), ('admitted', 'Admitted'), ('rejected', 'Rejected'), ('no_quorum', 'No quorum'), ('withdrawn', 'Withdrawn'), ('digest', 'Daily digest')], max_length=30, verbose_name='event')),
                        ('template', models.CharField(max_length=100, verbose_name='template')),
                        ('context', models.JSONField(blank=True, default=dict, verbose_name='context')),
                        ('idempotency_key', models.CharField(max_length=255, unique=True, verbose_name='idempotency key')),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10, verbose_name='state')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name='next attempt at')),
                        ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='sending since')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('message_id', models.CharField(blank=True, max_length=255, verbose_name='Message-ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notifications', to='workflows.membershipapplication', verbose_name='application')),
                        ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient user')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications (outbox)',
                        'db_table': 'workflows_notification',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['state', 'next_attempt_at'], name='notification_sweep'), models.Index(fields=['event', 'created_at'], name='notification_event')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'sending', 'sent', 'failed', 'cancelled'])), name='notification_state_valid'), models.CheckConstraint(condition=models.Q(models.Q(('state', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='notification_sent_has_time')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
