"""Each transition: allowed for the right role in the right state; refused, with the right
error code and without changing any row, for every other role and every other state."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from tests.cast import ROLES, application_in, new_draft, reload, step
from tests.factories import ApplicationFactory, reviewer_user
from tests.workflows.helpers import log_story, snapshot
from workflows import services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import WITHDRAWABLE_STATES, ApplicationState, MembershipApplication, VoteRound

pytestmark = pytest.mark.django_db

S = ApplicationState
COMMENT = "Please send the minutes of your last general assembly."


@dataclass(frozen=True)
class Spec:
    call: Callable  # (application, actor) -> the service's answer
    role: str  # the one role allowed
    sources: tuple[str, ...]
    target: str  # where the allowed call leads from the states ``application_in`` builds
    comment: str | None = None  # what the log's description holds
    role_checked_first: bool = False  # the service checks the role before the state


TRANSITIONS = {
    "submit": Spec(
        lambda a, u: services.application_submit(application=a, actor=u),
        "applicant",
        (S.DRAFT,),
        S.SUBMITTED,
    ),
    "request_info": Spec(
        lambda a, u: services.application_request_info(application=a, actor=u, comment=COMMENT),
        "secretariat",
        (S.SUBMITTED, S.UNDER_REVIEW),
        S.INFO_REQUESTED,
        comment=COMMENT,
    ),
    "resubmit": Spec(
        lambda a, u: services.application_resubmit(application=a, actor=u),
        "applicant",
        (S.INFO_REQUESTED,),
        S.SUBMITTED,
    ),
    "start_review": Spec(
        lambda a, u: services.application_start_review(application=a, actor=u),
        "secretariat",
        (S.SUBMITTED,),
        S.UNDER_REVIEW,
    ),
    "complete_review": Spec(
        lambda a, u: services.application_complete_review(application=a, actor=u),
        "secretariat",
        (S.UNDER_REVIEW,),
        S.REVIEWED,
    ),
    "open_vote": Spec(
        lambda a, u: services.vote_open(application=a, actor=u),
        "secretariat",
        (S.REVIEWED,),
        S.EXECUTIVE_VOTE,
    ),
    # No ballot is cast in the built state: closing finds no quorum and goes back to reviewed.
    "close_vote": Spec(
        lambda a, u: services.vote_close(application=a, actor=u),
        "secretariat",
        (S.EXECUTIVE_VOTE,),
        S.REVIEWED,
        role_checked_first=True,
    ),
    "reject": Spec(
        lambda a, u: services.application_reject(application=a, actor=u, comment=COMMENT),
        "secretariat",
        (S.SUBMITTED,),
        S.REJECTED,
        comment=COMMENT,
    ),
    "withdraw": Spec(
        lambda a, u: services.application_withdraw(application=a, actor=u),
        "applicant",
        tuple(WITHDRAWABLE_STATES),
        S.WITHDRAWN,
    ),
}

ALLOWED = [(name, state) for name, spec in TRANSITIONS.items() for state in spec.sources]


def expected_refusal(spec: Spec, role: str, state: str) -> ErrorCode:
    state_ok, role_ok = state in spec.sources, role == spec.role
    assert not (state_ok and role_ok)
    if not state_ok and (role_ok or not spec.role_checked_first):
        return ErrorCode.NOT_ALLOWED
    return ErrorCode.FORBIDDEN


@pytest.mark.parametrize(("name", "state"), ALLOWED)
def test_transition_is_allowed_for_the_right_role_in_its_source_state(cast, name, state):
    spec = TRANSITIONS[name]
    application = application_in(state, cast)
    actor = cast.role(spec.role)
    before = len(log_story(application))

    spec.call(application, actor)

    application = reload(application)
    assert application.state == spec.target
    story = log_story(application)
    assert len(story) == before + 1
    assert story[-1] == (name, state, spec.target, actor, spec.comment)


@pytest.mark.parametrize("state", list(S))
def test_every_transition_is_refused_for_every_other_role_and_state_and_changes_nothing(cast, state):
    """The table for one state: every transition by every role, but the one allowed pair.
    Each refusal must carry its code and leave every row as it was; all mismatches are
    reported together."""
    application = application_in(state, cast)
    before = snapshot(application)
    mismatches = []

    for name, spec in TRANSITIONS.items():
        for role in ROLES:
            if state in spec.sources and role == spec.role:
                continue  # allowed: see the test above
            expected = expected_refusal(spec, role, state)
            try:
                spec.call(application, cast.role(role))
            except WorkflowError as refused:
                if refused.code != expected:
                    mismatches.append((name, role, f"{refused.code} instead of {expected}"))
            else:
                mismatches.append((name, role, f"allowed instead of {expected}"))
            if snapshot(application) != before:
                mismatches.append((name, role, "changed rows"))
                before = snapshot(application)

    assert mismatches == []


# --- the other refusals: incomplete, invalid, conflict -------------------------------------------


def test_submit_without_the_required_documents_is_incomplete(cast):
    application = ApplicationFactory(applicant=cast.applicant)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.application_submit(application=application, actor=cast.applicant)

    assert refused.value.code == ErrorCode.INCOMPLETE
    assert refused.value.details == {"missing_documents": ["statutes", "registration"]}
    assert snapshot(application) == before


def test_submit_with_missing_fields_is_incomplete_and_names_them(cast):
    application = new_draft(cast)
    services.application_update(
        application=application, actor=cast.applicant, data={"city": "", "founded_year": None}
    )
    with pytest.raises(WorkflowError) as refused:
        services.application_submit(application=application, actor=cast.applicant)

    assert refused.value.code == ErrorCode.INCOMPLETE
    assert refused.value.details == {"missing_fields": ["city", "founded_year"]}
    assert reload(application).state == S.DRAFT


def test_resubmit_after_removing_a_required_document_is_incomplete(cast):
    application = application_in(S.INFO_REQUESTED, cast)
    statutes = application.documents.get(kind="statutes")
    services.document_remove(document=statutes, actor=cast.applicant)

    with pytest.raises(WorkflowError) as refused:
        services.application_resubmit(application=application, actor=cast.applicant)

    assert refused.value.code == ErrorCode.INCOMPLETE
    assert refused.value.details == {"missing_documents": ["statutes"]}
    assert reload(application).state == S.INFO_REQUESTED


@pytest.mark.parametrize("service", [services.application_request_info, services.application_reject])
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_request_info_and_reject_need_a_comment(cast, service, comment):
    application = application_in(S.SUBMITTED, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        service(application=application, actor=cast.secretariat, comment=comment)

    assert refused.value.code == ErrorCode.INVALID
    assert "comment" in refused.value.details
    assert snapshot(application) == before


def test_start_review_with_too_few_reviewers_is_incomplete(cast):
    application = new_draft(cast)
    application = step(application, S.SUBMITTED, cast)  # assigns two reviewers
    application.assignments.filter(reviewer=cast.reviewers[1]).delete()
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.application_start_review(application=application, actor=cast.secretariat)

    assert refused.value.code == ErrorCode.INCOMPLETE
    assert refused.value.details == {"assigned": 1, "required": 2}
    assert snapshot(application) == before


def test_start_review_assigns_the_reviewers_given_and_starts(cast):
    application = new_draft(cast)
    application = services.application_submit(application=application, actor=cast.applicant)

    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=[r.pk for r in cast.reviewers]
    )

    application = reload(application)
    assert application.state == S.UNDER_REVIEW
    assert set(application.assignments.values_list("reviewer", "assigned_by")) == {
        (r.pk, cast.secretariat.pk) for r in cast.reviewers
    }


def test_the_applicant_cannot_review_their_own_application(cast):
    cast.applicant.groups.add(*cast.reviewers[0].groups.all())
    application = new_draft(cast)
    application = services.application_submit(application=application, actor=cast.applicant)

    with pytest.raises(WorkflowError) as refused:
        services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=[cast.applicant])

    assert refused.value.code == ErrorCode.INVALID
    assert not application.assignments.exists()


def test_only_reviewers_and_committee_members_can_be_assigned(cast):
    application = new_draft(cast)
    application = services.application_submit(application=application, actor=cast.applicant)

    with pytest.raises(WorkflowError) as refused:
        services.reviewers_assign(
            application=application, actor=cast.secretariat, reviewers=[cast.other_applicant]
        )

    assert refused.value.code == ErrorCode.INVALID
    services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=[cast.committee[0]])
    assert list(application.assignments.values_list("reviewer", flat=True)) == [cast.committee[0].pk]


def test_complete_review_with_a_review_missing_is_incomplete(cast):
    application = application_in(S.SUBMITTED, cast)
    application = services.application_start_review(application=application, actor=cast.secretariat)
    services.review_submit(
        application=application, reviewer=cast.reviewers[0], recommendation="admit", comment="Fine."
    )
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.application_complete_review(application=application, actor=cast.secretariat)

    assert refused.value.code == ErrorCode.INCOMPLETE
    assert refused.value.details == {
        "pending_reviewers": [cast.reviewers[1].pk],
        "reviewers_to_confirm": [],
    }
    reviewer = cast.reviewers[1]
    assert refused.value.message == (
        f"Not every assigned reviewer has submitted a review: {reviewer.get_full_name() or reviewer.email}."
    )
    assert snapshot(application) == before


def test_review_by_someone_not_assigned_is_forbidden(cast):
    application = application_in(S.SUBMITTED, cast)
    application = services.application_start_review(application=application, actor=cast.secretariat)
    outsider = reviewer_user()

    for who in (outsider, cast.committee[0], cast.secretariat, cast.applicant):
        with pytest.raises(WorkflowError) as refused:
            services.review_submit(application=application, reviewer=who, recommendation="admit", comment="x")
        assert refused.value.code == ErrorCode.FORBIDDEN
    assert not application.reviews.exists()


@pytest.mark.parametrize(
    ("recommendation", "comment", "field"),
    [("maybe", "Looks fine.", "recommendation"), ("admit", "  ", "comment")],
)
def test_review_with_a_bad_recommendation_or_no_comment_is_invalid(cast, recommendation, comment, field):
    application = application_in(S.SUBMITTED, cast)
    application = services.application_start_review(application=application, actor=cast.secretariat)

    with pytest.raises(WorkflowError) as refused:
        services.review_submit(
            application=application,
            reviewer=cast.reviewers[0],
            recommendation=recommendation,
            comment=comment,
        )

    assert refused.value.code == ErrorCode.INVALID
    assert list(refused.value.details) == [field]
    assert not application.reviews.exists()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.REVIEWED])
def test_review_outside_the_review_phase_is_not_allowed(cast, state):
    application = application_in(state, cast)
    reviews = application.reviews.count()

    with pytest.raises(WorkflowError) as refused:
        services.review_submit(
            application=application, reviewer=cast.reviewers[0], recommendation="reject", comment="Late."
        )

    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert application.reviews.count() == reviews


def test_open_vote_without_committee_members_is_incomplete(cast):
    application = application_in(S.REVIEWED, cast)
    for member in cast.committee:
        member.groups.clear()
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_open(application=application, actor=cast.secretariat)

    assert refused.value.code == ErrorCode.INCOMPLETE
    assert snapshot(application) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"deadline": timezone.now() - timezone.timedelta(minutes=1)}, "deadline"),
        ({"category": "honorary"}, "category"),
    ],
)
def test_open_vote_with_a_past_deadline_or_unknown_category_is_invalid(cast, kwargs, field):
    application = application_in(S.REVIEWED, cast)
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_open(application=application, actor=cast.secretariat, **kwargs)

    assert refused.value.code == ErrorCode.INVALID
    assert list(refused.value.details) == [field]
    assert snapshot(application) == before


def test_open_vote_while_a_round_is_open_is_a_conflict(cast):
    """The guard behind the round constraint: a round left open (which the services never do)
    blocks a second one."""
    application = application_in(S.REVIEWED, cast)
    VoteRound.objects.create(
        application=application,
        number=1,
        opened_by=cast.secretariat,
        deadline=timezone.now() + timezone.timedelta(days=1),
        vote_rules={"quorum": "1/2", "majority": "simple", "base": "yes_no"},
    )
    before = snapshot(application)

    with pytest.raises(WorkflowError) as refused:
        services.vote_open(application=application, actor=cast.secretariat)

    assert refused.value.code == ErrorCode.CONFLICT
    assert snapshot(application) == before


# Somebody else's action that takes an application out of each open state.
MOVE_ON = {
    S.DRAFT: lambda a, p: services.application_submit(application=a, actor=p.applicant),
    S.SUBMITTED: lambda a, p: services.application_reject(application=a, actor=p.secretariat, comment="No."),
    S.INFO_REQUESTED: lambda a, p: services.application_resubmit(application=a, actor=p.applicant),
    S.UNDER_REVIEW: lambda a, p: services.application_request_info(
        application=a, actor=p.secretariat, comment="?"
    ),
    S.REVIEWED: lambda a, p: services.vote_open(application=a, actor=p.secretariat),
    S.EXECUTIVE_VOTE: lambda a, p: services.vote_close(application=a, actor=p.secretariat),
}


@pytest.mark.parametrize(("name", "state"), ALLOWED)
def test_a_transition_on_an_out_of_date_copy_is_a_conflict(cast, name, state):
    """Somebody acted since the caller loaded the application: the caller's action is refused."""
    spec = TRANSITIONS[name]
    stale = application_in(state, cast)
    if name == "withdraw" or state == S.DRAFT:  # a draft is never withdrawn
        MOVE_ON[state](reload(stale), cast)
    else:
        services.application_withdraw(application=reload(stale), actor=cast.applicant)
    moved_to = reload(stale).state
    before = snapshot(stale)

    with pytest.raises(WorkflowError) as refused:
        spec.call(stale, cast.role(spec.role))

    assert refused.value.code == ErrorCode.CONFLICT
    assert refused.value.details == {"state": moved_to}
    assert snapshot(stale) == before


def test_a_refused_transition_writes_no_log_row(cast):
    application = new_draft(cast)
    content_type = ContentType.objects.get_for_model(MembershipApplication)

    with pytest.raises(WorkflowError):
        services.application_submit(application=application, actor=cast.other_applicant)

    assert not StateLog.objects.filter(content_type=content_type, object_id=application.pk).exists()
