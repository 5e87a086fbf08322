"""emit(): the rows each event writes, to whom, once; nothing when the transaction rolls back."""

import datetime
from dataclasses import replace

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import Notification, NotificationState
from tests.cast import new_draft, reload
from tests.factories import UserFactory, secretariat_user
from tests.workflows.notification_stories import (
    admitted_story,
    as_counter,
    no_quorum_then_withdrawn_story,
    reviews_confirmed_after_answer_story,
    screening_rejection_story,
)
from workflows import services
from workflows.notifications import Event, emit, portal_link

pytestmark = pytest.mark.django_db


def rows() -> list[tuple[str, str]]:
    return list(Notification.objects.order_by("pk").values_list("event", "recipient_email"))


def test_the_admitted_story_writes_each_event_to_its_recipients_once(cast):
    application, expected = admitted_story(cast)

    assert as_counter(rows()) == as_counter(expected)
    assert len(expected) == 22
    assert set(Notification.objects.values_list("state", flat=True)) == {NotificationState.PENDING}
    assert {n.subject for n in Notification.objects.all()} == {application}


def test_an_answer_after_the_reviews_asks_the_reviewers_and_tells_the_secretariat_when_all_confirmed(cast):
    application, expected = reviews_confirmed_after_answer_story(cast)

    assert application.state == "reviewed"
    assert as_counter(rows()) == as_counter(expected)
    again = Notification.objects.filter(event=Event.REVIEW_COMPLETE, recipient=cast.secretariat).order_by(
        "pk"
    )
    assert [n.context["after_answer"] for n in again] == [False, True]


def test_screening_rejection_goes_to_the_applicant_and_the_committee_with_the_reason(cast):
    _application, expected = screening_rejection_story(cast)

    assert as_counter(rows()) == as_counter(expected)
    to_applicant = Notification.objects.get(event=Event.REJECTED, recipient=cast.applicant)
    assert to_applicant.template == "rejected"
    assert to_applicant.context["reason"] == "Not a student union."
    assert to_applicant.context["by_vote"] is False
    assert Notification.objects.get(event=Event.REJECTED, recipient=cast.committee[0]).template == (
        "rejected_committee"
    )


def test_no_quorum_and_withdrawal_go_to_the_secretariat(cast):
    _application, expected = no_quorum_then_withdrawn_story(cast)

    assert as_counter(rows()) == as_counter(expected)
    withdrawn = Notification.objects.filter(event=Event.WITHDRAWN).first()
    assert withdrawn.context["comment"] == "We merged."
    no_quorum = Notification.objects.filter(event=Event.NO_QUORUM).first()
    assert (no_quorum.context["cast_count"], no_quorum.context["eligible_count"]) == (0, 3)


def test_a_failed_vote_rejects_and_tells_the_applicant_and_the_committee(cast):
    from tests.cast import new_draft as draft

    a = draft(cast)
    a = services.application_submit(application=a, actor=cast.applicant)
    services.reviewers_assign(application=a, actor=cast.secretariat, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="reject", comment="No.")
    a = services.application_complete_review(application=reload(a), actor=cast.secretariat)
    services.vote_open(application=a, actor=cast.secretariat)
    for member in cast.committee:
        services.vote_cast(application=reload(a), member=member, choice="no")

    rejected = Notification.objects.filter(event=Event.REJECTED)
    assert sorted(rejected.values_list("recipient_email", flat=True)) == sorted(
        [cast.applicant.email, *(u.email for u in cast.committee)]
    )
    committee_row = rejected.get(recipient=cast.committee[0])
    assert committee_row.context["by_vote"] is True
    assert (committee_row.context["no_count"], committee_row.context["eligible_count"]) == (3, 3)


def test_the_rows_hold_plain_context_and_links_per_reader(cast, settings):
    settings.SITE_URL = "https://registry.example.org"
    application = new_draft(cast)
    services.application_submit(application=application, actor=cast.applicant)

    receipt = Notification.objects.get(event=Event.SUBMITTED, recipient=cast.applicant)
    assert receipt.template == "submitted"
    assert receipt.context["link"] == f"https://registry.example.org/applications/{application.pk}/"
    assert receipt.context["application_name"] == application.name
    assert receipt.context["recipient_name"] == "Amina Okafor"
    staff = Notification.objects.get(event=Event.SUBMITTED, recipient=cast.secretariat)
    assert staff.template == "submitted_secretariat"
    assert staff.context["link"] == f"https://registry.example.org/committee/applications/{application.pk}/"
    assert portal_link(7, audience="secretariat").endswith("/committee/applications/7/")


