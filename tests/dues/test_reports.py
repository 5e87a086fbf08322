"""The treasurer's reports: receivables by region and category on a day (reconciled with the ledger's
totals on generated ledgers), payments and collection by month, the arrears list, their CSV files
and chart, who may open them, and a constant number of queries however many members."""

import csv
import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dues import reports, services
from dues.selectors import ledger_totals
from registry.models import MembershipCategory, Region
from registry.selectors import today
from tests.dues.ledger import member, schedule
from tests.dues.test_ledger_properties import START, YEARS, actions, run
from tests.factories import committee_member, reviewer_user, secretariat_user

pytestmark = pytest.mark.django_db

RECEIVABLES = "committee-dues-receivables"
PAYMENTS = "committee-dues-payments"
ARREARS = "committee-dues-arrears"


@pytest.fixture(autouse=True)
def _quiet_feed(settings):
    settings.OFFICERS_REQUIRE_MFA = False  # two-factor has its own tests
    with mock.patch("dues.services.feed.publish"):  # the feed is tested in test_standing
        yield


def invoice(membership, year, on=None):
    return services.invoice_create(membership=membership, year=year, on=on or datetime.date(year, 1, 1))


def pay(membership, staff, amount, on, reference, **kwargs):
    return services.payment_record(
        membership=membership,
        actor=staff,
        paid_on=on,
        amount=Decimal(amount),
        currency=kwargs.pop("currency", "EUR"),
        method="bank_transfer",
        reference=reference,
        on=on,
        **kwargs,
    )


@pytest.fixture
def books():
    """Two regions (one nested in the other's sibling), three unions invoiced for 2024 and 2025:
    Kenya pays 2024 in full, Ghana part of 2024, France (associate) nothing."""
    for year in (2024, 2025):
        schedule(year=year, from_0="400.00")
        schedule(year=year, category=MembershipCategory.ASSOCIATE, from_0="100.00")
    africa = Region.objects.create(code="africa-t", name="Africa T")
    west = Region.objects.create(code="west-africa-t", name="West Africa T", parent=africa)
    europe = Region.objects.create(code="europe-t", name="Europe T")
    staff = secretariat_user()
    kenya = member(admitted_on=datetime.date(2020, 1, 1))
    ghana = member(admitted_on=datetime.date(2020, 1, 1))
    france = member(admitted_on=datetime.date(2020, 1, 1), category=MembershipCategory.ASSOCIATE)
    for membership, region in ((kenya, africa), (ghana, west), (france, europe)):
        membership.organization.region = region
        membership.organization.save(update_fields=["region"])
        invoice(membership, 2024)
        invoice(membership, 2025)
    pay(kenya, staff, "400.00", datetime.date(2024, 2, 10), "K1")
    pay(ghana, staff, "150.00", datetime.date(2024, 3, 5), "G1")
    return {"staff": staff, "kenya": kenya, "ghana": ghana, "france": france, "regions": (africa, europe)}


# --- receivables ----------------------------------------------------------------------------------------


def test_receivables_by_region_and_category_add_up_to_the_ledger(books):
    on = datetime.date(2024, 12, 31)
    report = reports.receivables(on)
    # 2024: Kenya 0, Ghana 250, France 100 (West Africa counts in Africa, its top-level region).
    assert report.by_region == [("Africa T", 1, 25000), ("Europe T", 1, 10000)]
    assert report.by_category == [("Full member", 1, 25000), ("Associate member", 1, 10000)]
    assert report.total_minor == 35000 == ledger_totals(on).receivable
    later = reports.receivables(datetime.date(2025, 6, 1))
    assert later.total_minor == 35000 + 90000 == ledger_totals(datetime.date(2025, 6, 1)).receivable


