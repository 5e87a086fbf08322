"""Reviews written before the applicant's answer to a request for information: they stay, their
authors are asked to confirm or revise them, and the review is completed only when every
assigned review was written, confirmed or revised after the latest answer."""

import datetime

import pytest
from django.utils import formats, timezone

from notifications.delivery import message_build
from notifications.models import Notification
from tests.cast import application_in, reload
from tests.workflows.helpers import snapshot
from workflows import rules, selectors, services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, Review
from workflows.notifications import Event

pytestmark = pytest.mark.django_db

S = ApplicationState


def answered_after_the_reviews(cast):
    """Under review with both reviews in; the secretariat asks for information, the applicant
    answers, the secretariat starts the review again."""
    application = application_in(S.UNDER_REVIEW, cast)
    services.application_request_info(application=application, actor=cast.secretariat, comment="Statutes?")
    services.application_resubmit(application=reload(application), actor=cast.applicant, comment="Attached.")
    return services.application_start_review(application=reload(application), actor=cast.secretariat)


def complete_refused(application, cast) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        services.application_complete_review(application=reload(application), actor=cast.secretariat)
    return refused.value


def name(user) -> str:
    return user.get_full_name() or user.email


def test_reviews_before_the_answer_are_confirmed_or_revised_before_the_review_is_completed(cast):
    first, second = cast.reviewers
    application = answered_after_the_reviews(cast)
    answer_at = rules.latest_answer_at(application)
    day = formats.date_format(timezone.localtime(answer_at, datetime.UTC), "j F Y")

    refused = complete_refused(application, cast)
    assert refused.code == ErrorCode.INCOMPLETE
    assert refused.message == (
        f"Some reviews were written before the applicant's answer of {day}; their authors must "
        f"confirm or revise them: {name(first)}, {name(second)}."
    )
    assert refused.details == {"pending_reviewers": [], "reviewers_to_confirm": sorted([first.pk, second.pk])}

    confirmed = services.review_confirm(application=application, reviewer=first)
    assert confirmed.confirmed_at > answer_at
    assert (confirmed.recommendation, confirmed.comment) == ("admit", "Eligible.")
    refused = complete_refused(application, cast)
    assert refused.details["reviewers_to_confirm"] == [second.pk]
    assert name(first) not in refused.message
    assert name(second) in refused.message

    revised = services.review_revise(
        application=application,
        reviewer=second,
        recommendation="reject",
        comment="  The statutes exclude women.  ",
    )
    assert (revised.recommendation, revised.comment) == ("reject", "The statutes exclude women.")
    assert revised.updated_at > answer_at
    assert revised.confirmed_at is None

    services.application_complete_review(application=reload(application), actor=cast.secretariat)
    assert reload(application).state == S.REVIEWED


def test_the_reviewers_are_asked_by_e_mail_and_the_secretariat_told_when_all_are_current(cast):
    first, second = cast.reviewers
    application = answered_after_the_reviews(cast)

    asked = Notification.objects.filter(event=Event.REVIEW_TO_CONFIRM).order_by("recipient_id")
    assert [(n.recipient, n.template) for n in asked] == [
        (first, "review_to_confirm"),
        (second, "review_to_confirm"),
    ]
    context = asked[0].context
    assert context["comment"] == "Attached."
    assert context["link"].endswith(f"/committee/applications/{application.pk}/")
    message = message_build(asked[0])
    assert (
        message.subject
        == f"The applicant answered: please confirm or change your review of {application.name}"
    )
    assert f"answered a request for information on {context['answer_display']}" in message.body
    assert "Then confirm your review as it is, or change it." in message.body

    before = Notification.objects.filter(event=Event.REVIEW_COMPLETE).count()
    services.review_confirm(application=application, reviewer=first)
    assert Notification.objects.filter(event=Event.REVIEW_COMPLETE).count() == before
    services.review_confirm(application=application, reviewer=second)
    told = Notification.objects.filter(event=Event.REVIEW_COMPLETE).order_by("-pk")
    # once more, for this answer: one notice to each member of the secretariat
    assert told.count() == before + len(cast.secretariat_team)
    assert told[0].context["after_answer"] is True
    assert "after the applicant's answer" in message_build(told[0]).body


