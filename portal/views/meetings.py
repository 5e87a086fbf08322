"""The Executive Committee's meetings in the portal: the calendar (/committee/meetings/), a
meeting's page with its agenda, attendance and quorum (/committee/meetings/<id>/), the
secretariat's forms to create and edit one, and a report's papers as downloads.

Thin: find the meeting, ask ``meetings.rules.meeting_allowed_actions`` what the person may do now
(the page offers only that), read the form, call one service of ``meetings.services``. A refusal
is a message on the page, with the status of its kind (400 invalid input, 403 forbidden, 409 a
conflict or an action the meeting's state no longer allows); a success goes back to the page.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import roles
from meetings import rules, selectors, services
from meetings.models import OPEN_STATES, AgendaItem, AgendaItemKind, AgendaPaper, Meeting, MeetingState
from portal.meeting_forms import (
    AgendaItemChoiceForm,
    AgendaItemForm,
    AgendaMoveForm,
    AttendanceForm,
    MeetingActionForm,
    MeetingCancelForm,
    MeetingEditForm,
    MeetingForm,
)
from portal.views.common import officer_required, secretariat_required
from workflows.documents import document_response
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import MembershipApplication, Motion

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
        meeting.agenda_items.select_related("application", "motion__membership__organization")
        .prefetch_related(Prefetch("papers", queryset=AgendaPaper.objects.order_by("uploaded_at", "pk")))
        .order_by("position")
    )


def _agenda_choices():
    """The applications and motions an agenda may take: reviewed applications, open motions."""
    applications = MembershipApplication.objects.filter(state__in=rules.AGENDA_APPLICATION_STATES).order_by(
        "name", "pk"
    )
    motions = (
        Motion.objects.filter(state__in=rules.AGENDA_MOTION_STATES)
        .select_related("membership__organization")
        .order_by("pk")
    )
    return applications, motions


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
        applications, motions = _agenda_choices()
        forms["add_item"] = AgendaItemForm(initial=initial, applications=applications, motions=motions)
    if "record_attendance" in allowed:
        forms["attendance"] = _attendance_form(meeting, members, recorded)
    forms.update({action: form for action, form in bound.items() if action in forms})
    return forms


def _meeting_page(request, meeting: Meeting, *, bound=None, status=200):
    allowed = rules.meeting_allowed_actions(meeting, request.user)
    members = list(roles.committee_members())
    attendance = {row.member_id: row for row in meeting.attendance.all()}
    recorded = {pk: row.status for pk, row in attendance.items()}
    agenda = _agenda(meeting)
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
    applications, motions = _agenda_choices()
    return AgendaItemForm(request.POST, request.FILES, applications=applications, motions=motions)


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
