"""The member area (/member/): the unions a person represents, each union's page and its actions;
the invitation link (/invitations/<token>/); the secretariat's change requests
(/committee/change-requests/).

Thin: find the union, let ``workflows.rules`` say who may see it (404 to anyone who does not
represent it), read the form, call one service (``workflows.membership``), put its errors next to
the fields. A refused action becomes a message, never a server error.
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.certificates import certificate_pdf, certificate_text, qr_svg
from portal.member_forms import (
    ChangeRequestForm,
    DecideChangeForm,
    InviteForm,
    ProfileForm,
    UnionMotionForm,
    YearlyReturnForm,
)
from portal.views.common import secretariat_required
from registry.models import (
    ChangeRequest,
    ChangeRequestState,
    Organization,
    Representative,
    RepresentativeInvitation,
)
from registry.selectors import (
    active_representatives,
    filed_returns,
    in_good_standing,
    invitation_by_token,
    is_representative,
    latest_membership,
    pending_change_requests,
    pending_invitations,
    represented_unions,
    return_status,
    years_to_file,
)
from workflows import membership as services
from workflows import motions, rules
from workflows.errors import ErrorCode, WorkflowError

UNION_TEMPLATE = "portal/member_union.html"
RETURN_TEMPLATE = "portal/member_return.html"

# --- helpers ----------------------------------------------------------------------------------------------


def _union(request, slug: str) -> Organization:
    """The union ``slug`` if the signed-in person represents it; 404 otherwise (also when it does not exist)."""
    organization = Organization.objects.select_related("region").filter(slug=slug).first()
    if organization is None or rules.member_refusal("view", organization, request.user) is not None:
        raise Http404
    return organization


def _representative_rows(organization, user) -> list[tuple]:
    """Each active representative with whether ``user`` may remove them or make them primary."""
    return [
        (
            r,
            rules.member_refusal("remove_representative", organization, user, r) is None,
            rules.member_refusal("make_primary", organization, user, r) is None,
        )
        for r in active_representatives(organization)
    ]


def _union_context(request, organization, **bound) -> dict:
    membership = latest_membership(organization)
    current = membership is not None and membership.is_current
    actions = rules.member_allowed_actions(organization, request.user)
    return {
        "organization": organization,
        "membership": membership,
        "actions": actions,
        "good_standing": membership is not None and in_good_standing(membership),
        "return_status": return_status(membership) if current else None,
        "representatives": _representative_rows(organization, request.user),
        "invitations": list(pending_invitations(organization)),
        "change_requests": [
            (cr, services.change_lines(cr))
            for cr in organization.change_requests.select_related("requested_by")[:10]
        ],
        "invite_form": bound.get("invite_form") or InviteForm(),
        "profile_form": bound.get("profile_form") or ProfileForm.for_organization(organization),
        "change_form": bound.get("change_form") or ChangeRequestForm(),
        "motions": list(membership.motions.order_by("-proposed_at", "-pk")) if membership else [],
        "motion_form": bound.get("motion_form") or UnionMotionForm(),
        "may_ask": current and "edit_profile" in actions,
    }


def _place_errors(exc: WorkflowError, form) -> bool:
    """Put the service's per-field errors next to the fields; True when some field got one."""
    placed = False
    for field, errors in (exc.details or {}).items():
        if field in form.fields and isinstance(errors, list | tuple):
            form.add_error(field, list(errors))
            placed = True
    return placed


def _act(request, organization, form, form_key: str, call: Callable, done: str):
    """Run ``call(form)`` for a valid form; errors next to the fields (400), refusals as a message."""
    if form.is_valid():
        try:
            call(form)
        except WorkflowError as exc:
            if not (exc.code == ErrorCode.INVALID and _place_errors(exc, form)):
                messages.error(request, exc.message)
                return redirect("member-union", slug=organization.slug)
        else:
            messages.success(request, done)
            return redirect("member-union", slug=organization.slug)
    messages.error(request, _("Please correct the errors below. Nothing was saved."))
    context = _union_context(request, organization, **{form_key: form})
    return render(request, UNION_TEMPLATE, context, status=400)


def _refusable(request, organization, call: Callable, done: str):
    """An action without a form (remove, make primary, revoke): the outcome as a message."""
    try:
        call()
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("member-union", slug=organization.slug)


# --- the member area ------------------------------------------------------------------------------------------