def test_the_receivables_page_and_its_csv_for_a_past_day(books, client_as):
    client = client_as(books["staff"])
    response = client.get(reverse(RECEIVABLES), {"on": "2024-12-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Africa T" in body
    assert "250.00" in body
    assert "350.00" in body

    response = client.get(reverse(RECEIVABLES), {"on": "2024-12-31", "csv": "receivables-category"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["Category", "Open invoices", "Receivable (EUR)"],
        ["Full member", "1", "250.00"],
        ["Associate member", "1", "100.00"],
        ["Total", "2", "350.00"],
    ]
    assert client.get(reverse(RECEIVABLES), {"csv": "nothing"}).status_code == 404


@pytest.mark.parametrize("on", ["2024-13-01", "yesterday", "9999-01-01", "2024-02-30"])
def test_a_malformed_or_future_day_is_a_form_error(books, client_as, on):
    client = client_as(books["staff"])
    for name in (RECEIVABLES, ARREARS):
        response = client.get(reverse(name), {"on": on})
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
        assert client.get(reverse(name), {"on": on, "csv": "arrears"}).status_code == 400
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    assert client.get(reverse(RECEIVABLES), {"on": tomorrow}).status_code == 400
    assert client.get(reverse(RECEIVABLES), {"on": today().isoformat()}).status_code == 200


@pytest.mark.parametrize("year", ["20x4", "1200", str(today().year + 2)])
def test_a_malformed_or_future_year_is_a_form_error(books, client_as, year):
    response = client_as(books["staff"]).get(reverse(PAYMENTS), {"year": year})
    assert response.status_code == 400


def test_only_the_secretariat_opens_the_reports(books, client_as, client):
    for user, expected in (
        (committee_member(), 403),
        (reviewer_user(), 403),
        (books["staff"], 200),
    ):
        for name in (RECEIVABLES, PAYMENTS, ARREARS):
            assert client_as(user).get(reverse(name)).status_code == expected, (user, name)
    client.logout()
    assert client.get(reverse(RECEIVABLES)).status_code == 302


# --- payments and collection ------------------------------------------------------------------------------


def test_payments_by_month_count_foreign_payments_at_their_recorded_value_and_reversals_when_booked(books):
    staff, kenya = books["staff"], books["kenya"]
    usd = pay(
        kenya, staff, "110.00", datetime.date(2024, 2, 20), "K2", currency="USD", rate=Decimal("0.9")
    )  # worth 99.00 EUR: credit, then on 2025's invoice
    services.payment_reverse(payment=usd, actor=staff, reason="Bounced", on=datetime.date(2024, 4, 2))
    months = reports.payments_by_month(2024)
    assert [m.month.month for m in months] == list(range(1, 13))
    feb, mar, apr = months[1], months[2], months[3]
    assert (feb.count, feb.received_minor, feb.reversed_minor, feb.net_minor) == (2, 49900, 0, 49900)
    assert (mar.count, mar.received_minor, mar.net_minor) == (1, 15000, 15000)
    assert (apr.count, apr.received_minor, apr.reversed_minor, apr.net_minor) == (0, 0, 9900, -9900)
    assert sum(m.net_minor for m in months) == ledger_totals(datetime.date(2024, 12, 31)).paid


def test_collection_by_month_and_its_chart(books, client_as):
    months = reports.collection_by_month(2024)
    assert (months[0].invoiced_minor, months[0].collected_minor) == (90000, 0)
    assert (months[1].invoiced_minor, months[1].collected_minor) == (0, 40000)
    assert (months[2].invoiced_minor, months[2].collected_minor) == (0, 15000)

    response = client_as(books["staff"]).get(reverse(PAYMENTS), {"year": "2024"})
    assert response.status_code == 200
    body = response.content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert svg.count('class="bar series-1"') == 1  # one month invoiced
    assert svg.count('class="bar series-2"') == 2  # two months collected
    assert ">900<" in svg
    assert ">400<" in svg
    assert ">150<" in svg
    assert "<script" not in body.split("<main", 1)[-1]

    response = client_as(books["staff"]).get(reverse(PAYMENTS), {"year": "2024", "csv": "collection"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Month", "Invoiced (EUR)", "Collected (EUR)"]
    assert rows[1][1:] == ["900.00", "0.00"]
    assert rows[-1] == ["Total", "900.00", "550.00"]


# --- arrears --------------------------------------------------------------------------------------------


def test_the_arrears_list_says_which_invoices_how_much_and_since_when(books):
    rows = reports.arrears(datetime.date(2025, 6, 1))
    # 2024's invoices were due on 1 March 2024 (60 days) and are in arrears 30 days after.
    by_union = {row.membership.pk: row for row in rows}
    assert set(by_union) == {books["kenya"].pk, books["ghana"].pk, books["france"].pk}
    ghana, kenya = by_union[books["ghana"].pk], by_union[books["kenya"].pk]
    assert [i.year for i in ghana.invoices] == [2024, 2025]
    assert ghana.open_minor == 25000 + 40000
    assert ghana.invoices[0].due_on == datetime.date(2024, 3, 1)
    assert ghana.since == datetime.date(2024, 4, 1)
    assert ghana.years == [2024, 2025]
    assert [i.year for i in kenya.invoices] == [2025]
    assert kenya.since == datetime.date(2025, 4, 2)
    assert rows[-1].membership.pk == books["kenya"].pk  # the longest in arrears first
    assert reports.arrears(datetime.date(2024, 3, 31)) == []
    assert len(reports.arrears(datetime.date(2024, 4, 1))) == 2


def test_the_arrears_csv_escapes_formulas(books, client_as):
    organization = books["ghana"].organization
    organization.name = '=HYPERLINK("https://evil.example","x")'
    organization.save(update_fields=["name"])
    response = client_as(books["staff"]).get(reverse(ARREARS), {"on": "2025-06-01", "csv": "arrears"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Union", "Acronym", "Region"]
    ghana = next(row for row in rows if "HYPERLINK" in row[0])
    assert ghana[0].startswith("'=")
    assert ghana[3:] == ["2024-0002 2025-0002", "650.00", "2024-04-01"]


# --- a constant number of queries ------------------------------------------------------------------------


def _queries(client, name, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    return len(queries)


def test_each_report_takes_the_same_number_of_queries_however_many_members(books, client_as):
    client = client_as(books["staff"])
    pages = [
        (RECEIVABLES, {"on": "2025-06-01"}),
        (PAYMENTS, {"year": "2024"}),
        (ARREARS, {"on": "2025-06-01"}),
        ("committee-dues-lapse", {}),
    ]
    before = [_queries(client, name, params) for name, params in pages]
    for n in range(4):
        extra = member(admitted_on=datetime.date(2020, 1, 1))
        invoice(extra, 2024)
        invoice(extra, 2025)
        pay(extra, books["staff"], "10.00", datetime.date(2024, 5, 1), f"X{n}")
    after = [_queries(client, name, params) for name, params in pages]
    assert before == after


# --- generated ledgers: the report reconciles with the ledger on every day ----------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=actions, offsets=st.lists(st.integers(0, 700), min_size=1, max_size=4))
def test_on_generated_ledgers_receivables_equal_the_ledger_totals(django_db_setup, history, offsets):
    from django.conf import settings as django_settings

    with transaction.atomic():
        for year in YEARS:
            schedule(year=year, from_0="400.00")
            schedule(year=year, category=MembershipCategory.OBSERVER, from_0="50.00")
        staff = secretariat_user()
        unions = [
            member(admitted_on=datetime.date(2023, 1, 1)),
            member(admitted_on=datetime.date(2023, 1, 1), category=MembershipCategory.OBSERVER),
            member(admitted_on=datetime.date(2023, 1, 1)),
        ]
        django_settings.RETURN_DUE_DAYS = 365
        try:
            with mock.patch("dues.services.feed.publish"):
                run(history, staff, unions)
            for offset in offsets:
                on = START + datetime.timedelta(days=offset)
                report = reports.receivables(on)
                totals = ledger_totals(on)
                assert report.total_minor == totals.receivable
                assert sum(row[2] for row in report.by_category) == totals.receivable
                arrears = reports.arrears(on)
                assert sum(a.open_minor for a in arrears) <= totals.receivable
        finally:
            django_settings.RETURN_DUE_DAYS = 90
            transaction.set_rollback(True)
