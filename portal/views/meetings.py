"""The Executive Committee's meetings in the portal: the calendar (/committee/meetings/), a
meeting's page with its agenda, attendance and quorum (/committee/meetings/<id>/), the
secretariat's forms to create and edit one, and a report's papers as downloads; on the meeting's
page, each application's or motion's vote (put to the vote online, named or counted in the room, the
votes recorded, the round closed) and the approval of an earlier meeting's minutes; a closed
meeting's minutes (/committee/meetings/<id>/minutes/, and as a PDF), with the summaries and the
circulation of the draft.

Thin: find the meeting, ask ``meetings.rules.meeting_allowed_actions`` (and, per item,
``meetings.selectors.item_offers``) what the person may do now (the page offers only that), read
the form, call one service of ``meetings.services``. A refusal is a message on the page, with the
status of its kind (400 invalid input, 403 forbidden, 409 a conflict or an action the meeting's
state no longer allows); a success goes back to the page.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import roles
from meetings import rules, selectors, services
from meetings.minutes import minutes_display, minutes_pdf
from meetings.models import (
    OPEN_STATES,
    AgendaItem,
    AgendaItemKind,
    AgendaPaper,
    Meeting,
    MeetingState,
    Minutes,
)
from portal.meeting_forms import (
    AgendaItemChoiceForm,
    AgendaItemForm,
    AgendaMoveForm,
    AttendanceForm,
    CountedVotesForm,
    ItemVoteOpenForm,
    MeetingActionForm,
    MeetingCancelForm,
    MeetingEditForm,
    MeetingForm,
    MinutesActionForm,
    MinutesSummaryForm,
    NamedVotesForm,
)
from portal.views.common import officer_required, secretariat_required
from workflows import votes
from workflows.documents import document_response
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import MembershipApplication, Motion, VoteMode, VoteRound

PAST_PER_PAGE = 20

# A refusal's kind → the page's status; any other (a conflict, an action the meeting's state does
# not allow) is 409.
REFUSAL_STATUS = {
    ErrorCode.INVALID: 400,
    ErrorCode.TOO_LARGE: 400,
    ErrorCode.UNSUPPORTED_TYPE: 400,
    ErrorCode.FORBIDDEN: 403,
}


def _status(exc: WorkflowError) -> int:
    return REFUSAL_STATUS.get(exc.code, 409)


def _with_waiting(queryset):
    return queryset.select_related("chair", "minute_taker").annotate(waiting=Count("agenda_items"))


# --- the calendar -------------------------------------------------------------------------------------


@require_safe
@officer_required
def meeting_calendar(request):
    """Meetings still to come (drafts to the secretariat only), soonest first; then past and
    cancelled ones, latest first, by pages."""
    now = timezone.now()
    upcoming = Meeting.objects.filter(state__in=OPEN_STATES, ends_at__gt=now)
    if not roles.is_secretariat(request.user):
        upcoming = upcoming.exclude(state=MeetingState.DRAFT)
    past = Meeting.objects.exclude(
        pk__in=Meeting.objects.filter(state__in=OPEN_STATES, ends_at__gt=now).values("pk")
    )
    if not roles.is_secretariat(request.user):
        past = past.exclude(state=MeetingState.DRAFT)
    page = Paginator(_with_waiting(past).order_by("-starts_at", "-pk"), PAST_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/meetings/calendar.html",
        {
            "upcoming": list(_with_waiting(upcoming).order_by("starts_at", "pk")),
            "past": page,
            "may_create": rules.create_refusal(request.user) is None,
        },
    )


# --- a meeting's page ------------------------------------------------------------------------------------


def _meeting(request, meeting_id: int) -> Meeting:
    """The meeting; a draft is the secretariat's until it is convened (404 to others)."""
    meeting = Meeting.objects.select_related("chair", "minute_taker").filter(pk=meeting_id).first()
    if meeting is None or (meeting.state == MeetingState.DRAFT and not roles.is_secretariat(request.user)):
        raise Http404
    return meeting


def _agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(
        meeting.agenda_items.select_related(
            "application", "motion__membership__organization", "minutes__meeting"
        )
        .prefetch_related(
            Prefetch("papers", queryset=AgendaPaper.objects.order_by("uploaded_at", "pk")),
            Prefetch("vote_rounds", queryset=VoteRound.objects.order_by("number")),
        )
        .order_by("position")
    )


