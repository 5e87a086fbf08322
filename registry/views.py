"""The public pages: the landing page and the directory of affiliates."""

from dataclasses import dataclass, replace
from itertools import groupby
from types import SimpleNamespace
from typing import Any

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import directory_pages, history
from .forms import DirectoryFilterForm
from .replica import directory_reads
from .selectors import affiliate_list, region_tree
from .statistics import figure_csv, membership_figures
from .world_map import world_map

# The bar chart's geometry, in SVG user units (the SVG scales to the page's width).
CHART_WIDTH = 400
CHART_ROW = 46
CHART_BAR = 18
CHART_LABEL_ROOM = 40  # room right of the longest bar for its number


def region_chart(counts: dict[int, int], tree: list) -> dict:
    """Bars of all affiliates per top-level region of ``tree`` (``region_tree``), ``counts`` per
    region id (sub-regions counted in; zero included)."""
    regions = [region for region, depth in tree if depth == 0]
    top = max(counts.values(), default=0) or 1
    bars = []
    for index, region in enumerate(regions):
        n = counts.get(region.pk, 0)
        y = index * CHART_ROW
        bars.append(
            {
                "region": region,
                "count": n,
                "label_y": y + 16,
                "bar_y": y + 22,
                "width": round((CHART_WIDTH - CHART_LABEL_ROOM) * n / top, 1),
                "value_x": round((CHART_WIDTH - CHART_LABEL_ROOM) * n / top + 6, 1),
                "value_y": y + 22 + CHART_BAR - 4,
            }
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": len(bars) * CHART_ROW, "bar_height": CHART_BAR}


@dataclass(frozen=True)
class RegionGroup:
    """One heading of a directory page: the top-level region, its rows on this page, its count in
    the whole list, and whether the page goes on with a region the previous page began."""

    region: Any
    rows: list[dict]
    count: int
    continued: bool


def region_groups(page: directory_pages.DirectoryPage, counts: dict[str, int], tops: dict[str, Any]):
    """The page's rows under their top-level region (``tops``: the regions by name; as of a date, a
    region deleted since then is headed by the code and name its entries recorded)."""
    groups = []
    for name, rows in groupby(page.rows, key=lambda row: row["top_region"]):
        rows = list(rows)
        region = tops.get(name) or SimpleNamespace(
            code=rows[0].get("region_code", ""), name=name, localized_name=name
        )
        continued = not groups and page.region_before == name
        groups.append(RegionGroup(region=region, rows=rows, count=counts.get(name, 0), continued=continued))
    return groups


def page_link(request, cursor: directory_pages.DirectoryCursor | None) -> str | None:
    """This page's query (its filters kept) with ``cursor`` in place of the current one."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = directory_pages.encode_cursor(cursor)
    return f"?{query.urlencode()}"


@require_safe
@directory_reads
def directory(request):
    """Affiliates grouped by top-level region, a page at a time (``registry.directory_pages``);
    search, filter by region and country; a world map of members per country (each country a link to
    its filter) and a chart per region. With ``as_of``, all of it as at the end of that day
    (``registry.history``); a date it cannot answer for, or a page link that is not one, is a form
    error (400)."""
    tree = region_tree()
    aggregates = directory_pages.directory_aggregates()
    form = DirectoryFilterForm(request.GET or None, countries=aggregates.by_country)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "registry/directory.html",
            {
                "form": form,
                "groups": [],
                "total": 0,
                "chart": region_chart(directory_pages.counts_by_region(aggregates, tree), tree),
                "world_map": world_map(aggregates.by_country),
            },
            status=400,
        )
    filters = form.cleaned_data if form.is_bound else {}
    chosen = {
        "region": filters.get("region"),
        "country": filters.get("country") or None,
        "search": filters.get("q") or None,
        "good_standing": filters.get("standing"),
    }
    as_of = filters.get("as_of")
    parts = None
    if as_of is None:
        chart = region_chart(directory_pages.counts_by_region(aggregates, tree), tree)
        rows = directory_pages.directory_rows(chosen)
        parts = directory_pages.directory_rows_by_region(chosen, tree)
        by_country = aggregates.by_country
    else:
        chart = region_chart(history.affiliate_counts_by_region_as_of(as_of), tree)
        rows = directory_pages.directory_rows_as_of(as_of, chosen)
        by_country = history.affiliate_counts_by_country_as_of(as_of)
    tops = {bar["region"].name: bar["region"] for bar in chart["bars"]}
    if as_of is None and not any(value is not None for value in chosen.values()):
        counts = {bar["region"].name: bar["count"] for bar in chart["bars"]}  # the chart's: no second scan
    else:
        counts = directory_pages.region_counts(rows)
    page = directory_pages.directory_page(
        rows, cursor=filters.get("cursor"), size=directory_pages.page_size(), parts=parts
    )
    shown = page.rows if as_of is not None else directory_pages.with_standing(page.rows)
    page = replace(page, rows=[directory_pages.shown_row(row) for row in shown])
    return render(
        request,
        "registry/directory.html",
        {
            "form": form,
            "groups": region_groups(page, counts, tops),
            "total": sum(counts.values()),
            "next_page": page_link(request, page.next),
            "previous_page": page_link(request, page.previous),
            "as_of": as_of,
            "chart": chart,
            "world_map": world_map(by_country, selected=filters.get("country") or ""),
        },
    )


# At most this many other affiliates of the same country on an affiliate's page.
SAME_COUNTRY_SHOWN = 12


@require_safe
@directory_reads
def affiliate_detail(request, slug: str):
    """One affiliate: its facts, links into the directory, and other affiliates of its country."""
    organization = affiliate_list().select_related("region__parent").filter(slug=slug).first()
    if organization is None:  # a former slug (a link from the directory as of a date): to its page now
        now = history.current_slug(slug)
        if now is None:
            raise Http404(_("No affiliate has this slug."))
        return redirect(reverse("affiliate-detail", kwargs={"slug": now}), permanent=True)
    same_country = list(
        affiliate_list(country=organization.country.code)
        .exclude(pk=organization.pk)
        .order_by("name")[:SAME_COUNTRY_SHOWN]
    )
    return render(
        request,
        "registry/affiliate_detail.html",
        {"organization": organization, "same_country": same_country},
    )


@require_safe
@directory_reads
def statistics(request):
    """The public summary: members over time, per region and category, countries without a member;
    ``?csv=<figure>`` downloads one table."""
    figures = membership_figures()
    if "csv" in request.GET:
        return figure_csv(figures, request.GET["csv"])
    return render(request, "registry/statistics.html", {"figures": figures})


@require_safe
def home(request):
    return render(request, "home.html", {"affiliate_count": affiliate_list().count()})


@require_safe
def privacy(request):
    """What the registry keeps about people and unions, and who sees it."""
    return render(request, "registry/privacy.html")
