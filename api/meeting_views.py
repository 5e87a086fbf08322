"""The meetings API: the Executive Committee's meetings, their agenda and attendance.

For people only, as the application workflow (``api.workflow_views``): a session or a personal
token; partner keys are refused. Meetings are the committee's and the secretariat's
(``meetings.rules.may_read``): anyone else is refused the list (403) and meets no meeting (404).
Each endpoint validates its input's shape, calls ONE service of ``meetings.services`` and answers
with the meeting as it is now; refusals (``WorkflowError``) become 400/403/409 in ``api.exceptions``.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from meetings import rules, selectors, services
from meetings.minutes import minutes_pdf as minutes_as_pdf
from meetings.models import AgendaItem, Meeting, Minutes
from workflows.models import MembershipApplication, Motion

from . import meeting_schema as docs
from .filters import query_shape_errors
from .meeting_serializers import (
    AgendaItemInputSerializer,
    AgendaReorderSerializer,
    AttendanceInputSerializer,
    CountedVotesSerializer,
    ItemVoteCloseSerializer,
    ItemVoteOpenSerializer,
    MeetingActionSerializer,
    MeetingCancelSerializer,
    MeetingDetailSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    MeetingWriteSerializer,
    MinutesSerializer,
    MinutesSummaryInputSerializer,
    NamedVotesSerializer,
)
from .workflow_views import ID_PATTERN, AnyMediaRenderer, PersonViewSet

# The list's query parameters: none may be empty or repeated (see api.filters.query_shape_errors).
LIST_PARAMETERS = {"when": False, "state": False, "page": False, "page_size": False}
# The minutes' PDF, as the portal names it: a file name, no trailing slash (``api.urls``).
MINUTES_PDF_ROUTE = rf"^v1/meetings/(?P<meeting_id>{ID_PATTERN})/minutes\.pdf$"
MINUTES_PDF_VIEW = {
    "actions": {"get": "minutes_pdf"},
    "detail": True,
    "basename": "meeting",
    "renderer_classes": [renderers.JSONRenderer, AnyMediaRenderer],
}


class MeetingViewSet(mixins.ListModelMixin, PersonViewSet):
    """The committee's meetings, with the plumbing of every endpoint for people (``PersonViewSet``)."""

    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]
    serializer_class = MeetingSerializer
    lookup_url_kwarg = "meeting_id"

    # --- plumbing --------------------------------------------------------------------------------

    def get_queryset(self):
        return selectors.meetings_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        if not rules.may_read(self.request.user):
            raise exceptions.PermissionDenied(
                _("The meetings of the Executive Committee are for its members and the secretariat.")
            )
        if shape_errors := query_shape_errors(self.request.query_params, parameters=LIST_PARAMETERS):
            raise exceptions.ValidationError(shape_errors)
        query = MeetingFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.meetings_listed(queryset, now=timezone.now(), **query.validated_data)

    def get_object(self) -> Meeting:
        meeting = self.get_queryset().filter(pk=self.kwargs["meeting_id"]).first()
        if meeting is None:
            raise exceptions.NotFound(_("There is no meeting with this id that you may see."))
        return meeting

    def meeting_response(self, meeting: Meeting, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The meeting as it is now, in full, with the actions the caller may take next."""
        fresh = selectors.meeting_in_full(Meeting.objects.filter(pk=meeting.pk)).get()
        context = {**self.get_serializer_context(), "quorum": selectors.meeting_quorum(fresh)}
        return Response(MeetingDetailSerializer(fresh, context=context).data, status=status_code)

    @staticmethod
    def people(body: dict) -> dict:
        """The chair's and the minute-taker's ids → users (None for an unknown id: the service
        refuses it as it refuses anyone not on the committee)."""
        users = get_user_model().objects
        for field in ("chair", "minute_taker"):
            if field in body:
                body[field] = users.filter(pk=body[field]).first()
        return body

    @staticmethod
    def subject(body: dict) -> dict:
        """An agenda item's application or motion id → the row, the meeting whose minutes it
        approves → the minutes; an unknown id is a 400 on its field."""
        for field, model, message in (
            ("application", MembershipApplication, _("There is no application with this id.")),
            ("motion", Motion, _("There is no motion with this id.")),
        ):
            if field in body:
                body[field] = model.objects.filter(pk=body[field]).first()
                if body[field] is None:
                    raise exceptions.ValidationError({field: [message]})
        if "minutes_of" in body:
            body["minutes"] = Minutes.objects.filter(meeting_id=body.pop("minutes_of")).first()
            if body["minutes"] is None:
                raise exceptions.ValidationError(
                    {
                        "minutes_of": [
                            _("That meeting has no minutes: it is not closed yet, or does not exist.")
                        ]
                    }
                )
        return body

    @staticmethod
    def item(meeting: Meeting, item_id) -> AgendaItem:
        """The meeting's agenda item; 404 if it has none with this id."""
        item = meeting.agenda_items.filter(pk=item_id).first()
        if item is None:
            raise exceptions.NotFound(_("This meeting's agenda has no item with this id."))
        return item

    @staticmethod
    def members(choices: dict[int, str]) -> dict:
        """Named votes' user ids → users; an unknown id is a 400 on ``choices``."""
        users = get_user_model().objects.in_bulk(list(choices))
        unknown = sorted(pk for pk in choices if pk not in users)
        if unknown:
            raise exceptions.ValidationError(
                {"choices": [_("There is no person with the id %(id)d.") % {"id": pk} for pk in unknown]}
            )
        return {users[pk]: choice for pk, choice in choices.items()}

    def minutes_of(self, meeting: Meeting) -> Minutes:
        """The meeting's minutes, written when it closed; 404 before."""
        minutes = Minutes.objects.select_related("meeting", "approved_by").filter(meeting=meeting).first()
        if minutes is None:
            raise exceptions.NotFound(_("This meeting has no minutes yet: they are written when it closes."))
        return minutes

    def minutes_response(self, minutes: Minutes) -> Response:
        """The minutes as they are now, with whether their record still has its hash."""
        fresh = self.minutes_of(minutes.meeting)
        context = {**self.get_serializer_context(), "verified": services.minutes_verify(fresh)}
        return Response(MinutesSerializer(fresh, context=context).data)

    # --- the meeting -----------------------------------------------------------------------------

    @docs.list_meetings
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @docs.create_meeting
    def create(self, request, *args, **kwargs):
        body = self.people(self.validated(MeetingWriteSerializer))
        meeting = services.meeting_create(actor=request.user, **body)
        return self.meeting_response(meeting, status_code=status.HTTP_201_CREATED)

    @docs.get_meeting
    def retrieve(self, request, *args, **kwargs):
        return self.meeting_response(self.get_object())

    @docs.update_meeting
    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object()
        body = MeetingUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = self.people(dict(body.validated_data))
        meeting = services.meeting_update(meeting=meeting, actor=request.user, **changes)
        return self.meeting_response(meeting)

    # --- transitions: one action, one service --------------------------------------------------

    @docs.transition("convene")
    @action(detail=True, methods=["post"])
    def convene(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.validated(MeetingActionSerializer)
        return self.meeting_response(services.meeting_convene(meeting=meeting, actor=request.user, **body))

    @docs.transition("cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.validated(MeetingCancelSerializer)
        return self.meeting_response(services.meeting_cancel(meeting=meeting, actor=request.user, **body))

    @docs.transition("open-session")
    @action(detail=True, methods=["post"], url_path="open-session")
    def open_session(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.validated(MeetingActionSerializer)
        return self.meeting_response(
            services.meeting_open_session(meeting=meeting, actor=request.user, **body)
        )

    @docs.transition("close")
    @action(detail=True, methods=["post"])
    def close(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.validated(MeetingActionSerializer)
        return self.meeting_response(services.meeting_close(meeting=meeting, actor=request.user, **body))

    # --- the agenda --------------------------------------------------------------------------------

    @docs.add_agenda_item
    @action(detail=True, methods=["post"], url_path="agenda")
    def agenda(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.subject(self.validated(AgendaItemInputSerializer))
        services.agenda_item_add(meeting=meeting, actor=request.user, **body)
        return self.meeting_response(meeting, status_code=status.HTTP_201_CREATED)

    @docs.remove_agenda_item
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"agenda/(?P<item_id>{ID_PATTERN})",
        url_name="agenda-item",
    )
    def agenda_item(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        item = meeting.agenda_items.filter(pk=item_id).first()
        if item is None:
            raise exceptions.NotFound(_("This meeting's agenda has no item with this id."))
        services.agenda_item_remove(item=item, actor=request.user)
        return self.meeting_response(meeting)

    @docs.reorder_agenda
    @action(detail=True, methods=["post"], url_path="agenda/reorder", url_name="agenda-reorder")
    def agenda_reorder(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.validated(AgendaReorderSerializer)
        services.agenda_reorder(meeting=meeting, actor=request.user, **body)
        return self.meeting_response(meeting)

    # --- attendance ----------------------------------------------------------------------------------

    @docs.record_attendance
    @action(
        detail=True,
        methods=["put"],
        url_path=rf"attendance/(?P<member_id>{ID_PATTERN})",
        url_name="attendance",
    )
    def attendance(self, request, meeting_id=None, member_id=None):
        meeting = self.get_object()
        member = get_user_model().objects.filter(pk=member_id).first()
        if member is None:
            raise exceptions.NotFound(_("There is no person with this id."))
        body = self.validated(AttendanceInputSerializer)
        services.attendance_record(meeting=meeting, member=member, actor=request.user, **body)
        return self.meeting_response(meeting)

    # --- votes on the agenda's items ------------------------------------------------------------------

    @docs.open_item_vote
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"agenda/(?P<item_id>{ID_PATTERN})/vote",
        url_name="item-vote",
    )
    def item_vote(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        body = self.validated(ItemVoteOpenSerializer)
        item = self.item(meeting, item_id)
        services.item_vote_open(item=item, actor=request.user, **body)
        return self.meeting_response(meeting)

    @docs.record_named_votes
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"agenda/(?P<item_id>{ID_PATTERN})/vote/named",
        url_name="item-vote-named",
    )
    def item_vote_named(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        body = self.validated(NamedVotesSerializer)
        item = self.item(meeting, item_id)
        services.item_vote_record_named(
            item=item,
            choices=self.members(body["choices"]),
            actor=request.user,
            expected_state=body.get("expected_state"),
        )
        return self.meeting_response(meeting)

    @docs.record_counted_votes
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"agenda/(?P<item_id>{ID_PATTERN})/vote/counted",
        url_name="item-vote-counted",
    )
    def item_vote_counted(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        body = self.validated(CountedVotesSerializer)
        item = self.item(meeting, item_id)
        services.item_vote_record_counted(item=item, actor=request.user, **body)
        return self.meeting_response(meeting)

    @docs.close_item_vote
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"agenda/(?P<item_id>{ID_PATTERN})/vote/close",
        url_name="item-vote-close",
    )
    def item_vote_close(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        body = self.validated(ItemVoteCloseSerializer)
        item = self.item(meeting, item_id)
        services.item_vote_close(item=item, actor=request.user, **body)
        return self.meeting_response(meeting)

    @docs.approve_minutes
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"agenda/(?P<item_id>{ID_PATTERN})/approve-minutes",
        url_name="approve-minutes",
    )
    def approve_minutes(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        body = self.validated(MeetingActionSerializer)
        services.minutes_approve(
            item=self.item(meeting, item_id), actor=request.user, expected_state=body.get("expected_state")
        )
        return self.meeting_response(meeting)

    # --- minutes -------------------------------------------------------------------------------------

    @docs.get_minutes
    @action(detail=True, methods=["get"])
    def minutes(self, request, meeting_id=None):
        return self.minutes_response(self.minutes_of(self.get_object()))

    @docs.get_minutes_pdf
    def minutes_pdf(self, request, meeting_id=None):
        """The minutes as a PDF, in the caller's language (Accept-Language), as an attachment; routed
        at ``minutes.pdf`` (``MINUTES_PDF_ROUTE``), without the trailing slash of the router's."""
        minutes = self.minutes_of(self.get_object())
        response = HttpResponse(
            minutes_as_pdf(minutes, federation_name=settings.FEDERATION_NAME), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="minutes-{minutes.meeting_id}.pdf"'
        return response

    @docs.set_minutes_summary
    @action(
        detail=True,
        methods=["put"],
        url_path=rf"minutes/items/(?P<item_id>{ID_PATTERN})/summary",
        url_name="minutes-summary",
    )
    def minutes_summary(self, request, meeting_id=None, item_id=None):
        meeting = self.get_object()
        body = self.validated(MinutesSummaryInputSerializer)
        minutes = services.minutes_item_summary_set(
            item=self.item(meeting, item_id),
            text=body["text"],
            actor=request.user,
            expected_state=body.get("expected_state"),
        )
        return self.minutes_response(minutes)

    @docs.circulate_minutes
    @action(detail=True, methods=["post"], url_path="minutes/circulate", url_name="minutes-circulate")
    def minutes_circulate(self, request, meeting_id=None):
        meeting = self.get_object()
        body = self.validated(MeetingActionSerializer)
        minutes = services.minutes_circulate(
            minutes=self.minutes_of(meeting), actor=request.user, expected_state=body.get("expected_state")
        )
        return self.minutes_response(minutes)
