"""The invoice keeps the category and the schedule's band it was priced for. Invoices issued
before have neither: they take the membership's category and band as they stand now (the best
the books know; what changed since cannot be told from the rows)."""

from django.db import migrations, models


def fill_from_the_membership(apps, schema_editor):
    Invoice = apps.get_model("dues", "Invoice")
    DuesRate = apps.get_model("dues", "DuesRate")
    invoices = Invoice.objects.select_related("membership__organization").order_by("pk")
    for invoice in invoices.iterator(chunk_size=500):
        membership = invoice.membership
        students = membership.organization.students_represented or 0
        band = (
            DuesRate.objects.filter(year=invoice.year, category=membership.category, students_from__lte=students)
            .order_by("-students_from")
            .values_list("students_from", flat=True)
            .first()
        )
        invoice.category = membership.category
        invoice.students_from = band or 0
        invoice.save(update_fields=["category", "students_from"])


class Migration(migrations.Migration):
    dependencies = [
        ("dues", "0004_waiver_form_token"),
        ("registry", "0011_organization_search_text_arabic_turkish"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="category",
            field=models.CharField(
                choices=[("full", "Full member"), ("associate", "Associate member"), ("observer", "Observer")],
                default="",
                max_length=20,
                verbose_name="category",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoice",
            name="students_from",
            field=models.PositiveIntegerField(default=0, verbose_name="band: from students represented"),
        ),
        migrations.RunPython(fill_from_the_membership, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(condition=models.Q(("category", ""), _negated=True), name="invoice_category_given"),
        ),
    ]
