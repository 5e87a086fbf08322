# The personal API token moved here from the api app; its table stays ``api_personaltoken``.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep the model's content type (its permissions and admin log) under its new app label."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="api", model="personaltoken").update(app_label="accounts")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="accounts", model="personaltoken").update(app_label="api")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("api", "0002_personal_token"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PersonalToken",
                    fields=[
                        ("id", models.CharField(editable=False, max_length=150, primary_key=True, serialize=False, unique=True)),
                        ("prefix", models.CharField(editable=False, max_length=8, unique=True)),
                        ("hashed_key", models.CharField(editable=False, max_length=150)),
                        ("created", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("name", models.CharField(default=None, help_text="A free-form name for the API key. Need not be unique. 50 characters max.", max_length=50)),
                        ("revoked", models.BooleanField(blank=True, default=False, help_text="If the API key is revoked, clients cannot use it anymore. (This cannot be undone.)")),
                        ("expiry_date", models.DateTimeField(blank=True, help_text="Once API key expires, clients cannot use it anymore.", null=True, verbose_name="Expires")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="personal_tokens", to=settings.AUTH_USER_MODEL, verbose_name="user")),
                    ],
                    options={
                        "verbose_name": "personal API token",
                        "verbose_name_plural": "personal API tokens",
                        "ordering": ("-created",),
                        "abstract": False,
                        "db_table": "api_personaltoken",
                        "indexes": [models.Index(fields=["user", "revoked"], name="personal_token_user")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
