"""The applications in numbers, for the committee's statistics page: how many are in each state, and
how long they stay in each stage (from the transition log, django-fsm-log's ``StateLog``). Figures as
``registry.statistics.Figure``; a fixed number of queries however many applications."""

import statistics as stats

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from registry.charts import bar_chart
from registry.statistics import Figure

from .models import FINAL_STATES, ApplicationState, MembershipApplication

# The stages whose length is measured: every state an application leaves again (a draft's time is
# the applicant's own, not counted).
STAGES = [s for s in ApplicationState if s not in FINAL_STATES and s != ApplicationState.DRAFT]
SECONDS_PER_DAY = 86_400


def applications_by_state() -> Figure:
    """How many applications are in each state now, every state listed (one query)."""
    counts = dict(MembershipApplication.objects.order_by().values_list("state").annotate(n=Count("pk")))
    rows = [[str(state.label), counts.get(state.value, 0)] for state in ApplicationState]
    return Figure(
        key="applications-by-state",
        title=_("Applications by state"),
        header=[_("State"), _("Applications")],
        rows=rows,
        chart=bar_chart([(r[0], [r[1]]) for r in rows]),
    )


def stage_days() -> dict[str, list[float]]:
    """Every finished stay of an application in a stage, in days, per stage: from the log row that
    entered the state to the next log row of the same application (one query)."""
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    logs = (
        StateLog.objects.filter(content_type=content_type)
        .order_by("object_id", "timestamp", "pk")
        .values_list("object_id", "state", "timestamp")
    )
    stays: dict[str, list[float]] = {stage.value: [] for stage in STAGES}
    previous = None
    for object_id, state, timestamp in logs:
        if previous is not None and previous[0] == object_id and previous[1] in stays:
            stays[previous[1]].append((timestamp - previous[2]).total_seconds() / SECONDS_PER_DAY)
        previous = (object_id, state, timestamp)
    return stays


def median_days_per_stage() -> Figure:
    """The median days an application stays in each stage, over the stays that ended."""
    stays = stage_days()
    rows = []
    for stage in STAGES:
        days = stays[stage.value]
        rows.append([str(stage.label), len(days), round(stats.median(days), 1) if days else None])
    return Figure(
        key="median-days-per-stage",
        title=_("Median days per stage"),
        description=_(
            "From entering a stage to leaving it, over the applications that left it; an application may pass a stage more than once."
        ),
        header=[_("Stage"), _("Stays counted"), _("Median days")],
        rows=rows,
        chart=bar_chart([(r[0], [r[2] or 0]) for r in rows]),
    )


def application_figures() -> list[Figure]:
    return [applications_by_state(), median_days_per_stage()]
