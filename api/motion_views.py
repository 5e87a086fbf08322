"""The motions API: decisions on member unions (suspend, reinstate, expel, change the category,
a notice of withdrawal), proposed, voted in the admission's rounds, confirmed or dropped.

For people only, as the application workflow (``api.workflow_views``): a session or a personal
token; partner keys are refused. A motion the caller may not read (``selectors.motions_visible_to``)
is a 404. Each endpoint validates its input's shape, calls ONE service of ``workflows.motions``
and answers; refusals (``WorkflowError``) become 400/403/409 in ``api.exceptions``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from registry.models import Organization
from registry.selectors import latest_membership
from workflows import motions as services
from workflows import selectors
from workflows.models import Motion

from . import workflow_schema as docs
from .filters import query_shape_errors
from .motion_serializers import (
    MotionBallotSerializer,
    MotionCommentSerializer,
    MotionCreateSerializer,
    MotionDropSerializer,
    MotionOpenVoteSerializer,
    MotionRecusalSerializer,
    MotionSerializer,
)
from .workflow_serializers import BallotInputSerializer, RecusalInputSerializer, VoteRoundSerializer
from .workflow_views import PersonViewSet

MOTIONS = "Decisions on members"
PAGE_PARAMETERS = {"page": False, "page_size": False}
ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description=_("The motion's id."), pattern=r"^[0-9]{1,18}$"
)
MOTION_EXAMPLE = {
    "id": 7,
    "union": "unef-bf",
    "union_name": "Union nationale des étudiants du Faso",
    "kind": "suspend",
    "state": "voting",
    "reason": "No yearly return since 2023 and dues unpaid.",
    "category": "",
    "effective_on": None,
    "invoice_number": None,
    "amount": None,
    "currency": None,
    "proposed_at": "2026-11-02T09:30:00Z",
    "decided_at": None,
    "actions": ["close-vote", "drop"],
}


def _motion(description) -> OpenApiResponse:
    return OpenApiResponse(
        MotionSerializer, description=description, examples=[OpenApiExample("Motion", value=MOTION_EXAMPLE)]
    )


def _acting(operation_id: str, summary: str, description: str, request, example: dict, response=None):
    return extend_schema(
        operation_id=operation_id,
        tags=[MOTIONS],
        summary=summary,
        description=description,
        parameters=[ID],
        request=request,
        examples=[OpenApiExample(summary, value=example, request_only=True)],
        responses={200: response or _motion(_("The motion after the action.")), **docs.ACTING},
    )


class MotionViewSet(mixins.ListModelMixin, PersonViewSet):
    """Decisions on members, with the plumbing of every endpoint for people (``PersonViewSet``)."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = MotionSerializer
    lookup_url_kwarg = "motion_id"

    def get_queryset(self):
        return (
            selectors.motions_visible_to(self.request.user)
            .select_related("invoice")
            .order_by("-proposed_at", "-pk")
        )

    def filter_queryset(self, queryset):
        """The list's page parameters as the schema declares them: not empty, not repeated."""
        if self.action == "list" and (
            shape_errors := query_shape_errors(self.request.query_params, parameters=PAGE_PARAMETERS)
        ):
            raise exceptions.ValidationError(shape_errors)
        return queryset

    def get_object(self) -> Motion:
        motion = self.get_queryset().filter(pk=self.kwargs["motion_id"]).first()
        if motion is None:
            raise exceptions.NotFound(_("There is no motion with this id that you may see."))
        return motion

    def motion_response(self, motion: Motion, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=motion.pk).first() or motion
        return Response(
            MotionSerializer(fresh, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(
        operation_id="listMotions",
        tags=[MOTIONS],
        summary=_("List decisions on members"),
        description=_(
            "The committee (secretariat, reviewers, Executive Committee) reads every motion; a union's "
            "representative those on their union; newest first."
        ),
        responses={
            200: MotionSerializer(many=True),
            400: docs.INVALID,
            404: docs.NO_SUCH_PAGE,
            **docs.ALWAYS,
        },
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        operation_id="proposeMotion",
        tags=[MOTIONS],
        summary=_("Propose a decision on a member"),
        description=_(
            "The secretariat proposes a suspension (with the reason), a reinstatement, an expulsion (with "
            "the reason; EXPULSION_MAJORITY), a change of category, a lapse for unpaid dues (a union on "
            "the lapse list, with the reason) or a waiver of dues above what it waives alone (with the "
            "reason, the invoice's number and the amount), and records a notice of withdrawal received "
            "by letter. A union's representative asks for a change of category or gives notice of "
            "withdrawal (from today). A union that is not in the registry is a 404. Refused (400): a "
            "waiver's invoice that is not the union's, an amount not above DUES_WAIVER_LIMIT or above "
            "what is open on the invoice, each named in details. Refused (409): a motion of the same kind "
            "already open, an ended membership, a decision that does not fit the membership's state "
            "(reinstating an active member)."
        ),
        request=MotionCreateSerializer,
        examples=[
            OpenApiExample(
                "Suspend", value={"union": "unef-bf", "kind": "suspend", "reason": "No return since 2023."}
            ),
            OpenApiExample(
                "Waive dues",
                value={
                    "union": "unef-bf",
                    "kind": "waive_dues",
                    "reason": "The union's offices were flooded.",
                    "invoice_number": "2026-0001",
                    "amount": "1250.00",
                },
            ),
        ],
        responses={201: _motion(_("The motion, proposed.")), **docs.acting_responses("proposeMotion")},
    )
    def create(self, request, *args, **kwargs):
        body = self.validated(MotionCreateSerializer)
        organization = Organization.objects.filter(slug=body.pop("union")).first()
        membership = latest_membership(organization) if organization is not None else None
        if membership is None:
            raise exceptions.NotFound(_("There is no member union with this slug."))
        motion = services.motion_propose(membership=membership, actor=request.user, **body)
        return self.motion_response(motion, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="getMotion",
        tags=[MOTIONS],
        summary=_("Get a decision on a member"),
        parameters=[ID],
        responses={200: _motion(_("The motion.")), **docs.ON_ONE},
    )
    def retrieve(self, request, *args, **kwargs):
        return self.motion_response(self.get_object())

    @_acting(
        "openMotionVote",
        _("Open the Executive Committee's vote"),
        _("The secretariat, on a proposed motion (never a notice of withdrawal): a round with a deadline."),
        MotionOpenVoteSerializer,
        {"deadline": "2026-12-14T23:59:59Z"},
    )
    @action(detail=True, methods=["post"], url_path="open-vote")
    def open_vote(self, request, motion_id=None):
        motion = self.get_object()
        services.motion_vote_open(
            motion=motion, actor=request.user, **self.validated(MotionOpenVoteSerializer)
        )
        return self.motion_response(motion)

    @_acting(
        "closeMotionVote",
        _("Close the vote now"),
        _("The secretariat: the round is tallied; carried, the membership changes at once."),
        MotionCommentSerializer,
        {"comment": ""},
    )
    @action(detail=True, methods=["post"], url_path="close-vote")
    def close_vote(self, request, motion_id=None):
        motion = self.get_object()
        services.motion_vote_close(
            motion=motion, actor=request.user, **self.validated(MotionCommentSerializer)
        )
        return self.motion_response(motion)

    @_acting(
        "confirmWithdrawal",
        _("Confirm a notice of withdrawal"),
        _("The secretariat: the membership ends on the date the notice names."),
        MotionCommentSerializer,
        {"comment": "Letter of 3 November received."},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, motion_id=None):
        motion = self.get_object()
        services.motion_confirm(motion=motion, actor=request.user, **self.validated(MotionCommentSerializer))
        return self.motion_response(motion)

    @_acting(
        "dropMotion",
        _("Drop a motion"),
        _("The secretariat, with the reason the union reads; an open round is void."),
        MotionDropSerializer,
        {"reason": "The union sent its statutes."},
    )
    @action(detail=True, methods=["post"])
    def drop(self, request, motion_id=None):
        motion = self.get_object()
        services.motion_drop(motion=motion, actor=request.user, **self.validated(MotionDropSerializer))
        return self.motion_response(motion)

    @_acting(
        "castMotionBallot",
        _("Vote on a decision"),
        _(
            "An eligible member of the open round's electorate; final. The union's representatives never vote."
        ),
        BallotInputSerializer,
        {"choice": "yes"},
        response=OpenApiResponse(MotionBallotSerializer, description=_("The ballot.")),
    )
    @action(detail=True, methods=["post"])
    def ballots(self, request, motion_id=None):
        motion = self.get_object()
        ballot = services.motion_vote_cast(
            motion=motion, member=request.user, **self.validated(BallotInputSerializer)
        )
        return Response(MotionBallotSerializer(ballot).data, status=status.HTTP_201_CREATED)

    @_acting(
        "recuseFromMotion",
        _("Recuse yourself from the vote"),
        _("An eligible member who has not voted leaves the electorate, with the reason."),
        RecusalInputSerializer,
        {"reason": "I studied at this union's university."},
        response=OpenApiResponse(MotionRecusalSerializer, description=_("The recusal.")),
    )
    @action(detail=True, methods=["post"])
    def recusal(self, request, motion_id=None):
        motion = self.get_object()
        voter = services.motion_vote_recuse(
            motion=motion, member=request.user, **self.validated(RecusalInputSerializer)
        )
        return Response(MotionRecusalSerializer(voter).data)

    @extend_schema(
        operation_id="listMotionRounds",
        tags=[MOTIONS],
        summary=_("A motion's vote rounds"),
        description=_(
            "Tallies, named ballots and recusals as for an admission: never to the union's representatives."
        ),
        parameters=[ID],
        responses={200: VoteRoundSerializer(many=True), **docs.ON_ONE},
    )
    @action(detail=True, methods=["get"], url_path="rounds", pagination_class=None)
    def rounds(self, request, motion_id=None):
        motion = self.get_object()
        return Response(
            VoteRoundSerializer(selectors.motion_rounds_for(motion=motion, user=request.user), many=True).data
        )
