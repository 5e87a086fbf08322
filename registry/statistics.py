"""The federation in numbers, over time: reads for the public summary (/statistics/) and the
committee's page (/committee/statistics/). Each figure is a ``Figure``: a table (the first cell of a
row is its label), an optional chart of it (``registry.charts``) and a key for its CSV download.

A fixed number of queries however many members: the memberships' dates are read once (one row per
membership, a few columns) and counted in Python, per federation year (``federation_year``).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import BooleanField, ExpressionWrapper
from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext as _
from django_countries import countries

from .charts import bar_chart
from .csv_export import csv_lines
from .models import CURRENT_STATES, CountryRegion, EndReason, Membership, MembershipCategory, Region
from .selectors import active_on_q, federation_year, good_standing_q, today, year_start


@dataclass(frozen=True)
class Figure:
    key: str  # the CSV's name and the section's id
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: dict | None = None
    description: str = ""
    csv_header: list[str] = field(default_factory=list)  # when the CSV says more than the table:
    csv_rows: list[list[Any]] = field(default_factory=list)  # its own header and rows
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, text) under the table

    @property
    def wide(self) -> bool:
        """Too many columns to stand beside the chart: the table goes under it."""
        return len(self.header) > 4


class Span(NamedTuple):
    """One membership as the statistics read it."""

    admitted_on: datetime.date
    ended_on: datetime.date | None
    end_reason: str
    category: str
    region_id: int
    country: str

    def member_on(self, day: datetime.date) -> bool:
        return self.admitted_on <= day and (self.ended_on is None or self.ended_on > day)


def membership_spans() -> list[Span]:
    """Every membership's dates, category, region and country (one query)."""
    rows = Membership.objects.values_list(
        "admitted_on",
        "ended_on",
        "end_reason",
        "category",
        "organization__region_id",
        "organization__country",
    )
    return [Span(*row) for row in rows.order_by("admitted_on", "pk")]


class RegionTree(NamedTuple):
    top: list[Region]  # the top-level regions, by name
    top_of: dict[int, int]  # any region's id → its top-level region's id


def region_tree_tops() -> RegionTree:
    """The top-level regions and, for every region, the top-level region it lies in (one query)."""
    regions = list(Region.objects.order_by("name"))
    parents = {r.pk: r.parent_id for r in regions}

    def top_of(pk: int) -> int:
        while parents.get(pk) is not None:
            pk = parents[pk]
        return pk

    return RegionTree([r for r in regions if r.parent_id is None], {r.pk: top_of(r.pk) for r in regions})


def year_end(year: int, on: datetime.date) -> datetime.date:
    """The last day of federation year ``year``, or ``on`` for the year ``on`` falls in."""
    return min(year_start(year + 1) - datetime.timedelta(days=1), on)


def years_of(spans: list[Span], on: datetime.date) -> list[int]:
    """The federation years from the first admission to ``on``'s."""
    if not spans:
        return []
    first = min(federation_year(s.admitted_on) for s in spans)
    return list(range(first, federation_year(on) + 1))


# --- members over time ---------------------------------------------------------------------------------


def members_by_year(spans: list[Span], on: datetime.date) -> Figure:
    """Per federation year: admissions, exits by reason, net growth, members at the year's end."""
    reasons = list(EndReason)
    admitted = Counter(federation_year(s.admitted_on) for s in spans if s.admitted_on <= on)
    exits = Counter(
        (federation_year(s.ended_on), s.end_reason)
        for s in spans
        if s.ended_on is not None and s.ended_on <= on
    )
    rows = []
    for year in years_of(spans, on):
        left = [exits[(year, reason.value)] for reason in reasons]
        members = sum(s.member_on(year_end(year, on)) for s in spans)
        rows.append([year, admitted[year], *left, admitted[year] - sum(left), members])
    return Figure(
        key="members-by-year",
        title=_("Members by year: admissions, exits and net growth"),
        description=_("Federation years. Members are counted on the year's last day (today for this year)."),
        header=[
            _("Year"),
            _("Admissions"),
            *[_("Exits: %(reason)s") % {"reason": reason.label} for reason in reasons],
            _("Net growth"),
            _("Members"),
        ],
        rows=rows,
        chart=bar_chart([(str(r[0]), [r[-1]]) for r in rows]),
    )


def _by_year_figure(spans, on, *, key, title, columns: list[tuple[Any, str]], column_of: Callable) -> Figure:
    """Members on each year's last day, one column per value of ``column_of(span)``."""
    rows = []
    for year in years_of(spans, on):
        day = year_end(year, on)
        counts = Counter(column_of(s) for s in spans if s.member_on(day))
        values = [counts[value] for value, _label in columns]
        rows.append([year, *values, sum(values)])
    labels = [label for _value, label in columns]
    return Figure(
        key=key,
        title=title,
        description=_("Members on each federation year's last day (today for this year)."),
        header=[_("Year"), *labels, _("Total")],
        rows=rows,
        chart=bar_chart([(str(r[0]), r[1:-1]) for r in rows], series=labels),
    )


