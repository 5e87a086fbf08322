"""The committee's statistics page (/committee/statistics/): the public summary's figures, the members
not in good standing, and the applications by state and by time per stage; ``?csv=<figure>``
downloads one table. Thin: the figures are ``registry.statistics`` and ``workflows.statistics``."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from portal.views.common import committee_required
from registry.statistics import figure_csv, membership_figures, not_in_good_standing
from workflows.statistics import application_figures


@require_safe
@committee_required
def committee_statistics(request):
    figures = [*membership_figures(), not_in_good_standing(), *application_figures()]
    if "csv" in request.GET:
        return figure_csv(figures, request.GET["csv"])
    return render(request, "portal/committee_statistics.html", {"figures": figures})