def _agenda_choices(meeting: Meeting) -> dict:
    """The applications and motions an agenda may take: reviewed applications, open motions; and the
    draft minutes of earlier, closed meetings."""
    applications = MembershipApplication.objects.filter(state__in=rules.AGENDA_APPLICATION_STATES).order_by(
        "name", "pk"
    )
    motions = (
        Motion.objects.filter(state__in=rules.AGENDA_MOTION_STATES)
        .select_related("membership__organization")
        .order_by("pk")
    )
    return {
        "applications": applications,
        "motions": motions,
        "minutes": selectors.minutes_to_approve(meeting),
    }


def _attendance_form(meeting, members, recorded, data=None) -> AttendanceForm:
    return AttendanceForm(data, members=members, recorded=recorded, initial={"expected_state": meeting.state})


def _forms(meeting: Meeting, allowed: set[str], members, recorded, bound: dict) -> dict:
    initial = {"expected_state": meeting.state}
    forms = {}
    for action in ("convene", "open_session", "close"):
        if action in allowed:
            forms[action] = MeetingActionForm(initial=initial)
    if "cancel" in allowed:
        forms["cancel"] = MeetingCancelForm(initial=initial)
    if "manage_agenda" in allowed:
        forms["add_item"] = AgendaItemForm(initial=initial, **_agenda_choices(meeting))
    if "record_attendance" in allowed:
        forms["attendance"] = _attendance_form(meeting, members, recorded)
    forms.update({action: form for action, form in bound.items() if action in forms})
    return forms


# The forms of an agenda item's vote and minutes: the action that posts each → the offer it needs.
ITEM_OFFERS = {
    "vote_named": "record",
    "vote_counted": "record",
    "vote_close": "close",
    "approve_minutes": "approve",
}


def _item_forms(item: AgendaItem, offers: set[str], present: list, initial: dict) -> dict:
    """The forms ``item`` shows for the ``offers`` made (``selectors.item_offers``)."""
    initial = {**initial, "item": item.pk}
    forms = {}
    modes = [(mode, label) for mode, label in VoteMode.choices if f"open_{mode}" in offers]
    if modes:
        forms["vote_open"] = ItemVoteOpenForm(initial={**initial, "mode": modes[0][0]})
        forms["vote_open"].fields["mode"].choices = modes
    if "record" in offers:
        if item.open_round.mode == VoteMode.NAMED:
            forms["vote_named"] = NamedVotesForm(initial=initial, members=present)
        else:
            forms["vote_counted"] = CountedVotesForm(initial=initial)
    for action in ("vote_close", "approve_minutes"):
        if ITEM_OFFERS[action] in offers:
            forms[action] = AgendaItemChoiceForm(initial=initial)
    return forms


def _offer_votes(request, meeting: Meeting, agenda: list[AgendaItem], bound: dict) -> None:
    """Each item's open round, last closed round and forms (a form posted for it, bound, in its
    place), as the rules allow them to ``request.user`` now."""
    quorum = selectors.meeting_quorum(meeting)
    present = services.present_members(meeting) if meeting.state == MeetingState.IN_SESSION else []
    initial = {"expected_state": meeting.state}
    for item in agenda:
        rounds = list(item.vote_rounds.all())
        item.open_round = next((r for r in rounds if r.closed_at is None), None)
        item.last_round = next((r for r in reversed(rounds) if r.closed_at is not None), None)
        item.tally = votes.round_tally(item.open_round) if item.open_round else None
        item.present_count = len(present)
        forms = _item_forms(
            item, selectors.item_offers(meeting, item, request.user, quorum), present, initial
        )
        for action, form in bound.items():
            if action in forms and str(form.data.get("item")) == str(item.pk):
                forms[action] = form
        for form in forms.values():
            form.auto_id = f"item{item.pk}_%s"  # one page, many items: ids of their own
        item.forms = forms


def _meeting_page(request, meeting: Meeting, *, bound=None, status=200):
    allowed = rules.meeting_allowed_actions(meeting, request.user)
    members = list(roles.committee_members())
    attendance = {row.member_id: row for row in meeting.attendance.all()}
    recorded = {pk: row.status for pk, row in attendance.items()}
    agenda = _agenda(meeting)
    _offer_votes(request, meeting, agenda, bound or {})
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "order": ",".join(str(item.pk) for item in agenda),
        "rows": [(member, attendance.get(member.pk)) for member in members],
        "quorum": selectors.meeting_quorum(meeting),
        "allowed": allowed,
        "forms": _forms(meeting, allowed, members, recorded, bound or {}),
    }
    return render(request, "portal/meetings/meeting.html", context, status=status)


