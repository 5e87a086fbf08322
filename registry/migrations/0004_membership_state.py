# The membership's typed "standing" (active / suspended / withdrawn) was its state, not its
# standing: it becomes ``state`` (active / suspended / ended) with an ``end_reason``. Good
# standing is computed from dated rows (registry.selectors.good_standing_q), never typed.

import datetime

from django.db import migrations, models

STATE_CHOICES = [("active", "Active"), ("suspended", "Suspended"), ("ended", "Ended")]
REASON_CHOICES = [
    ("withdrawn", "Withdrawn"),
    ("expelled", "Expelled"),
    ("lapsed", "Lapsed"),
    ("dissolved", "Dissolved"),
]


def _end_date(row) -> datetime.date:
    """A withdrawn membership without an end date ended, at the latest, when it was last changed."""
    if row.ended_on is not None:
        return row.ended_on
    return max(row.admitted_on, row.updated_at.date())


def withdrawn_to_ended(apps, schema_editor):
    """withdrawn → ended (reason: withdrawn, with an end date); the record of changes likewise."""
    for name in ("Membership", "HistoricalMembership"):
        model = apps.get_model("registry", name)
        for row in model.objects.filter(state="withdrawn").only("pk", "admitted_on", "ended_on", "updated_at"):
            model.objects.filter(pk=row.pk).update(state="ended", end_reason="withdrawn", ended_on=_end_date(row))
    # An active or suspended membership has no end date (the old schema allowed none either).


def ended_to_withdrawn(apps, schema_editor):
    for name in ("Membership", "HistoricalMembership"):
        model = apps.get_model("registry", name)
        model.objects.filter(state="ended").update(state="withdrawn")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0003_history_and_archived_decisions"),
    ]

    operations = [
        # The old constraints and indexes name the old field and values.
        migrations.RemoveConstraint(model_name="membership", name="membership_one_active_per_organization"),
        migrations.RemoveConstraint(model_name="membership", name="membership_only_withdrawn_has_end"),
        migrations.RemoveConstraint(model_name="membership", name="membership_standing_valid"),
        migrations.RemoveIndex(model_name="membership", name="membership_active_admitted_idx"),
        migrations.RemoveIndex(model_name="membership", name="registry_me_standin_29cab5_idx"),
        migrations.RenameField(model_name="membership", old_name="standing", new_name="state"),
        migrations.RenameField(model_name="historicalmembership", old_name="standing", new_name="state"),
        migrations.AlterField(
            model_name="membership",
            name="state",
            field=models.CharField(choices=STATE_CHOICES, default="active", max_length=20, verbose_name="state"),
        ),
        migrations.AlterField(
            model_name="historicalmembership",
            name="state",
            field=models.CharField(choices=STATE_CHOICES, default="active", max_length=20, verbose_name="state"),
        ),
        migrations.AddField(
            model_name="membership",
            name="end_reason",
            field=models.CharField(blank=True, choices=REASON_CHOICES, max_length=20, verbose_name="end reason"),
        ),
        migrations.AddField(
            model_name="historicalmembership",
            name="end_reason",
            field=models.CharField(blank=True, choices=REASON_CHOICES, max_length=20, verbose_name="end reason"),
        ),
        migrations.RunPython(withdrawn_to_ended, ended_to_withdrawn),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(fields=["state", "category"], name="membership_state_category_idx"),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(("state", "active")),
                fields=["admitted_on", "organization"],
                name="membership_active_admitted_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "active")),
                fields=("organization",),
                name="membership_one_active_per_organization",
                violation_error_message="This organization already has an active membership.",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "ended"), ("ended_on__isnull", False), models.Q(("end_reason", ""), _negated=True)),
                    models.Q(models.Q(("state", "ended"), _negated=True), ("ended_on__isnull", True), ("end_reason", "")),
                    _connector="OR",
                ),
                name="membership_ended_has_date_and_reason",
                violation_error_message="An ended membership has an end date and a reason; an active or suspended one has neither.",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["active", "suspended", "ended"])), name="membership_state_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(("end_reason__in", ["", "withdrawn", "expelled", "lapsed", "dissolved"])),
                name="membership_end_reason_valid",
            ),
        ),
    ]
