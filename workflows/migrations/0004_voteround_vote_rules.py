# "rules" named a module, a class and this field; the field is the rules' snapshot at opening.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_notification_to_notifications"),
    ]

    operations = [
        migrations.RenameField(model_name="voteround", old_name="rules", new_name="vote_rules"),
        migrations.AlterField(
            model_name="voteround", name="vote_rules", field=models.JSONField(verbose_name="vote rules")
        ),
    ]
