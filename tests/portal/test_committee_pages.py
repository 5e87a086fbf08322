"""The committee's pages: the queue, and each action going through the services."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.cast import S, application_in, reload
from workflows import services
from workflows.models import Ballot, MembershipApplication, Review, VoteRound

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _post(client, application, action, **data):
    data.setdefault("expected_state", reload(application).state)
    return client.post(f"/committee/applications/{application.pk}/", {"action": action, **data}, follow=True)


# --- the queue ---------------------------------------------------------------------------------


def test_the_queue_counts_per_state_and_filters_by_state(cast, client_as):
    submitted = application_in(S.SUBMITTED, cast, assigned=False, name="Submitted Union")
    application_in(S.UNDER_REVIEW, cast, name="Reviewed Union", country="UG")
    application_in(S.DRAFT, cast, name="Draft Union", country="TZ")
    client = client_as(cast.secretariat)

    everything = client.get("/committee/")
    only_submitted = client.get("/committee/", {"state": "submitted"})

    counts = dict(everything.context["counts"])
    assert counts[S.SUBMITTED] == 1
    assert counts[S.UNDER_REVIEW] == 1
    assert S.DRAFT not in counts
    assert [a.name for a, _ in everything.context["rows"]] == ["Submitted Union", "Reviewed Union"]
    assert [a.pk for a, _ in only_submitted.context["rows"]] == [submitted.pk]
    assert "Draft Union" not in everything.content.decode()


def test_the_queue_filters_by_region_with_its_sub_regions(cast, client_as, regions):
    application_in(S.SUBMITTED, cast, assigned=False, name="Kenyan Union", region=regions["africa-east"])
    application_in(
        S.SUBMITTED, cast, assigned=False, name="Irish Union", country="IE", region=regions["europe-north"]
    )
    response = client_as(cast.secretariat).get("/committee/", {"region": "africa"})
    assert [a.name for a, _ in response.context["rows"]] == ["Kenyan Union"]


def test_the_queue_filters_by_waiting_time(cast, client_as):
    old = application_in(S.SUBMITTED, cast, assigned=False, name="Old Union")
    application_in(S.SUBMITTED, cast, assigned=False, name="New Union", country="UG")
    MembershipApplication.objects.filter(pk=old.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=20)
    )
    response = client_as(cast.secretariat).get("/committee/", {"waiting": "14"})
    assert [a.name for a, _ in response.context["rows"]] == ["Old Union"]


def test_the_queue_marks_what_waits_for_me(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )
    response = client_as(cast.reviewers[0]).get("/committee/")
    assert response.context["rows"] == [(reload(application), "review")]
    assert "Your review" in response.content.decode()


def test_the_queue_shows_the_progress_of_reviews_and_votes(cast, client_as):
    in_review = application_in(S.SUBMITTED, cast, assigned=False, name="Reviewing Union")
    services.application_start_review(application=in_review, actor=cast.secretariat, reviewers=cast.reviewers)
    services.review_submit(
        application=reload(in_review), reviewer=cast.reviewers[0], recommendation="admit", comment="Yes."
    )
    voting = application_in(S.EXECUTIVE_VOTE, cast, name="Voting Union", country="UG")
    electorate = list(VoteRound.objects.get(application=voting).voters.filter(recused_at__isnull=True))
    services.vote_cast(application=reload(voting), member=electorate[0].user, choice="yes")

    response = client_as(cast.secretariat).get("/committee/")

    rows = {a.name: a for a, _ in response.context["rows"]}
    assert (rows["Reviewing Union"].reviews_in, rows["Reviewing Union"].reviewers_assigned) == (1, 2)
    assert (rows["Voting Union"].ballots_cast, rows["Voting Union"].voters_eligible) == (1, len(electorate))
    page = response.content.decode()
    assert "Reviews: 1 of 2 in" in page
    assert f"Votes: 1 of {len(electorate)}" in page
    assert "closes in" in page
    assert "since first sent" in page


def test_the_queue_costs_the_same_few_queries_however_many_applications(
    cast, client_as, django_assert_max_num_queries
):
    client = client_as(cast.secretariat)
    application_in(S.EXECUTIVE_VOTE, cast, name="One")
    with django_assert_max_num_queries(20) as few:
        client.get("/committee/")
    for n in range(4):
        application_in(S.UNDER_REVIEW, cast, name=f"Union {n}", country="UG")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/committee/")


def test_reviewers_see_the_applications_assigned_to_them_first(cast, client_as):
    mine = application_in(S.SUBMITTED, cast, assigned=False, name="Mine")
    application_in(S.SUBMITTED, cast, assigned=False, name="Not mine", country="UG")
    services.reviewers_assign(application=mine, actor=cast.secretariat, reviewers=[cast.other_reviewer])
    client = client_as(cast.other_reviewer)

    assert [a.name for a, _ in client.get("/committee/").context["rows"]] == ["Mine"]
    everything = client.get("/committee/", {"mine": ""})
    assert sorted(a.name for a, _ in everything.context["rows"]) == ["Mine", "Not mine"]
    secretariat_default = client_as(cast.secretariat).get("/committee/")
    assert len(secretariat_default.context["rows"]) == 2


def test_the_secretariat_sees_an_overview_others_do_not(cast, client_as):
    from notifications.models import Notification, NotificationState

    voting = application_in(S.EXECUTIVE_VOTE, cast, name="Closing Soon Union")
    VoteRound.objects.filter(application=voting).update(
        deadline=timezone.now() + datetime.timedelta(hours=20)
    )
    Notification.objects.filter(pk=Notification.objects.order_by("pk").first().pk).update(
        state=NotificationState.FAILED
    )

    overview = client_as(cast.secretariat).get("/committee/").context["overview"]

    assert overview.oldest_waiting == voting
    assert [r.application_id for r in overview.votes_closing_soon] == [voting.pk]
    assert overview.failed_notifications == 1
    assert client_as(cast.committee[0]).get("/committee/").context["overview"] is None


def test_an_invalid_queue_filter_answers_400_with_the_error(cast, client_as):
    response = client_as(cast.secretariat).get("/committee/", {"waiting": "-3", "region": "atlantis"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"waiting", "region"}


# --- the secretariat's actions ------------------------------------------------------------------


def test_the_secretariat_asks_for_information_with_a_message(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(
        client_as(cast.secretariat), application, "request_info", comment="Please send the statutes."
    )
    assert reload(application).state == S.INFO_REQUESTED
    assert "The applicant is asked for more information." in _messages(response)
    assert "Please send the statutes." in response.content.decode()


def test_a_request_without_message_shows_the_error_next_to_the_field(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(client_as(cast.secretariat), application, "request_info", comment="")
    assert response.status_code == 400
    assert response.context["forms"]["request_info"].errors["comment"] == ["This field is required."]
    assert reload(application).state == S.SUBMITTED


def test_the_secretariat_rejects_with_a_reason(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    _post(client_as(cast.secretariat), application, "reject", comment="Not a student organization.")
    assert reload(application).state == S.REJECTED


def test_the_secretariat_assigns_reviewers_and_starts_the_review(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(
        client_as(cast.secretariat),
        application,
        "assign_reviewers",
        reviewers=[u.pk for u in cast.reviewers],
        start_review="on",
    )
    application = reload(application)
    assert application.state == S.UNDER_REVIEW
    assert set(application.assignments.values_list("reviewer_id", flat=True)) == {
        u.pk for u in cast.reviewers
    }
    assert "The reviewers are assigned and the review has started." in _messages(response)


def test_the_assignment_form_ticks_who_is_assigned_and_says_it_adds(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    first = cast.reviewers[0]
    services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=[first])

    response = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/")
    html = response.content.decode()
    assert "Assign reviewers and start the review" in html
    assert "This adds reviewers: it never removes a reviewer already assigned." in html
    ticked = re.search(rf'<input[^>]*value="{first.pk}"[^>]*>', html).group(0)
    assert "checked" in ticked
    assert "disabled" in ticked
    assert f"{first.get_full_name()} ({first.email}): assigned already" in html
    other = re.search(rf'<input[^>]*value="{cast.other_reviewer.pk}"[^>]*>', html).group(0)
    assert "checked" not in other
    # One step: no separate "Start the review" form beside the assignment.
    assert 'name="action" value="start_review"' not in html


def test_assigning_adds_reviewers_and_keeps_those_assigned(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    first, second = cast.reviewers
    services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=[first])

    response = _post(client_as(cast.secretariat), application, "assign_reviewers", reviewers=[second.pk])

    assert _messages(response) == ["The reviewers are added. The reviewers assigned before stay assigned."]
    application = reload(application)
    assert application.state == S.SUBMITTED
    assert set(application.assignments.values_list("reviewer_id", flat=True)) == {first.pk, second.pk}


def test_assigning_nobody_new_without_starting_says_what_to_do(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(client_as(cast.secretariat), application, "assign_reviewers")
    assert response.status_code == 400
    assert response.context["forms"]["assign_reviewers"].errors["reviewers"] == [
        "Tick at least one reviewer to add."
    ]


def test_the_review_starts_in_one_step_with_the_reviewers_assigned_before(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.reviewers_assign(application=application, actor=cast.secretariat, reviewers=cast.reviewers)

    response = _post(client_as(cast.secretariat), application, "assign_reviewers", start_review="on")

    assert _messages(response) == ["The review has started."]
    assert reload(application).state == S.UNDER_REVIEW
    html = response.content.decode()
    assert "Add reviewers" in html  # under review: the form only adds
    assert "Assign and start the review" not in html


def test_the_reviewer_choices_are_reviewers_and_committee_members_never_the_applicant(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/")
    choices = set(response.context["forms"]["assign_reviewers"].fields["reviewers"].queryset)
    assert choices == {*cast.reviewers, cast.other_reviewer, *cast.committee}


def test_starting_the_review_without_enough_reviewers_is_refused_with_the_reason(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(client_as(cast.secretariat), application, "start_review")
    assert response.status_code == 200
    assert _messages(response) == ["Not enough reviewers are assigned."]
    assert reload(application).state == S.SUBMITTED


def test_an_assigned_reviewer_writes_a_review_and_the_secretariat_completes(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )
    sec = client_as(cast.secretariat)
    early = _post(sec, application, "complete_review")
    names = ", ".join(r.get_full_name() for r in cast.reviewers)
    assert _messages(early) == [f"Not every assigned reviewer has submitted a review: {names}."]

    for reviewer in cast.reviewers:
        response = _post(
            client_as(reviewer), application, "review", recommendation="admit", comment="Eligible."
        )
        assert "Thank you, your review is saved." in _messages(response)
    assert Review.objects.filter(application=application).count() == 2

    _post(client_as(cast.secretariat), application, "complete_review")
    assert reload(application).state == S.REVIEWED


def _answered_after_the_reviews(cast):
    application = application_in(S.UNDER_REVIEW, cast)
    services.application_request_info(application=application, actor=cast.secretariat, comment="Statutes?")
    services.application_resubmit(application=reload(application), actor=cast.applicant)
    return services.application_start_review(application=reload(application), actor=cast.secretariat)


def test_reviews_written_before_an_answer_are_confirmed_or_changed_then_completed(cast, client_as):
    application = _answered_after_the_reviews(cast)
    first, second = cast.reviewers
    url = f"/committee/applications/{application.pk}/"

    page = client_as(first).get(url)
    html = page.content.decode()
    assert html.count("Written before the answer of ") == 2
    assert 'value="confirm_review"' in html
    assert page.context["forms"]["revise_review"].initial["comment"] == "Eligible."
    refused = _post(client_as(cast.secretariat), application, "complete_review")
    assert "their authors must confirm or revise them" in _messages(refused)[0]
    assert reload(application).state == S.UNDER_REVIEW

    confirmed = _post(client_as(first), application, "confirm_review")
    assert "Thank you, your review is confirmed." in _messages(confirmed)
    assert confirmed.content.decode().count("Written before the answer of ") == 1
    assert "confirmed by its author on" in confirmed.content.decode()
    changed = _post(client_as(second), application, "revise_review", recommendation="reject", comment="No.")
    assert "Thank you, your review is changed." in _messages(changed)
    assert "changed by its author on" in changed.content.decode()
    assert "Written before the answer of " not in changed.content.decode()

    _post(client_as(cast.secretariat), application, "complete_review")
    assert reload(application).state == S.REVIEWED
    assert Review.objects.get(application=application, reviewer=second).recommendation == "reject"


def test_a_revision_without_a_comment_shows_the_error_next_to_the_field(cast, client_as):
    application = application_in(S.UNDER_REVIEW, cast)
    response = _post(
        client_as(cast.reviewers[0]), application, "revise_review", recommendation="admit", comment=""
    )

    assert response.status_code == 400
    assert response.context["forms"]["revise_review"].errors["comment"]
    assert Review.objects.get(application=application, reviewer=cast.reviewers[0]).comment == "Eligible."


def test_a_reviewer_sees_the_other_reviews_only_after_writing_theirs(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )
    services.review_submit(
        application=reload(application),
        reviewer=cast.reviewers[1],
        recommendation="reject",
        comment="Secret view.",
    )
    client = client_as(cast.reviewers[0])
    assert "Secret view." not in client.get(f"/committee/applications/{application.pk}/").content.decode()
    _post(client, application, "review", recommendation="admit", comment="Mine.")
    assert "Secret view." in client.get(f"/committee/applications/{application.pk}/").content.decode()


def test_a_reviewer_not_assigned_is_refused_with_the_reason(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )
    response = _post(
        client_as(cast.other_reviewer), application, "review", recommendation="admit", comment="Hi."
    )
    assert response.status_code == 200
    assert _messages(response) == ["Only a reviewer assigned to this application may review it."]
    assert not Review.objects.filter(reviewer=cast.other_reviewer).exists()


def test_opening_the_vote_with_a_past_deadline_shows_the_error_next_to_it(cast, client_as):
    application = application_in(S.REVIEWED, cast)
    response = _post(
        client_as(cast.secretariat), application, "open_vote", deadline="2001-01-01", category="full"
    )
    assert response.status_code == 400
    assert response.context["forms"]["open_vote"].errors["deadline"] == [
        "The deadline must be in the future."
    ]
    assert 'value="2001-01-01"' in response.content.decode()
    assert reload(application).state == S.REVIEWED


def test_the_secretariat_opens_the_vote(cast, client_as):
    application = application_in(S.REVIEWED, cast)
    deadline = (timezone.now() + datetime.timedelta(days=10)).date()
    _post(
        client_as(cast.secretariat),
        application,
        "open_vote",
        deadline=deadline.isoformat(),
        category="associate",
    )
    vote_round = VoteRound.objects.get(application=application)
    assert reload(application).state == S.EXECUTIVE_VOTE
    assert vote_round.category == "associate"
    assert vote_round.deadline.date() == deadline


def test_committee_members_vote_and_the_last_ballot_decides(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    voters = cast.committee
    for voter in voters:
        response = _post(client_as(voter), application, "vote", choice="yes")
        assert "Your vote “Yes” is recorded." in _messages(response)
    assert reload(application).state == S.ADMITTED


def test_voting_twice_is_refused_with_the_reason(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    client = client_as(cast.committee[0])
    _post(client, application, "vote", choice="no")
    again = _post(client, application, "vote", choice="yes", expected_state="executive_vote")
    assert again.status_code == 200
    assert _messages(again) == ["You have already voted in this round; a ballot is final."]
    assert Ballot.objects.get(voter__user=cast.committee[0]).choice == "no"


def test_a_member_recuses(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    response = _post(client_as(cast.committee[0]), application, "recuse", reason="I was its president.")
    assert "You have recused yourself from this vote." in _messages(response)
    assert "You recused yourself from this round." in response.content.decode()


def test_the_secretariat_closes_the_vote(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    services.vote_cast(application=reload(application), member=cast.committee[1], choice="yes")
    response = _post(client_as(cast.secretariat), application, "close_vote")
    assert reload(application).state == S.ADMITTED
    assert "The vote is closed: Passed." in _messages(response)


def test_the_tally_is_hidden_from_a_member_until_they_vote_and_shown_to_the_secretariat(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[1], choice="no")
    url = f"/committee/applications/{application.pk}/"
    member = client_as(cast.committee[0])
    before = member.get(url)
    assert before.context["rounds"][0].tally is None
    assert "The tally is shown once you have voted" in before.content.decode()

    _post(member, application, "vote", choice="yes")
    after = member.get(url)
    assert (after.context["rounds"][0].tally.yes, after.context["rounds"][0].tally.no) == (1, 1)

    secretariat = client_as(cast.secretariat).get(url)
    assert secretariat.context["rounds"][0].tally is not None
    reviewer = client_as(cast.other_reviewer).get(url)
    assert reviewer.context["rounds"][0].tally is None


def test_an_open_round_shows_its_rules_in_words_and_no_explanation_yet(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    page = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/")

    html = page.content.decode()
    assert "Quorum: more than half of the eligible members must vote (yes, no or abstain)." in html
    assert "Majority: more than half of the yes and no votes must be yes (simple majority)." in html
    assert page.context["rounds"][0].explanation is None
    assert "How the outcome was reached" not in html


def test_a_closed_round_explains_its_outcome_and_who_recused_and_why(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    *voters, recused = cast.committee  # an electorate of three
    services.vote_recuse(application=application, member=recused, reason="I was its president.")
    for voter in voters:
        services.vote_cast(application=reload(application), member=voter, choice="yes")
    assert reload(application).state == S.ADMITTED

    page = client_as(cast.committee[0]).get(f"/committee/applications/{application.pk}/")

    html = page.content.decode()
    name = recused.get_full_name() or recused.email
    assert f"<li>{name}: I was its president.</li>" in html
    for line in (
        "2 of 2 eligible voted — quorum reached (more than half: at least 2).",
        "2 yes of 2 (yes + no) — simple majority reached (more than half: at least 2 yes).",
        "Outcome: passed → admitted.",
    ):
        assert f"<li>{line}</li>" in html
    assert page.context["rounds"][0].explanation.outcome == "passed"


def test_recusals_and_the_explanation_stay_hidden_with_the_tally(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_recuse(application=application, member=cast.committee[1], reason="Conflict.")
    page = client_as(cast.committee[0]).get(f"/committee/applications/{application.pk}/")

    assert page.context["rounds"][0].recusals == []
    assert "Conflict." not in page.content.decode()


# --- stale pages and refused actions --------------------------------------------------------------


def test_a_stale_action_says_someone_else_changed_it_and_shows_the_current_state(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    seen = reload(application)
    # Meanwhile another member of the secretariat starts the review.
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )

    response = _post(
        client_as(cast.secretariat), seen, "request_info", comment="Statutes?", expected_state="submitted"
    )

    assert response.status_code == 200
    assert _messages(response) == [
        "Someone else changed this application meanwhile: it is now “Under review”."
    ]
    assert response.context["application"].state == S.UNDER_REVIEW
    assert reload(application).state == S.UNDER_REVIEW


@pytest.mark.parametrize(
    ("action", "data"),
    [("reject", {"comment": "No."}), ("request_info", {"comment": "More?"}), ("start_review", {})],
)
def test_a_refused_action_shows_why_and_never_a_server_error(cast, client_as, action, data):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(client_as(cast.committee[0]), application, action, **data)
    assert response.status_code == 200
    assert _messages(response) == ["You are not allowed to take this action on this application."]
    assert reload(application).state == S.SUBMITTED


def test_an_action_in_the_wrong_state_is_refused_with_the_reason(cast, client_as):
    application = application_in(S.ADMITTED, cast)
    response = _post(client_as(cast.secretariat), application, "reject", comment="Too late.")
    assert response.status_code == 200
    assert _messages(response) == [
        "This action (reject) is not possible while the application is “Admitted”."
    ]


def test_an_unknown_action_is_a_message(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = _post(client_as(cast.secretariat), application, "explode")
    assert _messages(response) == ["Unknown action."]


def test_the_committee_page_shows_data_documents_and_history(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast, name="Kenya Universities Student Union")
    html = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()
    for text in (
        "Kenya Universities Student Union",
        "Nairobi",
        "statutes.pdf",
        "Eligible.",  # a review
        "Round 1",
        "The review was finished.",  # history
        "The Executive Committee&#x27;s vote opened.",
    ):
        assert text in html, text


def test_an_action_is_offered_only_when_it_can_succeed_else_the_page_says_what_is_missing(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )
    client = client_as(cast.secretariat)

    waiting = client.get(f"/committee/applications/{application.pk}/")
    assert "complete_review" not in waiting.context["forms"]
    ((label, reasons),) = waiting.context["not_yet"]
    assert str(label) == "Mark the review as complete"
    assert reasons[0].startswith("Not every assigned reviewer has submitted a review: ")
    assert cast.reviewers[0].get_full_name() in reasons[0]  # it names whom it waits for
    assert "Not possible yet: Mark the review as complete" in waiting.content.decode()

    for reviewer in cast.reviewers:
        services.review_submit(
            application=reload(application), reviewer=reviewer, recommendation="admit", comment="Fine."
        )
    ready = client.get(f"/committee/applications/{application.pk}/")
    assert "complete_review" in ready.context["forms"]
    assert ready.context["not_yet"] == []
