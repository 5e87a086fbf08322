"""The public directory of affiliates."""

from itertools import groupby

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .forms import DirectoryFilterForm
from .selectors import affiliate_list


@require_safe
def directory(request):
    """Affiliates grouped by top-level region, filtered by region and country."""
    form = DirectoryFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request, "registry/directory.html", {"form": form, "groups": [], "total": 0}, status=400
        )
    filters = form.cleaned_data if form.is_bound else {}
    affiliates = affiliate_list(region=filters.get("region"), country=filters.get("country") or None)
    affiliates = affiliates.select_related("region__parent").order_by("region__parent__name", "name")

    def top_region(org):
        return org.region.parent or org.region

    rows = sorted(affiliates, key=lambda org: (top_region(org).name, org.name.casefold()))
    groups = [(region, list(members)) for region, members in groupby(rows, key=top_region)]
    return render(request, "registry/directory.html", {"form": form, "groups": groups, "total": len(rows)})


@require_safe
def affiliate_detail(request, slug: str):
    organization = get_object_or_404(affiliate_list().select_related("region__parent"), slug=slug)
    return render(request, "registry/affiliate_detail.html", {"organization": organization})