def test_vote_opened_carries_the_deadline_and_goes_to_each_eligible_voter(cast, settings):
    settings.VOTE_MAX_DAYS = 3650  # a fixed deadline years ahead, for a fixed display
    application = new_draft(cast)
    a = services.application_submit(application=application, actor=cast.applicant)
    services.reviewers_assign(application=a, actor=cast.secretariat, reviewers=cast.reviewers)
    a = services.application_start_review(application=reload(a), actor=cast.secretariat)
    for reviewer in cast.reviewers:
        services.review_submit(application=a, reviewer=reviewer, recommendation="admit", comment="Yes.")
    a = services.application_complete_review(application=reload(a), actor=cast.secretariat)
    deadline = datetime.datetime(2031, 3, 4, 18, 0, tzinfo=datetime.UTC)
    vote_round = services.vote_open(application=a, actor=cast.secretariat, deadline=deadline)

    opened = Notification.objects.filter(event=Event.VOTE_OPENED, template="vote_opened")
    assert sorted(opened.values_list("recipient_id", flat=True)) == sorted(u.pk for u in cast.committee)
    context = opened.first().context
    assert context["deadline_display"] == "4 March 2031, 18:00 UTC"
    assert context["round_id"] == vote_round.pk
    assert context["link"].endswith(f"/committee/applications/{a.pk}/")


def test_the_same_event_twice_writes_no_second_row(cast):
    application = new_draft(cast)
    services.application_submit(application=application, actor=cast.applicant)
    log = services._latest_log(application)
    before = Notification.objects.count()

    again = emit(Event.SUBMITTED, application=reload(application), log=log)

    assert again == []
    assert Notification.objects.count() == before == 3
    keys = list(Notification.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    assert f"submitted:a{application.pk}:log{log.pk}:u{cast.applicant.pk}" in keys


def test_a_second_identical_event_in_another_transaction_is_ignored_too(cast):
    application = new_draft(cast)
    services.application_submit(application=application, actor=cast.applicant)
    log = services._latest_log(application)
    Notification.objects.filter(recipient=cast.secretariat).delete()  # as if only some rows had been written

    with transaction.atomic():
        created = emit(Event.SUBMITTED, application=reload(application), log=log)

    assert [n.recipient_id for n in created] == [cast.secretariat.pk]
    assert Notification.objects.count() == 3


def test_a_rolled_back_transition_writes_nothing_and_sends_nothing(cast, django_capture_on_commit_callbacks):
    application = new_draft(cast)

    def submit_then_fail():
        with transaction.atomic():
            services.application_submit(application=application, actor=cast.applicant)
            raise RuntimeError("the request failed after the transition")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        submit_then_fail()

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    assert reload(application).state == "draft"


def test_a_committed_transition_enqueues_each_row_by_id_and_sends_it(
    cast, django_capture_on_commit_callbacks
):
    application = new_draft(cast)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.application_submit(application=application, actor=cast.applicant)

    assert len(callbacks) == 1  # one publish of the three rows' ids, after commit
    rows = Notification.objects.order_by("pk")
    assert callbacks[0].args[0] == [{"notification_id": pk} for pk in rows.values_list("pk", flat=True)]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast.applicant.email, *(u.email for u in cast.secretariat_team)]
    )
    assert set(Notification.objects.values_list("state", flat=True)) == {NotificationState.SENT}


def test_inactive_staff_get_nothing_and_staff_without_an_address_get_a_row(cast):
    cast.secretariat_team[1].is_active = False
    cast.secretariat_team[1].save()
    no_address = secretariat_user(username="no-address", email="")
    application = new_draft(cast)
    services.application_submit(application=application, actor=cast.applicant)

    staff = Notification.objects.filter(event=Event.SUBMITTED).exclude(recipient=cast.applicant)
    assert sorted(staff.values_list("recipient_id", flat=True)) == sorted(
        [cast.secretariat.pk, no_address.pk]
    )
    assert staff.get(recipient=no_address).recipient_email == ""


def test_reviewer_assigned_is_keyed_by_assignment(cast):
    application = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=cast.reviewers[:1])
    services.reviewers_assign(
        application=reload(application), actor=cast.secretariat, reviewers=cast.reviewers
    )

    assigned = Notification.objects.filter(event=Event.REVIEWER_ASSIGNED)
    assert sorted(assigned.values_list("recipient_id", flat=True)) == sorted(u.pk for u in cast.reviewers)
    assert all(":assignment" in key for key in assigned.values_list("idempotency_key", flat=True))


def test_an_applicant_on_the_committee_gets_one_decision_email(cast):
    member_applicant = UserFactory(username="member-applicant@example.org", groups=["Executive Committee"])
    screening_rejection_story(replace(cast, applicant=member_applicant))

    rejected = Notification.objects.filter(event=Event.REJECTED, recipient=member_applicant)
    assert [n.template for n in rejected] == ["rejected"]
