"""The treasurer's reports as ``registry.statistics.Figure`` tables: a header, rows whose first cell is
the label, a total row, and for the collection an SVG chart (``registry.charts``). Amounts are
``Decimal`` in the dues currency (numbers in the CSV, never formulas); the chart draws whole units."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dues import reports
from dues.money import from_minor, ledger_currency
from registry.charts import bar_chart
from registry.statistics import Figure


def _amount(minor: int) -> Decimal:
    return from_minor(minor, ledger_currency())


def _whole(minor: int) -> int:
    return int(_amount(minor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _month(month) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _in_currency(label: str) -> str:
    return _("%(label)s (%(currency)s)") % {"label": label, "currency": ledger_currency()}


def receivables(report: reports.Receivables) -> list[Figure]:
    """Two tables: by top-level region and by category, each with its total."""
    on = date_format(report.on, "DATE_FORMAT")
    figures = []
    for key, title, label, rows in (
        ("receivables-region", _("Receivables by region on %(day)s"), _("Region"), report.by_region),
        ("receivables-category", _("Receivables by category on %(day)s"), _("Category"), report.by_category),
    ):
        figures.append(
            Figure(
                key=key,
                title=title % {"day": on},
                header=[label, _("Open invoices"), _in_currency(_("Receivable"))],
                rows=[
                    *([name, count, _amount(total)] for name, count, total in rows),
                    [_("Total"), sum(row[1] for row in rows), _amount(report.total_minor)],
                ],
                description=_(
                    "What is open on the invoices issued by that day, after the credit notes, waivers "
                    "and payments booked by its end."
                ),
            )
        )
    return figures


def _payment_row(label, count: int, received: int, reversed_: int, net: int) -> list:
    return [label, count, _amount(received), _amount(reversed_), _amount(net)]


def payments(months: list[reports.MonthPayments]) -> Figure:
    rows = [
        _payment_row(_month(m.month), m.count, m.received_minor, m.reversed_minor, m.net_minor)
        for m in months
    ]
    total = _payment_row(
        _("Total"),
        sum(m.count for m in months),
        sum(m.received_minor for m in months),
        sum(m.reversed_minor for m in months),
        sum(m.net_minor for m in months),
    )
    return Figure(
        key="payments",
        title=_("Payments by month"),
        header=[
            _("Month"),
            _("Payments"),
            _in_currency(_("Received")),
            _in_currency(_("Reversed")),
            _in_currency(_("Net")),
        ],
        rows=[*rows, total],
        description=_(
            "By the month each payment was booked, at its value in the dues currency as recorded "
            "(a foreign payment at its exchange rate); a reversal counts in the month it was booked."
        ),
    )


def collection(months: list[reports.MonthCollection]) -> Figure:
    """Invoiced against collected, month by month: a pair of bars per month."""
    invoiced, collected = _("Invoiced"), _("Collected")
    chart_rows = []
    for m in months:
        chart_rows.append((_month(m.month), [_whole(m.invoiced_minor), 0]))
        chart_rows.append(("", [0, _whole(m.collected_minor)]))
    return Figure(
        key="collection",
        title=_("Collection over the year"),
        header=[_("Month"), _in_currency(invoiced), _in_currency(collected)],
        rows=[
            *([_month(m.month), _amount(m.invoiced_minor), _amount(m.collected_minor)] for m in months),
            [
                _("Total"),
                _amount(sum(m.invoiced_minor for m in months)),
                _amount(sum(m.collected_minor for m in months)),
            ],
        ],
        chart=bar_chart(chart_rows, series=[invoiced, collected]),
        description=_(
            "Invoices issued and payments collected (net of reversals) in each month; the chart rounds "
            "to whole units."
        ),
    )


def arrears(rows: list[reports.Arrears]) -> Figure:
    return Figure(
        key="arrears",
        title=_("Unions in arrears"),
        header=[
            _("Union"),
            _("Acronym"),
            _("Region"),
            _("Invoices in arrears"),
            _in_currency(_("Open in arrears")),
            _("In arrears since"),
        ],
        rows=[
            [
                row.membership.organization.name,
                row.membership.organization.acronym,
                row.membership.organization.region.localized_name,
                " ".join(invoice.number for invoice in row.invoices),
                _amount(row.open_minor),
                row.since.isoformat(),
            ]
            for row in rows
        ],
    )
