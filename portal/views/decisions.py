"""The public page of the Executive Committee's decisions (/decisions/): per meeting with minutes,
newest first, the unions it admitted and the motions on members it carried, as the minutes record
them — never a tally or a voter's name; ``?csv=1`` downloads every row. The rows are
``meetings.selectors.public_decisions``'s; this page is the portal's because the registry's public
pages may not read meetings."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django_countries.fields import Country

from meetings import selectors
from meetings.selectors import MeetingDecisions, PublicDecision
from registry.csv_export import csv_lines, streamed_rows
from registry.models import MembershipCategory
from workflows.models import MotionKind

MEETINGS_PER_PAGE = 20

# What an admission says, by the category the committee admitted to.
ADMITTED = {
    MembershipCategory.FULL: _("Admitted as full member"),
    MembershipCategory.ASSOCIATE: _("Admitted as associate member"),
    MembershipCategory.OBSERVER: _("Admitted as observer"),
}
# What a carried motion decided, by its kind.
CARRIED = {
    MotionKind.SUSPEND: _("Suspended"),
    MotionKind.REINSTATE: _("Reinstated"),
    MotionKind.EXPEL: _("Membership ended (expelled)"),
    MotionKind.CHANGE_CATEGORY: _("Category changed"),
    MotionKind.WITHDRAWAL: _("Membership ended (notice of withdrawal)"),
    MotionKind.LAPSE: _("Membership ended (lapsed for unpaid dues)"),
    MotionKind.WAIVE_DUES: _("Dues waived"),
}


@dataclass(frozen=True)
class DecisionLine:
    """One decision as the page says it: what was decided, on which union, and where the union's
    directory page is (empty when it is not an affiliate today)."""

    label: str
    organization: str
    acronym: str
    country_code: str
    country_name: str
    slug: str


@dataclass(frozen=True)
class MeetingBlock:
    title: str
    starts_at: datetime.datetime
    minutes_approved: bool
    lines: list[DecisionLine]


def decision_label(decision: PublicDecision) -> str:
    """ "Admitted as full member", "Suspended" …, in the reader's language."""
    if decision.kind == "application":
        return str(ADMITTED.get(decision.category, _("Admitted")))
    return str(CARRIED.get(decision.motion_kind, _("Motion carried")))


def _line(decision: PublicDecision, slugs: dict) -> DecisionLine:
    key = (
        ("application", decision.application_id)
        if decision.application_id
        else ("motion", decision.motion_id)
    )
    return DecisionLine(
        label=decision_label(decision),
        organization=decision.organization,
        acronym=decision.acronym,
        country_code=decision.country,
        country_name=str(Country(decision.country).name) if decision.country else "",
        slug=slugs.get(key, ""),
    )


def _blocks(meetings: list[MeetingDecisions], slugs: dict) -> list[MeetingBlock]:
    return [
        MeetingBlock(
            title=meeting.title,
            starts_at=datetime.datetime.fromisoformat(meeting.starts_at),
            minutes_approved=meeting.minutes_approved,
            lines=[_line(decision, slugs) for decision in meeting.decisions],
        )
        for meeting in meetings
    ]


CSV_HEADER = [
    _("Meeting"),
    _("Date"),
    _("Minutes"),
    _("Decision"),
    _("Union"),
    _("Acronym"),
    _("Country code"),
    _("Country"),
]


def _csv_rows():
    # As many minutes at a time as a page shows: a meeting's record holds its whole agenda.
    for minutes in streamed_rows(selectors.public_minutes(), batch=MEETINGS_PER_PAGE):
        meeting = selectors.meeting_decisions(minutes)
        status = _("Minutes approved") if meeting.minutes_approved else _("Draft minutes")
        for decision in meeting.decisions:
            yield [
                meeting.title,
                meeting.starts_at[:10],
                str(status),
                decision_label(decision),
                decision.organization,
                decision.acronym,
                decision.country,
                str(Country(decision.country).name) if decision.country else "",
            ]


def decisions_csv() -> StreamingHttpResponse:
    """Every public decision, one row each, newest meeting first (formula cells neutralised)."""
    response = StreamingHttpResponse(
        csv_lines([str(h) for h in CSV_HEADER], _csv_rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="decisions.csv"'
    return response


@require_safe
def decisions(request):
    """Open to everyone. Pages of ``MEETINGS_PER_PAGE`` meetings: a meeting whose minutes record
    no public decision is listed with a sentence saying so, so that every page is full. Three
    queries (the count, the page's minutes, the affiliates' slugs) however many meetings and decisions."""
    if request.GET.get("csv"):
        return decisions_csv()
    page = Paginator(selectors.public_minutes(), MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    meetings = [selectors.meeting_decisions(minutes) for minutes in page.object_list]
    blocks = _blocks(meetings, selectors.affiliate_slugs(meetings))
    return render(request, "portal/decisions.html", {"page": page, "meetings": blocks})