@require_safe
@login_required
def member_home(request):
    return render(request, "portal/member_home.html", {"unions": represented_unions(request.user)})


@never_cache
@require_safe
@login_required
def member_union(request, slug: str):
    organization = _union(request, slug)
    return render(request, UNION_TEMPLATE, _union_context(request, organization))


def _with_certificate(view):
    """Call ``view(request, organization, certificate)`` with the union's certificate for the signed-in
    person; a union they may not see is 404, one without a certificate (not a member in good standing…)
    the certificate page saying why (409)."""

    @functools.wraps(view)
    def wrapper(request, slug: str):
        organization = Organization.objects.select_related("region").filter(slug=slug).first()
        if organization is None:
            raise Http404
        try:
            certificate = services.certificate_issue(organization=organization, actor=request.user)
        except WorkflowError as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                raise Http404 from None
            context = {"organization": organization, "refusal": exc.message}
            return render(request, "portal/member_certificate.html", context, status=409)
        return view(request, organization, certificate)

    return wrapper


@never_cache
@require_safe
@login_required
@_with_certificate
def member_certificate(request, organization: Organization, certificate):
    """The union's membership certificate as a page, with its QR code and a link to the PDF."""
    context = {
        "organization": organization,
        "certificate": certificate,
        "text": certificate_text(certificate),
        "qr": qr_svg(certificate),
        "is_representative": is_representative(organization, request.user),
    }
    return render(request, "portal/member_certificate.html", context)


