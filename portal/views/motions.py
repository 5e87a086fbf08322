"""Decisions on members in the portal: the committee's list of motions (/committee/motions/), a
member's page for the committee (/committee/members/<slug>/) where the secretariat proposes one, a
motion's page with its vote (/committee/motions/<pk>/), and a union's own requests from the member
area (/member/<slug>/motions/).

Thin: find the row, let ``workflows.rules`` say who may see it and act, read the form, call one
service of ``workflows.motions``, put its errors next to the fields. Refusals are messages.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from portal.member_forms import (
    MotionBallotForm,
    MotionCommentForm,
    MotionDropForm,
    MotionOpenVoteForm,
    MotionRecuseForm,
    ProposeMotionForm,
)
from portal.views.common import apply_errors, committee_required, secretariat_required
from registry.models import Organization
from registry.selectors import in_good_standing, latest_membership, return_status
from workflows import motions as services
from workflows import rules, selectors, votes
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import Motion

# --- the committee's lists --------------------------------------------------------------------------------


@require_safe
@committee_required
def committee_motions(request):
    return render(
        request,
        "portal/committee_motions.html",
        {"open": list(selectors.open_motions()), "decided": list(selectors.decided_motions())},
    )


def _member_context(request, organization, form=None) -> dict:
    membership = latest_membership(organization)
    return {
        "organization": organization,
        "membership": membership,
        "good_standing": membership is not None and in_good_standing(membership),
        "return_status": return_status(membership) if membership and membership.is_current else None,
        "motions": list(membership.motions.order_by("-proposed_at", "-pk")) if membership else [],
        "form": form or ProposeMotionForm(),
        "may_propose": membership is not None
        and membership.is_current
        and roles.is_secretariat(request.user),
        "may_see_dues": roles.is_secretariat(request.user),
    }


@require_safe
@committee_required
def committee_member(request, slug: str):
    organization = get_object_or_404(Organization.objects.select_related("region"), slug=slug)
    return render(request, "portal/committee_member.html", _member_context(request, organization))


@require_POST
@secretariat_required
def committee_motion_propose(request, slug: str):
    organization = get_object_or_404(Organization, slug=slug)
    membership = latest_membership(organization)
    if membership is None:
        raise Http404
    form = ProposeMotionForm(request.POST)
    motion = _propose(request, membership, form)
    if motion is not None:
        return redirect("committee-motion", motion_id=motion.pk)
    context = _member_context(request, organization, form)
    return render(request, "portal/committee_member.html", context, status=400 if form.errors else 409)


def _propose(request, membership, form) -> Motion | None:
    """Call ``motion_propose`` with a valid form; errors next to the fields, refusals as a message."""
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing was saved."))
        return None
    try:
        motion = services.motion_propose(
            membership=membership, actor=request.user, kind=form.cleaned_data["kind"], **form.service_data()
        )
    except WorkflowError as exc:
        if not (exc.code == ErrorCode.INVALID and apply_errors(exc, form)):
            messages.error(request, exc.message)
        else:
            messages.error(request, _("Please correct the errors below. Nothing was saved."))
        return None
    messages.success(request, _("The motion is recorded; the union's representatives are told."))
    return motion


# --- a motion's page ----------------------------------------------------------------------------------------


def _motion(request, motion_id: int) -> Motion:
    motion = (
        Motion.objects.select_related("membership__organization", "proposed_by", "invoice")
        .filter(pk=motion_id)
        .first()
    )
    if motion is None or not rules.may_view_motion(motion, request.user):
        raise Http404
    return motion


# Each action of a motion's page: its form, its one service, the keyword the service takes the
# person by, and what is said when done. The form gives the service its other arguments.
MOTION_PAGE_ACTIONS: dict[str, tuple[type, Callable, str, str]] = {
    "open_vote": (
        MotionOpenVoteForm,
        services.motion_vote_open,
        "actor",
        gettext_lazy("The vote is open; the committee is told."),
    ),
    "close_vote": (
        MotionCommentForm,
        services.motion_vote_close,
        "actor",
        gettext_lazy("The vote is closed."),
    ),
    "confirm": (
        MotionCommentForm,
        services.motion_confirm,
        "actor",
        gettext_lazy("The notice of withdrawal is confirmed."),
    ),
    "drop": (
        MotionDropForm,
        services.motion_drop,
        "actor",
        gettext_lazy("The motion is dropped; the union is told."),
    ),
    "vote": (MotionBallotForm, services.motion_vote_cast, "member", gettext_lazy("Your vote is recorded.")),
    "recuse": (
        MotionRecuseForm,
        services.motion_vote_recuse,
        "member",
        gettext_lazy("You are recused from this vote."),
    ),
}


def _forms(motion, user, bound: dict) -> dict:
    initial = {"expected_state": motion.state}
    if "open_vote" in (allowed := rules.motion_allowed_actions(motion, user)):
        initial["deadline"] = votes.default_deadline(timezone.now()).date()
    return {
        action: bound.get(action) or form_class(initial=initial)
        for action, (form_class, _service, _person, _done) in MOTION_PAGE_ACTIONS.items()
        if action in allowed
    }


def _motion_page(request, motion, *, bound=None, status=200):
    context = {
        "motion": motion,
        "membership": motion.membership,
        "organization": motion.membership.organization,
        "rounds": selectors.motion_rounds_for(motion=motion, user=request.user),
        "forms": _forms(motion, request.user, bound or {}),
    }
    return render(request, "portal/committee_motion.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@committee_required
def committee_motion(request, motion_id: int):
    motion = _motion(request, motion_id)
    if request.method != "POST":
        return _motion_page(request, motion)
    action = request.POST.get("action", "")
    if action not in MOTION_PAGE_ACTIONS:
        messages.error(request, _("Unknown action."))
        return _motion_page(request, motion, status=400)
    form_class, service, person, done = MOTION_PAGE_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(motion=motion, **{person: request.user}, **form.service_data())
        except WorkflowError as exc:
            if not (exc.code == ErrorCode.INVALID and apply_errors(exc, form)):
                messages.error(request, exc.message)
                return redirect("committee-motion", motion_id=motion.pk)
        else:
            messages.success(request, done)
            return redirect("committee-motion", motion_id=motion.pk)
    return _motion_page(request, motion, bound={action: form}, status=400)