def members_by_region_and_year(spans: list[Span], tree: RegionTree, on: datetime.date) -> Figure:
    return _by_year_figure(
        spans,
        on,
        key="members-by-region",
        title=_("Members per region by year"),
        columns=[(r.pk, r.name) for r in tree.top],
        column_of=lambda s: tree.top_of.get(s.region_id),
    )


def members_by_category_and_year(spans: list[Span], on: datetime.date) -> Figure:
    return _by_year_figure(
        spans,
        on,
        key="members-by-category",
        title=_("Members per category by year"),
        columns=[(c.value, str(c.label)) for c in MembershipCategory],
        column_of=lambda s: s.category,
    )


def members_by_region_and_category(spans: list[Span], tree: RegionTree, on: datetime.date) -> Figure:
    """Today's members: one row per top-level region, one column per category."""
    categories = list(MembershipCategory)
    counts = Counter((tree.top_of.get(s.region_id), s.category) for s in spans if s.member_on(on))
    rows = []
    for region in tree.top:
        values = [counts[(region.pk, c.value)] for c in categories]
        rows.append([region.localized_name, *values, sum(values)])
    labels = [str(c.label) for c in categories]
    return Figure(
        key="members-by-region-and-category",
        title=_("Members today per region and category"),
        header=[_("Region"), *labels, _("Total")],
        rows=rows,
        chart=bar_chart([(r[0], r[1:-1]) for r in rows], series=labels),
    )


def countries_without_members(spans: list[Span], tree: RegionTree, on: datetime.date) -> Figure:
    """Per top-level region: its countries, how many have a member today, and those that have none."""
    with_members = {s.country for s in spans if s.member_on(on)}
    by_region: dict[int, list[str]] = defaultdict(list)
    for country, region_id in CountryRegion.objects.values_list("country", "region_id"):
        by_region[tree.top_of.get(region_id)].append(country)
    rows, names = [], []
    for region in tree.top:
        codes = by_region[region.pk]
        missing = sorted(str(countries.name(c) or c) for c in codes if c not in with_members)
        rows.append([region.localized_name, len(codes), len(codes) - len(missing), len(missing)])
        names.append(", ".join(missing))
    series = [_("With a member"), _("Without a member")]
    header = [_("Region"), _("Countries"), _("With a member"), _("Without a member")]
    return Figure(
        key="countries-without-members",
        title=_("Countries with no member, per region"),
        header=header,
        rows=rows,
        chart=bar_chart([(r[0], [r[2], r[3]]) for r in rows], series=series),
        csv_header=[*header, _("Countries without a member")],
        csv_rows=[[*row, text] for row, text in zip(rows, names, strict=True)],
        notes=[(row[0], text) for row, text in zip(rows, names, strict=True) if text],
    )


def membership_figures(*, on: datetime.date | None = None) -> list[Figure]:
    """The figures of members over time, as of ``on`` (today): four queries, however many members."""
    on = on or today()
    spans, tree = membership_spans(), region_tree_tops()
    return [
        members_by_year(spans, on),
        members_by_region_and_year(spans, tree, on),
        members_by_category_and_year(spans, on),
        members_by_region_and_category(spans, tree, on),
        countries_without_members(spans, tree, on),
    ]


def not_in_good_standing(*, on: datetime.date | None = None) -> Figure:
    """The current members (active or suspended) not in good standing on ``on``, by name, with why (one query)."""
    on = on or today()
    year = federation_year(on)
    memberships = (
        Membership.objects.filter(state__in=CURRENT_STATES)
        .exclude(good_standing_q(on))
        .annotate(active=ExpressionWrapper(active_on_q(on), output_field=BooleanField()))
        .select_related("organization")
        .order_by("organization__name", "pk")
    )
    rows = [
        [
            m.organization.name,
            str(countries.name(m.organization.country.code) or m.organization.country.code),
            str(MembershipCategory(m.category).label),
            _("The return %(year)d is missing.") % {"year": year}
            if m.active
            else _("Not active: suspended."),
        ]
        for m in memberships
    ]
    return Figure(
        key="not-in-good-standing",
        title=_("Members not in good standing today"),
        header=[_("Union"), _("Country"), _("Category"), _("Why")],
        rows=rows,
    )


# --- pages ----------------------------------------------------------------------------------------------


def figure_csv(figures: list[Figure], key: str) -> StreamingHttpResponse:
    """The figure ``key`` as a CSV download (formula cells neutralised); 404 for an unknown key."""
    figure = next((f for f in figures if f.key == key), None)
    if figure is None:
        raise Http404
    response = StreamingHttpResponse(
        csv_lines([str(h) for h in figure.csv_header or figure.header], figure.csv_rows or figure.rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{figure.key}.csv"'
    return response