def _transition(service):
    def run(request, meeting, form):
        service(meeting=meeting, actor=request.user, expected_state=form.cleaned_data["expected_state"])

    return run


def _cancel(request, meeting, form):
    services.meeting_cancel(
        meeting=meeting,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        expected_state=form.cleaned_data["expected_state"],
    )


def _add_item_form(request, meeting):
    return AgendaItemForm(request.POST, request.FILES, **_agenda_choices(meeting))


def _add_item(request, meeting, form):
    state = form.cleaned_data["expected_state"]
    with transaction.atomic():  # the item and its paper, or neither
        item = services.agenda_item_add(
            meeting=meeting, actor=request.user, expected_state=state, **form.service_data()
        )
        if form.cleaned_data["paper"] and item.kind == AgendaItemKind.REPORT:
            services.agenda_paper_add(
                item=item, actor=request.user, upload=form.cleaned_data["paper"], expected_state=state
            )


def _item(meeting, form) -> AgendaItem:
    item = meeting.agenda_items.filter(pk=form.cleaned_data["item"]).first()
    if item is None:
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is no longer on the agenda."))
    return item


def _remove_item(request, meeting, form):
    services.agenda_item_remove(
        item=_item(meeting, form), actor=request.user, expected_state=form.cleaned_data["expected_state"]
    )


def _move_item(request, meeting, form):
    services.agenda_reorder(
        meeting=meeting,
        actor=request.user,
        item_ids=form.new_order(),
        expected_state=form.cleaned_data["expected_state"],
    )


def _recorded(meeting) -> dict:
    return dict(meeting.attendance.values_list("member_id", "status"))


def _attendance_post_form(request, meeting):
    return _attendance_form(meeting, roles.committee_members(), _recorded(meeting), request.POST)


def _attendance(request, meeting, form):
    state = form.cleaned_data["expected_state"]
    with transaction.atomic():  # every row or none
        for member, status in form.changes(_recorded(meeting)):
            services.attendance_record(
                meeting=meeting, member=member, status=status, actor=request.user, expected_state=state
            )


def _on_item(meeting, form) -> dict:
    """The item posted and the meeting's state the page showed: the service refuses (``conflict``)
    when the meeting is no longer in that state."""
    return {"item": _item(meeting, form), "expected_state": form.cleaned_data["expected_state"]}


def _vote_open(request, meeting, form):
    services.item_vote_open(**_on_item(meeting, form), mode=form.cleaned_data["mode"], actor=request.user)


def _named_votes_form(request, meeting):
    """Read for any member of the committee: the service refuses one not present now."""
    return NamedVotesForm(request.POST, members=roles.committee_members())


def _vote_named(request, meeting, form):
    services.item_vote_record_named(**_on_item(meeting, form), choices=form.choices(), actor=request.user)


def _vote_counted(request, meeting, form):
    totals = {name: form.cleaned_data[name] for name in ("yes", "no", "abstain")}
    services.item_vote_record_counted(**_on_item(meeting, form), actor=request.user, **totals)


def _vote_close(request, meeting, form):
    services.item_vote_close(**_on_item(meeting, form), actor=request.user)


def _approve_minutes(request, meeting, form):
    services.minutes_approve(**_on_item(meeting, form), actor=request.user)


def _posted(form_class):
    return lambda request, meeting: form_class(request.POST)


