"""The treasurer's reports for the secretariat (/committee/dues/reports/…): receivables on a day by
region and by category, the payments of a federation year by month with the collection chart, the
unions in arrears; each table downloads as CSV (``?csv=<key>``). And the committee's lapse list
(/committee/dues/lapse/), from which the secretariat proposes a lapse motion.

Thin: read ``?on=`` or ``?year=`` (a malformed or future value is a form error, status 400), let
``dues.reports`` compute, shape the tables (``portal.dues_figures``).
"""

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts import roles
from dues import reports
from dues.money import ledger_currency
from portal import dues_figures
from portal.views.common import committee_required, secretariat_required
from registry.selectors import federation_year, today
from registry.statistics import figure_csv
from workflows.models import MOTION_OPEN_STATES, Motion, MotionKind

FIRST_YEAR = 1900


class OnDateForm(forms.Form):
    """``?on=YYYY-MM-DD``: the day the report is as of (today when not given); never after today."""

    on = forms.DateField(
        label=_("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_on(self):
        on = self.cleaned_data.get("on") or today()
        if on > today():
            raise forms.ValidationError(_("Choose today or an earlier day: the books are not written yet."))
        return on


class YearForm(forms.Form):
    """``?year=YYYY``: a federation year up to the current one (the current one when not given)."""

    year = forms.IntegerField(label=_("Federation year"), required=False, min_value=FIRST_YEAR)

    def clean_year(self):
        year = self.cleaned_data.get("year") or federation_year(today())
        if year > federation_year(today()):
            raise forms.ValidationError(_("Choose the current federation year or an earlier one."))
        return year


def _report(request, template: str, form_class, build, *, active: str):
    """Read the form (always bound: an empty field takes its default), build the figures, answer the
    page or the CSV of one figure (``?csv=<key>``; 404 for an unknown key)."""
    form = form_class(request.GET)
    context = {"form": form, "active": active, "figures": [], "query": ""}
    if not form.is_valid():
        return render(request, template, context, status=400)
    key = next(iter(form.fields))
    value = form.cleaned_data[key]
    figures = build(value)
    if "csv" in request.GET:
        return figure_csv(figures, request.GET["csv"])
    context.update(figures=figures, value=value, query=f"{key}={value}")
    return render(request, template, context)


@require_safe
@secretariat_required
def receivables(request):
    return _report(
        request,
        "portal/committee_dues_report.html",
        OnDateForm,
        lambda on: dues_figures.receivables(reports.receivables(on)),
        active="receivables",
    )


@require_safe
@secretariat_required
def payments(request):
    return _report(
        request,
        "portal/committee_dues_report.html",
        YearForm,
        lambda year: [
            dues_figures.collection(reports.collection_by_month(year)),
            dues_figures.payments(reports.payments_by_month(year)),
        ],
        active="payments",
    )


@require_safe
@secretariat_required
def arrears(request):
    form = OnDateForm(request.GET)
    context = {"form": form, "active": "arrears", "rows": [], "query": "", "currency": ledger_currency()}
    if not form.is_valid():
        return render(request, "portal/committee_dues_arrears.html", context, status=400)
    on = form.cleaned_data["on"]
    rows = reports.arrears(on)
    if "csv" in request.GET:
        if request.GET["csv"] != "arrears":
            raise Http404
        return figure_csv([dues_figures.arrears(rows)], "arrears")
    context.update(rows=rows, on=on, query=f"on={on}")
    return render(request, "portal/committee_dues_arrears.html", context)


@require_safe
@committee_required
def lapse_list(request):
    """The members in arrears for ``DUES_LAPSE_YEARS`` federation years; the secretariat proposes a
    lapse motion from here (``committee-motion-propose``), unless one is open already."""
    on = today()
    rows = reports.lapse_list(on)
    open_motions = dict(
        Motion.objects.filter(
            kind=MotionKind.LAPSE,
            state__in=MOTION_OPEN_STATES,
            membership_id__in=[row.membership.pk for row in rows],
        ).values_list("membership_id", "pk")
    )
    for row in rows:
        row.open_motion = open_motions.get(row.membership.pk)
    return render(
        request,
        "portal/committee_dues_lapse.html",
        {
            "rows": rows,
            "on": on,
            "may_propose": roles.is_secretariat(request.user),
            "currency": ledger_currency(),
            "lapse_years": settings.DUES_LAPSE_YEARS,
        },
    )
