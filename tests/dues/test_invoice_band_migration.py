"""Migration dues 0005: invoices issued before it take the category and band of their membership
as it stands."""

import datetime

import pytest

from tests.migrations import migrate

REGISTRY = ("registry", "0011_organization_search_text_arabic_turkish")  # the registry as it is today
BEFORE = [("dues", "0004_waiver_form_token"), REGISTRY]
AFTER = [("dues", "0005_invoice_priced_category_and_band"), REGISTRY]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_existing_invoices_take_their_membership_s_category_and_band():
    old = migrate(BEFORE)
    try:
        Region = old.get_model("registry", "Region")
        Organization = old.get_model("registry", "Organization")
        Membership = old.get_model("registry", "Membership")
        DuesRate = old.get_model("dues", "DuesRate")
        Invoice = old.get_model("dues", "Invoice")
        region = Region.objects.create(code="m-dues", name="Migration test")
        for category, students_from, amount in [
            ("full", 0, 50000),
            ("full", 5000, 200000),
            ("observer", 0, 1000),
        ]:
            DuesRate.objects.create(
                year=2026, category=category, students_from=students_from, amount_minor=amount, currency="EUR"
            )
        invoices = []
        for n, (category, students) in enumerate([("full", 6000), ("full", None), ("observer", 90000)]):
            organization = Organization.objects.create(
                name=f"U{n}",
                slug=f"mu-{n}",
                country="KE",
                region=region,
                students_represented=students,
            )
            membership = Membership.objects.create(
                organization=organization, category=category, admitted_on=datetime.date(2020, 1, 1)
            )
            invoices.append(
                Invoice.objects.create(
                    membership=membership,
                    year=2026,
                    seq=n + 1,
                    number=f"2026-{n + 1:04d}",
                    issued_on=datetime.date(2026, 1, 1),
                    due_on=datetime.date(2026, 3, 1),
                    amount_minor=1000,
                    currency="EUR",
                ).pk
            )
    finally:
        new = migrate(AFTER)

    Invoice = new.get_model("dues", "Invoice")
    stored = {i.pk: (i.category, i.students_from) for i in Invoice.objects.filter(pk__in=invoices)}
    assert [stored[pk] for pk in invoices] == [("full", 5000), ("full", 0), ("observer", 0)]