@never_cache
@require_safe
@login_required
@_with_certificate
def member_certificate_pdf(request, organization: Organization, certificate):
    """The same certificate as a PDF to download."""
    response = HttpResponse(
        certificate_pdf(certificate, federation_name=settings.FEDERATION_NAME), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{organization.slug}.pdf"'
    return response


@require_POST
@login_required
def member_profile(request, slug: str):
    organization = _union(request, slug)

    def call(form):
        services.organization_profile_update(
            organization=organization, actor=request.user, data=form.service_data()
        )

    form = ProfileForm(request.POST)
    return _act(request, organization, form, "profile_form", call, _("The directory entry is saved."))


@require_POST
@login_required
def member_invite(request, slug: str):
    organization = _union(request, slug)

    def call(form):
        services.invitation_send(
            organization=organization, actor=request.user, email=form.cleaned_data["email"]
        )

    form = InviteForm(request.POST)
    done = _("The invitation is sent by e-mail.")
    return _act(request, organization, form, "invite_form", call, done)


@require_POST
@login_required
def member_change_request(request, slug: str):
    organization = _union(request, slug)

    def call(form):
        services.change_request_submit(
            organization=organization,
            actor=request.user,
            changes=form.service_changes(),
            comment=form.cleaned_data["comment"],
        )

    done = _("Your request is sent to the secretariat. We will write to you when it is decided.")
    return _act(request, organization, ChangeRequestForm(request.POST), "change_form", call, done)


@require_POST
@login_required
def member_motion(request, slug: str):
    """A representative asks for a change of category, or gives the union's notice of withdrawal."""
    organization = _union(request, slug)

    def call(form):
        motions.motion_propose(
            membership=latest_membership(organization),
            actor=request.user,
            kind=form.cleaned_data["kind"],
            **form.service_data(),
        )

    done = _("Your request is sent to the secretariat. We will write to you when it is decided.")
    return _act(request, organization, UnionMotionForm(request.POST), "motion_form", call, done)


@require_POST
@login_required
def member_invitation_revoke(request, slug: str, invitation_id: int):
    organization = _union(request, slug)
    invitation = get_object_or_404(RepresentativeInvitation, pk=invitation_id, organization=organization)

    def call():
        services.invitation_revoke(invitation=invitation, actor=request.user)

    return _refusable(request, organization, call, _("The invitation is withdrawn."))


@require_POST
@login_required
def member_representative_remove(request, slug: str, representative_id: int):
    organization = _union(request, slug)
    representative = get_object_or_404(Representative, pk=representative_id, organization=organization)

    def call():
        services.representative_remove(representative=representative, actor=request.user)

    if representative.user_id == request.user.pk:  # leaving: the union's page is no longer theirs
        response = _refusable(request, organization, call, _("You no longer represent this union."))
        return response if is_representative(organization, request.user) else redirect("member-home")
    return _refusable(request, organization, call, _("The representative is removed."))


@require_POST
@login_required
def member_representative_primary(request, slug: str, representative_id: int):
    organization = _union(request, slug)
    representative = get_object_or_404(Representative, pk=representative_id, organization=organization)

    def call():
        services.representative_make_primary(representative=representative, actor=request.user)

    return _refusable(request, organization, call, _("The primary contact is changed."))


# --- the yearly return ----------------------------------------------------------------------------------------


def _membership(organization):
    membership = latest_membership(organization)
    if membership is None:
        raise Http404
    return membership


def _return_form(request, membership) -> YearlyReturnForm:
    """The return's form: the years still to file; the officers of the last return to start from."""
    last = filed_returns(membership).first()
    officers = (last.data.get("officers") or []) if last else []
    initial = {"students_represented": membership.organization.students_represented}
    if last:
        initial["students_represented"] = last.data.get("students_represented")
    data = request.POST if request.method == "POST" else None
    return YearlyReturnForm(data, years=years_to_file(membership), officers=officers, initial=initial)


def _return_page(request, organization, membership, form, status=200):
    context = {
        "organization": organization,
        "membership": membership,
        "can_file": rules.member_refusal("file_return", organization, request.user) is None,
        "return_status": return_status(membership) if membership.is_current else None,
        "returns": list(filed_returns(membership)),
        "form": form,
    }
    return render(request, RETURN_TEMPLATE, context, status=status)


def _refusal_status(exc: WorkflowError) -> int:
    return {ErrorCode.INVALID: 400, ErrorCode.FORBIDDEN: 403}.get(exc.code, 409)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def member_return(request, slug: str):
    """The union's yearly returns: this year's due date, the returns filed, the form to file one."""
    organization = _union(request, slug)
    membership = _membership(organization)
    form = _return_form(request, membership)
    if request.method != "POST":
        return _return_page(request, organization, membership, form)
    if not form.is_valid():
        return _return_page(request, organization, membership, form, status=400)
    try:
        services.yearly_return_file(
            membership=membership,
            actor=request.user,
            data=form.service_data(),
            year=form.cleaned_data["year"],
        )
    except WorkflowError as exc:
        if not (exc.code == ErrorCode.INVALID and _place_errors(exc, form)):
            form.add_error(None, exc.message)
        return _return_page(request, organization, membership, form, status=_refusal_status(exc))
    messages.success(request, _("The yearly return is filed. Thank you!"))
    return redirect("member-return", slug=organization.slug)


# --- the invitation link ----------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def invitation(request, token: str):
    """The invitation to represent a union: what it is, and a button to accept it (or why one cannot)."""
    found = invitation_by_token(token)
    if found is None:
        raise Http404
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, user=request.user)
        except WorkflowError as exc:
            status = 403 if exc.code == ErrorCode.FORBIDDEN else 409
            return render(
                request,
                "portal/invitation.html",
                {"invitation": found, "problem": exc.message},
                status=status,
            )
        messages.success(
            request, _("Welcome! You now represent %(name)s.") % {"name": found.organization.name}
        )
        return redirect("member-union", slug=found.organization.slug)
    refused = rules.invitation_refusal(found, request.user)
    problem = str(refused.message) if refused else ""
    return render(request, "portal/invitation.html", {"invitation": found, "problem": problem})


# --- the secretariat's change requests --------------------------------------------------------------------------


@require_safe
@secretariat_required
def committee_change_requests(request):
    decided = ChangeRequest.objects.exclude(state=ChangeRequestState.PENDING).select_related(
        "organization", "decided_by"
    )
    return render(
        request,
        "portal/committee_change_requests.html",
        {
            "pending": [(cr, services.change_lines(cr)) for cr in pending_change_requests()],
            "decided": list(decided[:20]),
            "form": DecideChangeForm(),
        },
    )


@require_POST
@secretariat_required
def committee_change_request_decide(request, request_id: int):
    change_request = get_object_or_404(ChangeRequest, pk=request_id)
    form = DecideChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect("committee-change-requests")
    approve = form.cleaned_data["action"] == "approve"
    service = services.change_request_approve if approve else services.change_request_decline
    try:
        service(change_request=change_request, actor=request.user, reason=form.cleaned_data["reason"])
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The change is approved.") if approve else _("The change is declined."))
    return redirect("committee-change-requests")