# Each action of a meeting's page: how its form is read, the function that calls its one service,
# and what is said when done.
MEETING_PAGE_ACTIONS = {
    "convene": (
        _posted(MeetingActionForm),
        _transition(services.meeting_convene),
        gettext_lazy("The meeting is convened; the committee is invited."),
    ),
    "cancel": (_posted(MeetingCancelForm), _cancel, gettext_lazy("The meeting is cancelled.")),
    "open_session": (
        _posted(MeetingActionForm),
        _transition(services.meeting_open_session),
        gettext_lazy("The session is open."),
    ),
    "close": (
        _posted(MeetingActionForm),
        _transition(services.meeting_close),
        gettext_lazy("The session is closed."),
    ),
    "add_item": (_add_item_form, _add_item, gettext_lazy("The item is on the agenda.")),
    "remove_item": (
        _posted(AgendaItemChoiceForm),
        _remove_item,
        gettext_lazy("The item is removed from the agenda."),
    ),
    "move_item": (_posted(AgendaMoveForm), _move_item, gettext_lazy("The agenda is in its new order.")),
    "attendance": (_attendance_post_form, _attendance, gettext_lazy("Attendance is recorded.")),
    "vote_open": (_posted(ItemVoteOpenForm), _vote_open, gettext_lazy("The vote is open.")),
    "vote_named": (_named_votes_form, _vote_named, gettext_lazy("The votes are recorded.")),
    "vote_counted": (_posted(CountedVotesForm), _vote_counted, gettext_lazy("The totals are recorded.")),
    "vote_close": (_posted(AgendaItemChoiceForm), _vote_close, gettext_lazy("The vote is closed.")),
    "approve_minutes": (
        _posted(AgendaItemChoiceForm),
        _approve_minutes,
        gettext_lazy("The minutes are approved."),
    ),
}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def meeting_page(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    if request.method != "POST":
        return _meeting_page(request, meeting)
    action = request.POST.get("action", "")
    if action not in MEETING_PAGE_ACTIONS:
        messages.error(request, _("Unknown action."))
        return _meeting_page(request, meeting, status=400)
    make_form, run, done = MEETING_PAGE_ACTIONS[action]
    form = make_form(request, meeting)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing was saved."))
        return _meeting_page(request, meeting, bound={action: form}, status=400)
    try:
        run(request, meeting, form)
    except WorkflowError as exc:
        _place_errors(exc, form)
        messages.error(request, exc.message)
        return _meeting_page(
            request, _meeting(request, meeting_id), bound={action: form}, status=_status(exc)
        )
    messages.success(request, done)
    return redirect("committee-meeting", meeting_id=meeting.pk)


def _place_errors(exc: WorkflowError, form, fields: dict | None = None) -> bool:
    """The service's per-field errors next to the form's fields (``fields`` renames them)."""
    placed = False
    if form is None or exc.code != ErrorCode.INVALID:
        return placed
    for key, errors in (exc.details or {}).items():
        name = (fields or {}).get(key, key)
        if name in form.fields and isinstance(errors, list | tuple) and hasattr(form, "cleaned_data"):
            form.add_error(name, list(errors))
            placed = True
    return placed


# --- the secretariat's forms ----------------------------------------------------------------------------


def _meeting_form_page(request, form, meeting, save, done: str):
    """Save a posted meeting form through ``save`` (a service call); the service's field errors go
    next to the fields. A success goes to the meeting's page."""
    status = 400
    if form.is_valid():
        try:
            meeting = save(form)
        except WorkflowError as exc:
            if not _place_errors(exc, form, MeetingForm.ERROR_FIELDS):
                messages.error(request, exc.message)
            status = _status(exc)
        else:
            messages.success(request, done)
            return redirect("committee-meeting", meeting_id=meeting.pk)
    if status == 400:
        messages.error(request, _("Please correct the errors below. Nothing was saved."))
    return render(
        request, "portal/meetings/meeting_form.html", {"form": form, "meeting": meeting}, status=status
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@secretariat_required
def meeting_new(request):
    if request.method != "POST":
        return render(request, "portal/meetings/meeting_form.html", {"form": MeetingForm(), "meeting": None})
    return _meeting_form_page(
        request,
        MeetingForm(request.POST),
        None,
        lambda form: services.meeting_create(actor=request.user, **form.service_data()),
        _("The meeting is saved as a draft."),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@secretariat_required
def meeting_edit(request, meeting_id: int):
    meeting = get_object_or_404(Meeting.objects.select_related("chair", "minute_taker"), pk=meeting_id)
    if request.method == "POST":
        return _meeting_form_page(
            request,
            MeetingEditForm(request.POST),
            meeting,
            lambda form: services.meeting_update(
                meeting=meeting,
                actor=request.user,
                expected_state=form.cleaned_data["expected_state"],
                **form.service_data(),
            ),
            _("The meeting is saved."),
        )
    if (refused := rules.meeting_refusal("edit", meeting, request.user)) is not None:
        messages.error(request, refused.message)
        return redirect("committee-meeting", meeting_id=meeting.pk)
    form = MeetingEditForm(initial=MeetingEditForm.initial_for(meeting))
    return render(request, "portal/meetings/meeting_form.html", {"form": form, "meeting": meeting})


# --- a report's papers -------------------------------------------------------------------------------------


@never_cache
@require_safe
@officer_required
def meeting_paper(request, meeting_id: int, paper_id: int):
    """A report's paper, as an attachment, to those who may see the meeting; 404 to others."""
    meeting = _meeting(request, meeting_id)
    paper = get_object_or_404(AgendaPaper, pk=paper_id, item__meeting=meeting)
    paper.original_name = paper.name  # what ``document_response`` names the download
    try:
        return document_response(paper)
    except FileNotFoundError:
        raise Http404 from None


# --- minutes ------------------------------------------------------------------------------------------------


def _minutes_of(request, meeting_id: int) -> tuple[Meeting, Minutes]:
    """The meeting and its minutes (written when it closed); 404 before."""
    meeting = _meeting(request, meeting_id)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise Http404
    return meeting, minutes


def _summary_forms(meeting: Meeting, minutes: Minutes, bound: dict) -> list:
    """(item, its summary form) for each agenda item, a posted form in its item's place."""
    posted = bound.get("summary")
    rows = []
    items = meeting.agenda_items.select_related(
        "application", "motion__membership__organization", "minutes__meeting"
    ).order_by("position")
    for item in items:
        form = MinutesSummaryForm(initial={"item": item.pk, "text": minutes.summaries.get(str(item.pk), "")})
        if posted is not None and str(posted.data.get("item")) == str(item.pk):
            form = posted
        form.auto_id = f"item{item.pk}_%s"
        rows.append((item, form))
    return rows


def _minutes_page(request, meeting: Meeting, minutes: Minutes, *, bound=None, status=200):
    may_edit = rules.minutes_edit_refusal(meeting, minutes, request.user) is None
    approval = selectors.minutes_approval(minutes)
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "shown": minutes_display(minutes),
        "summaries": _summary_forms(meeting, minutes, bound or {}) if may_edit else [],
        "circulate": MinutesActionForm() if may_edit else None,
        "approval": approval,
        "verified": services.minutes_verify(minutes) if minutes.is_frozen else None,
        "hash_prefix": minutes.sha256[:16],
    }
    return render(request, "portal/meetings/minutes.html", context, status=status)


def _summary(request, minutes, form):
    item = minutes.meeting.agenda_items.filter(pk=form.cleaned_data["item"]).first()
    if item is None:
        raise WorkflowError(ErrorCode.CONFLICT, _("This item is no longer on the agenda."))
    services.minutes_item_summary_set(item=item, text=form.cleaned_data["text"], actor=request.user)


def _circulate(request, minutes, form):
    services.minutes_circulate(minutes=minutes, actor=request.user)


# Each action of the minutes' page: its form, the function that calls its service, what is said.
MINUTES_PAGE_ACTIONS = {
    "summary": (MinutesSummaryForm, _summary, gettext_lazy("The summary is saved.")),
    "circulate": (
        MinutesActionForm,
        _circulate,
        gettext_lazy("The draft minutes are sent to the committee."),
    ),
}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def meeting_minutes(request, meeting_id: int):
    """A closed meeting's minutes, printable, in the reader's language; the minute-taker's summaries
    and the circulation of the draft while the rules allow them."""
    meeting, minutes = _minutes_of(request, meeting_id)
    if request.method != "POST":
        return _minutes_page(request, meeting, minutes)
    action = request.POST.get("action", "")
    if action not in MINUTES_PAGE_ACTIONS:
        messages.error(request, _("Unknown action."))
        return _minutes_page(request, meeting, minutes, status=400)
    form_class, run, done = MINUTES_PAGE_ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing was saved."))
        return _minutes_page(request, meeting, minutes, bound={action: form}, status=400)
    try:
        run(request, minutes, form)
    except WorkflowError as exc:
        _place_errors(exc, form)
        messages.error(request, exc.message)
        return _minutes_page(request, meeting, minutes, bound={action: form}, status=_status(exc))
    messages.success(request, done)
    return redirect("committee-meeting-minutes", meeting_id=meeting.pk)


@never_cache
@require_safe
@officer_required
def meeting_minutes_pdf(request, meeting_id: int):
    """The minutes as a PDF, in the reader's language, as an attachment."""
    meeting, minutes = _minutes_of(request, meeting_id)
    response = HttpResponse(
        minutes_pdf(minutes, federation_name=settings.FEDERATION_NAME), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.pdf"'
    return response
