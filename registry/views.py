"""The public pages: the landing page and the directory of affiliates."""

import datetime
from itertools import groupby
from types import SimpleNamespace

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django_countries.fields import Country

from . import history
from .forms import DirectoryFilterForm
from .models import Region
from .replica import directory_reads
from .selectors import affiliate_counts_by_country, affiliate_counts_by_region, affiliate_list, region_tree
from .statistics import figure_csv, membership_figures
from .world_map import world_map

# The bar chart's geometry, in SVG user units (the SVG scales to the page's width).
CHART_WIDTH = 400
CHART_ROW = 46
CHART_BAR = 18
CHART_LABEL_ROOM = 40  # room right of the longest bar for its number


def region_chart(as_of: datetime.date | None = None) -> dict:
    """Bars of all affiliates per top-level region (sub-regions counted in; zero included), today
    or at the end of ``as_of``."""
    counts = (
        affiliate_counts_by_region() if as_of is None else history.affiliate_counts_by_region_as_of(as_of)
    )
    regions = [region for region, depth in region_tree() if depth == 0]
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


@require_safe
@directory_reads
def directory(request):
    """Affiliates grouped by top-level region; search, filter by region and country; a world map
    of members per country (each country a link to its filter) and a chart per region. With
    ``as_of``, all of it as at the end of that day (``registry.history``); a date it cannot answer
    for is a form error (400)."""
    form = DirectoryFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "registry/directory.html",
            {
                "form": form,
                "groups": [],
                "total": 0,
                "chart": region_chart(),
                "world_map": world_map(affiliate_counts_by_country()),
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
    if as_of is None:
        affiliates = affiliate_list(**chosen).select_related("region__parent")
        affiliates = affiliates.order_by("region__parent__name", "name")
        by_country = affiliate_counts_by_country()
    else:
        affiliates = affiliates_as_of(as_of, chosen)
        by_country = history.affiliate_counts_by_country_as_of(as_of)

    def top_region(org):
        return org.region.parent or org.region

    rows = sorted(affiliates, key=lambda org: (top_region(org).name, org.name.casefold()))
    groups = [(region, list(members)) for region, members in groupby(rows, key=top_region)]
    return render(
        request,
        "registry/directory.html",
        {
            "form": form,
            "groups": groups,
            "total": len(rows),
            "as_of": as_of,
            "chart": region_chart(as_of),
            "world_map": world_map(by_country, selected=filters.get("country") or ""),
        },
    )


def affiliates_as_of(day, filters: dict) -> list[SimpleNamespace]:
    """The affiliates listed at the end of ``day`` (``registry.history``), shaped as the page reads an
    organization: name, acronym, city, country, category and standing as they were; grouped under
    the region as it is now (its id then)."""
    regions = {region.pk: region for region in Region.objects.select_related("parent")}
    found = []
    for row in history.affiliate_rows_as_of(day, **filters).order_by().iterator(2000):
        entry = row["entry"]
        region = regions.get(row["region_id"]) or SimpleNamespace(
            code=entry["region__code"], name=entry["region__name"], parent=None
        )
        found.append(
            SimpleNamespace(
                slug=entry["slug"],
                name=entry["name"],
                acronym=entry["acronym"],
                city=entry["city"],
                country=Country(entry["country"]),
                category=entry["category"],
                in_good_standing=entry["in_good_standing"],
                region=region,
            )
        )
    return found


# At most this many other affiliates of the same country on an affiliate's page.
SAME_COUNTRY_SHOWN = 12


@require_safe
@directory_reads
def affiliate_detail(request, slug: str):
    """One affiliate: its facts, links into the directory, and other affiliates of its country."""
    organization = get_object_or_404(affiliate_list().select_related("region__parent"), slug=slug)
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