def test_a_review_not_by_its_author_cannot_be_revised_nor_confirmed(cast):
    application = answered_after_the_reviews(cast)
    before = snapshot(application)

    for someone in (cast.secretariat, cast.committee[0], cast.applicant, cast.other_applicant):
        with pytest.raises(WorkflowError) as refused:
            services.review_revise(
                application=application, reviewer=someone, recommendation="reject", comment="Changed."
            )
        assert refused.value.code == ErrorCode.FORBIDDEN
        with pytest.raises(WorkflowError) as refused:
            services.review_confirm(application=application, reviewer=someone)
        assert refused.value.code == ErrorCode.FORBIDDEN
    assert snapshot(application) == before


def test_a_review_is_revisable_by_its_author_until_the_review_is_completed(cast):
    application = application_in(S.UNDER_REVIEW, cast)
    review = services.review_revise(
        application=application, reviewer=cast.reviewers[0], recommendation="needs_info", comment="Which?"
    )
    assert Review.objects.get(pk=review.pk).recommendation == "needs_info"

    application = services.application_complete_review(
        application=reload(application), actor=cast.secretariat
    )
    with pytest.raises(WorkflowError) as refused:
        services.review_revise(
            application=application, reviewer=cast.reviewers[0], recommendation="admit", comment="Fine."
        )
    assert refused.value.code == ErrorCode.NOT_ALLOWED


def test_a_revision_is_checked_like_a_review(cast):
    application = application_in(S.UNDER_REVIEW, cast)

    with pytest.raises(WorkflowError) as refused:
        services.review_revise(
            application=application, reviewer=cast.reviewers[0], recommendation="maybe", comment=" "
        )

    assert refused.value.code == ErrorCode.INVALID
    assert set(refused.value.details) == {"recommendation", "comment"}


def test_a_review_written_or_confirmed_after_the_answer_needs_no_confirmation(cast):
    application = application_in(S.UNDER_REVIEW, cast)
    with pytest.raises(WorkflowError) as refused:
        services.review_confirm(application=application, reviewer=cast.reviewers[0])
    assert refused.value.code == ErrorCode.CONFLICT

    application = answered_after_the_reviews(cast)
    services.review_confirm(application=application, reviewer=cast.reviewers[0])
    with pytest.raises(WorkflowError) as refused:
        services.review_confirm(application=application, reviewer=cast.reviewers[0])
    assert refused.value.code == ErrorCode.CONFLICT


def test_an_answer_before_any_review_asks_nobody_to_confirm(cast):
    application = application_in(S.INFO_REQUESTED, cast)
    services.application_resubmit(application=application, actor=cast.applicant)
    application = services.application_start_review(application=reload(application), actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_submit(
            application=application, reviewer=reviewer, recommendation="admit", comment="Yes."
        )

    assert not Notification.objects.filter(event=Event.REVIEW_TO_CONFIRM).exists()
    services.application_complete_review(application=reload(application), actor=cast.secretariat)
    assert reload(application).state == S.REVIEWED


def test_a_second_answer_asks_again_for_a_confirmed_review(cast):
    application = answered_after_the_reviews(cast)
    for reviewer in cast.reviewers:
        services.review_confirm(application=application, reviewer=reviewer)
    assert rules.reviewers_to_confirm(application) == []

    services.application_request_info(application=reload(application), actor=cast.secretariat, comment="And?")
    services.application_resubmit(application=reload(application), actor=cast.applicant)

    assert rules.reviewers_to_confirm(reload(application)) == sorted(r.pk for r in cast.reviewers)
    assert (
        Notification.objects.filter(event=Event.REVIEW_TO_CONFIRM).count() == 4
    )  # two answers, two reviewers


def test_the_committee_page_s_reviews_say_which_predate_the_answer(cast):
    application = answered_after_the_reviews(cast)
    services.review_confirm(application=application, reviewer=cast.reviewers[0])

    reviews = {r.reviewer_id: r for r in selectors.application_reviews(application=application)}

    assert reviews[cast.reviewers[0].pk].before_answer is None
    assert reviews[cast.reviewers[1].pk].before_answer == rules.latest_answer_at(application)
