"""The workflow API, endpoint by endpoint: what each does when it may, and how it refuses."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in, new_draft, reload
from tests.factories import PDF_BYTES, PNG_BYTES, ApplicationFactory
from workflows import services
from workflows.models import ApplicationState, Ballot, MembershipApplication, Review, Voter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

S = ApplicationState
API = "/api/v1/applications/"


def url(application, action: str = "") -> str:
    return f"{API}{application.pk}/{action + '/' if action else ''}"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# --- list ------------------------------------------------------------------------------------------


def test_an_applicant_lists_only_their_own_applications(cast, api_as):
    mine = new_draft(cast)
    ApplicationFactory(applicant=cast.other_applicant)

    body = api_as("applicant").get(API).json()

    assert [item["id"] for item in body["results"]] == [mine.pk]
    assert body["count"] == 1


def test_the_secretariat_lists_every_application_and_reviewers_those_past_the_draft(cast, api_as):
    draft = new_draft(cast)
    submitted = application_in(S.SUBMITTED, cast)

    everything = {item["id"] for item in api_as("secretariat").get(API).json()["results"]}
    for_reviewer = {item["id"] for item in api_as("other_reviewer").get(API).json()["results"]}
    for_committee = {item["id"] for item in api_as("committee").get(API).json()["results"]}

    assert everything == {draft.pk, submitted.pk}
    assert for_reviewer == for_committee == {submitted.pk}


def test_the_list_filters_by_state_and_by_region_with_its_sub_regions(cast, api_as, regions):
    east = application_in(S.SUBMITTED, cast, region=regions["africa-east"])
    west = new_draft(cast, region=regions["africa-west"], country="GH")
    europe = new_draft(cast, region=regions["europe-west"], country="FR")
    client = api_as("secretariat")

    def ids(**params):
        return {item["id"] for item in client.get(API, params).json()["results"]}

    assert ids(region="africa") == {east.pk, west.pk}
    assert ids(region="africa-west") == {west.pk}
    assert ids(state="draft") == {west.pk, europe.pk}
    assert ids(state="draft", region="africa") == {west.pk}


def test_unknown_filter_values_are_400_naming_the_parameter(cast, api_as):
    error = error_of(api_as("secretariat").get(API, {"state": "pending", "region": "atlantis"}), 400)

    assert error["code"] == "invalid"
    assert set(error["details"]) == {"state", "region"}


def test_the_list_is_paged_newest_change_first(cast, api_as):
    drafts = [new_draft(cast) for _ in range(3)]
    client = api_as("applicant")

    first = client.get(API, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 3
    assert [item["id"] for item in first["results"] + second["results"]] == [d.pk for d in reversed(drafts)]
    assert second["next"] is None
    assert error_of(client.get(API, {"page": 9}), 404)["code"] == "not_found"


# --- create, read, change --------------------------------------------------------------------------


def test_anyone_signed_in_starts_a_draft_with_contacts_and_the_region_of_the_country(cast, api_as, regions):
    response = api_as("applicant").post(
        API,
        {
            "name": "National Union of Ghana Students",
            "country": "GH",
            "email": "office@nugs.example.org",
            "contacts": [{"name": "Kofi Boateng", "email": "kofi@nugs.example.org", "role": "President"}],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["state"] == "draft"
    assert body["region"] == "africa-west"
    assert body["applicant"]["id"] == cast.applicant.pk
    assert body["contacts"] == [
        {"name": "Kofi Boateng", "role": "President", "email": "kofi@nugs.example.org", "phone": ""}
    ]
    assert {"edit", "submit"} <= set(body["actions"])


def test_invalid_fields_are_400_with_a_message_per_field(cast, api_as):
    response = api_as("applicant").post(
        API,
        {"name": "", "email": "not an address", "region": "atlantis", "founded_year": 40000},
        format="json",
    )

    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"name", "email", "region", "founded_year"}


def test_the_services_rules_on_fields_come_back_per_field(cast, api_as):
    # The serializer checks shapes; the model's rules (here the founding year) are the service's.
    error = error_of(
        api_as("applicant").post(API, {"name": "Old union", "founded_year": 1200}, format="json"), 400
    )

    assert error["code"] == "invalid"
    assert error["details"]
    assert set(error["details"]) <= {"founded_year", "__all__"}


def test_a_second_open_application_with_the_same_name_and_country_is_a_conflict(cast, api_as):
    ApplicationFactory(name="Union of Students", country="KE")

    response = api_as("applicant").post(API, {"name": "union of students", "country": "KE"}, format="json")

    error = error_of(response, 409)
    assert error["code"] == "conflict"
    assert set(error["details"]) == {"name"}


def test_get_answers_the_application_with_what_the_caller_may_do(cast, api_as):
    application = application_in(S.SUBMITTED, cast)

    as_secretariat = api_as("secretariat").get(url(application)).json()
    as_applicant = api_as("applicant").get(url(application)).json()

    assert as_secretariat["state"] == "submitted"
    assert {"request-info", "reject", "start-review"} <= set(as_secretariat["actions"])
    assert as_applicant["actions"] == ["withdraw"]
    assert len(as_applicant["documents"]) == 2


def test_someone_elses_application_is_not_found_never_forbidden(cast, api_as):
    application = new_draft(cast)

    for role in ("other_applicant", "assigned_reviewer", "committee"):
        error = error_of(api_as(role).get(url(application)), 404)
        assert error["code"] == "not_found"


def test_the_applicant_changes_a_draft_and_replaces_its_contacts(cast, api_as):
    application = new_draft(cast)
    client = api_as("applicant")
    client.patch(url(application), {"contacts": [{"name": "A", "email": "a@example.org"}]}, format="json")

    response = client.patch(
        url(application),
        {"city": "Mombasa", "contacts": [{"name": "B", "email": "b@example.org", "phone": "+254 700"}]},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["city"] == "Mombasa"
    assert body["name"] == application.name  # untouched
    assert [c["name"] for c in body["contacts"]] == ["B"]


def test_changing_a_submitted_application_is_409_and_put_is_not_offered(cast, api_as):
    application = application_in(S.SUBMITTED, cast)
    client = api_as("applicant")

    error = error_of(client.patch(url(application), {"city": "Kisumu"}, format="json"), 409)
    assert error["code"] == "not_allowed"
    assert error_of(client.put(url(application), {"name": "x"}, format="json"), 405)
    assert reload(application).city == "Nairobi"


def test_only_the_applicant_changes_an_application(cast, api_as):
    application = new_draft(cast)

    error = error_of(api_as("secretariat").patch(url(application), {"city": "Kisumu"}, format="json"), 403)

    assert error["code"] == "forbidden"


# --- documents -------------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_the_applicant_uploads_a_document_recognised_by_its_content(cast, api_as):
    application = ApplicationFactory(applicant=cast.applicant)

    response = api_as("applicant").post(
        url(application, "documents"), {"kind": "statutes", "file": upload("scan.pdf.png", PNG_BYTES)}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["content_type"] == "image/png"
    assert body["name"] == "scan.pdf.png"
    assert response["Location"] == body["url"]
    assert application.documents.count() == 1


def test_a_document_of_another_type_is_415(cast, api_as):
    application = ApplicationFactory(applicant=cast.applicant)

    response = api_as("applicant").post(
        url(application, "documents"),
        {"kind": "statutes", "file": upload("statutes.pdf", b"<html>hi</html>")},
    )

    assert error_of(response, 415)["code"] == "unsupported_type"
    assert application.documents.count() == 0


def test_a_document_over_the_limit_is_413(cast, api_as, settings):
    settings.DOCUMENT_MAX_BYTES = 64
    application = ApplicationFactory(applicant=cast.applicant)

    response = api_as("applicant").post(
        url(application, "documents"), {"kind": "statutes", "file": upload("big.pdf", PDF_BYTES + b"0" * 100)}
    )

    error = error_of(response, 413)
    assert error["code"] == "too_large"
    assert error["details"]["max_bytes"] == 64


def test_a_request_body_over_the_site_limit_is_413_in_the_api_format(cast, api_as):
    application = ApplicationFactory(applicant=cast.applicant)

    response = api_as("applicant").generic(
        "POST",
        url(application, "documents"),
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(13 * 1024 * 1024),
    )

    assert error_of(response, 413)["code"] == "too_large"


def test_an_upload_without_kind_or_file_is_400_and_json_is_415(cast, api_as):
    application = ApplicationFactory(applicant=cast.applicant)
    client = api_as("applicant")

    error = error_of(client.post(url(application, "documents"), {"kind": "passport"}), 400)
    assert set(error["details"]) == {"kind", "file"}
    assert error_of(client.post(url(application, "documents"), {"kind": "other"}, format="json"), 415)


def test_a_document_downloads_as_an_attachment_for_whoever_may_see_the_application(cast, api_as):
    application = application_in(S.SUBMITTED, cast)
    document = application.documents.first()
    address = url(application, f"documents/{document.pk}")

    for role in ("applicant", "secretariat", "other_reviewer", "committee"):
        response = api_as(role).get(address, HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200, role
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{document.original_name}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES
    assert error_of(api_as("other_applicant").get(address), 404)["code"] == "not_found"
    assert error_of(api_as("applicant").get(url(application, "documents/999999")), 404)


def test_a_draft_document_is_not_found_for_reviewers(cast, api_as):
    application = new_draft(cast)
    document = application.documents.first()

    error_of(api_as("other_reviewer").get(url(application, f"documents/{document.pk}")), 404)


# --- transitions ------------------------------------------------------------------------------------


def test_a_whole_journey_through_the_api_ends_in_admission(cast, api_as, regions):
    applicant = api_as("applicant")
    created = applicant.post(
        API,
        {
            "name": "Uganda National Students Association",
            "acronym": "UNSA",
            "country": "UG",
            "city": "Kampala",
            "email": "office@unsa.example.org",
            "founded_year": 1990,
            "students_represented": 300000,
            "kind": "national_union",
            "motivation": "We represent Uganda's students.",
        },
        format="json",
    ).json()
    address = f"{API}{created['id']}/"
    for kind in ("statutes", "registration"):
        assert (
            applicant.post(
                f"{address}documents/", {"kind": kind, "file": upload(f"{kind}.pdf", PDF_BYTES)}
            ).status_code
            == 201
        )

    def act(role, action, body=None):
        response = api_as(role).post(f"{address}{action}/", body or {}, format="json")
        assert response.status_code in (200, 201), response.json()
        return response.json()

    assert act("applicant", "submit")["state"] == "submitted"
    started = act("secretariat", "start-review", {"reviewers": [r.pk for r in cast.reviewers]})
    assert started["state"] == "under_review"
    review = act("assigned_reviewer", "reviews", {"recommendation": "admit", "comment": "Eligible."})
    assert (review["recommendation"], review["application"]) == ("admit", created["id"])
    r2 = client_with(f"Bearer {token_for(cast.reviewers[1])}")  # the second assigned reviewer, as Bearer
    assert (
        r2.post(
            f"{address}reviews/", {"recommendation": "admit", "comment": "Yes."}, format="json"
        ).status_code
        == 201
    )
    assert act("secretariat", "complete-review")["state"] == "reviewed"
    deadline = (timezone.now() + datetime.timedelta(days=7)).isoformat()
    assert (
        act("secretariat", "open-vote", {"deadline": deadline, "category": "associate"})["state"]
        == "executive_vote"
    )
    ballot = act("committee", "ballots", {"choice": "yes"})
    assert ballot == {**ballot, "round": 1, "choice": "yes"}
    for member in cast.committee[1:]:
        client_with(f"Token {token_for(member)}").post(f"{address}ballots/", {"choice": "yes"}, format="json")

    final = applicant.get(address).json()
    assert final["state"] == "admitted"
    assert final["decided_at"] is not None


def test_the_secretariat_asks_for_information_and_the_applicant_answers(cast, api_as):
    application = application_in(S.SUBMITTED, cast)

    asked = api_as("secretariat").post(
        url(application, "request-info"), {"comment": "Statutes in English, please."}, format="json"
    )
    changed = api_as("applicant").patch(url(application), {"city": "Eldoret"}, format="json")
    answered = api_as("applicant").post(url(application, "resubmit"), {"comment": "Attached."}, format="json")

    assert asked.json()["state"] == "info_requested"
    assert changed.status_code == 200
    assert answered.json()["state"] == "submitted"


def test_asking_for_information_or_rejecting_needs_a_message(cast, api_as):
    application = application_in(S.SUBMITTED, cast)

    for action in ("request-info", "reject"):
        error = error_of(api_as("secretariat").post(url(application, action), {}, format="json"), 400)
        assert set(error["details"]) == {"comment"}
    error = error_of(
        api_as("secretariat").post(url(application, "reject"), {"comment": "   "}, format="json"), 400
    )
    assert reload(application).state == S.SUBMITTED


def test_the_secretariat_rejects_an_ineligible_application(cast, api_as):
    application = application_in(S.SUBMITTED, cast)

    body = (
        api_as("secretariat")
        .post(url(application, "reject"), {"comment": "Not a union."}, format="json")
        .json()
    )

    assert body["state"] == "rejected"
    assert body["actions"] == []


def test_the_applicant_deletes_a_draft_and_withdraws_once_sent(cast, api_as):
    draft = new_draft(cast)
    client = api_as("applicant")
    assert "delete" in client.get(url(draft)).json()["actions"]

    refused = client.post(url(draft, "withdraw"), {}, format="json")
    assert refused.status_code == 409
    response = client.delete(url(draft))

    assert response.status_code == 204
    assert not MembershipApplication.objects.filter(pk=draft.pk).exists()
    submitted = application_in(S.SUBMITTED, cast)
    error = client.delete(url(submitted)).json()["error"]
    assert (
        error["message"]
        == "Only a draft can be deleted. An application that was sent can be withdrawn instead."
    )
    assert reload(submitted).state == S.SUBMITTED


def test_the_applicant_withdraws(cast, api_as):
    application = application_in(S.UNDER_REVIEW, cast)

    body = (
        api_as("applicant")
        .post(url(application, "withdraw"), {"comment": "Next year."}, format="json")
        .json()
    )

    assert body["state"] == "withdrawn"


def test_submitting_an_incomplete_draft_is_409_saying_what_is_missing(cast, api_as):
    application = ApplicationFactory(applicant=cast.applicant, city="")

    error = error_of(api_as("applicant").post(url(application, "submit"), {}, format="json"), 409)

    assert error["code"] == "incomplete"
    assert error["details"] == {"missing_fields": ["city"]}


def test_an_illegal_transition_is_409_and_changes_nothing(cast, api_as):
    application = application_in(S.SUBMITTED, cast)

    error = error_of(api_as("applicant").post(url(application, "submit"), {}, format="json"), 409)

    assert error["code"] == "not_allowed"
    assert error["details"]["state"] == "submitted"
    assert reload(application).state == S.SUBMITTED


def test_starting_the_review_with_someone_who_cannot_review_is_400(cast, api_as):
    application = application_in(S.SUBMITTED, cast)

    error = error_of(
        api_as("secretariat").post(
            url(application, "start-review"), {"reviewers": [cast.applicant.pk]}, format="json"
        ),
        400,
    )

    assert "reviewers" in error["details"]


def test_opening_a_vote_with_a_past_deadline_is_400(cast, api_as):
    application = application_in(S.REVIEWED, cast)

    error = error_of(
        api_as("secretariat").post(
            url(application, "open-vote"), {"deadline": "2001-01-01T00:00:00Z"}, format="json"
        ),
        400,
    )

    assert set(error["details"]) == {"deadline"}


def test_closing_a_vote_without_quorum_goes_back_to_reviewed(cast, api_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)

    body = (
        api_as("secretariat")
        .post(url(application, "close-vote"), {"comment": "Closed."}, format="json")
        .json()
    )

    assert body["state"] == "reviewed"


# --- reviews, ballots, recusal, history --------------------------------------------------------------


def test_a_second_review_is_409(cast, api_as):
    application = application_in(S.SUBMITTED, cast)
    api_as("secretariat").post(url(application, "start-review"), {}, format="json")
    client = api_as("assigned_reviewer")
    body = {"recommendation": "needs_info", "comment": "Which statutes apply?"}

    assert client.post(url(application, "reviews"), body, format="json").status_code == 201
    assert error_of(client.post(url(application, "reviews"), body, format="json"), 409)["code"] == "conflict"
    assert Review.objects.filter(application=application).count() == 1


def test_reviews_written_before_an_answer_are_confirmed_or_revised_through_the_api(cast, api_as):
    first, second = cast.reviewers
    application = application_in(S.UNDER_REVIEW, cast)
    services.application_request_info(application=application, actor=cast.secretariat, comment="Statutes?")
    services.application_resubmit(application=reload(application), actor=cast.applicant)
    services.application_start_review(application=reload(application), actor=cast.secretariat)
    reviewer = api_as("assigned_reviewer")

    assert {"confirm-review", "revise-review"} <= set(reviewer.get(url(application)).json()["actions"])
    refused = error_of(
        api_as("secretariat").post(url(application, "complete-review"), {}, format="json"), 409
    )
    assert refused["code"] == "incomplete"
    assert refused["details"] == {
        "pending_reviewers": [],
        "reviewers_to_confirm": sorted([first.pk, second.pk]),
    }

    confirmed = reviewer.post(url(application, "confirm-review"), {}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["confirmed_at"] is not None
    assert (
        error_of(reviewer.post(url(application, "confirm-review"), {}, format="json"), 409)["code"]
        == "conflict"
    )
    assert error_of(reviewer.post(url(application, "confirm-review"), {"why": 1}, format="json"), 400)
    services.review_revise(
        application=application, reviewer=second, recommendation="admit", comment="Still yes."
    )

    done = api_as("secretariat").post(url(application, "complete-review"), {}, format="json")
    assert done.status_code == 200
    assert done.json()["state"] == "reviewed"


def test_only_its_author_revises_a_review(cast, api_as):
    application = application_in(S.UNDER_REVIEW, cast)
    body = {"recommendation": "reject", "comment": "Changed my mind."}

    revised = api_as("assigned_reviewer").post(url(application, "revise-review"), body, format="json")
    assert revised.status_code == 200
    assert (revised.json()["recommendation"], revised.json()["comment"]) == ("reject", "Changed my mind.")
    assert revised.json()["updated_at"] > revised.json()["submitted_at"]
    for role in ("other_reviewer", "secretariat", "committee"):
        error = error_of(api_as(role).post(url(application, "revise-review"), body, format="json"), 403)
        assert error["message"] == "Only the author of a review may revise or confirm it."
    assert Review.objects.get(application=application, reviewer=cast.reviewers[1]).comment == "Eligible."


def test_a_second_ballot_is_409(cast, api_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    client = api_as("committee")

    assert client.post(url(application, "ballots"), {"choice": "abstain"}, format="json").status_code == 201
    assert (
        error_of(client.post(url(application, "ballots"), {"choice": "no"}, format="json"), 409)["code"]
        == "conflict"
    )
    assert error_of(client.post(url(application, "ballots"), {"choice": "maybe"}, format="json"), 400)
    assert Ballot.objects.filter(round__application=application).count() == 1


def test_a_committee_member_recuses_themselves(cast, api_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)

    response = api_as("committee").post(
        url(application, "recusal"), {"reason": "Former president."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["reason"] == "Former president."
    assert Voter.objects.get(round__application=application, user=cast.committee[0]).recused_at is not None
    assert error_of(
        api_as("committee").post(url(application, "ballots"), {"choice": "yes"}, format="json"), 403
    )


def test_the_history_lists_each_transition_with_who_and_the_comment(cast, api_as):
    application = application_in(S.SUBMITTED, cast)
    api_as("secretariat").post(url(application, "request-info"), {"comment": "Statutes?"}, format="json")

    officer = api_as("secretariat").get(url(application, "history")).json()
    applicant = api_as("applicant").get(url(application, "history")).json()

    assert [(e["from"], e["to"], e["transition"]) for e in officer] == [
        ("draft", "submitted", "submit"),
        ("submitted", "info_requested", "request_info"),
    ]
    assert list(officer[0]) == ["when", "from", "to", "transition", "by", "comment"]
    secretariat_name = cast.secretariat.get_full_name()
    assert officer[1]["by"] == secretariat_name
    assert officer[1]["comment"] == "Statutes?"
    assert applicant[1]["by"] == "The federation"  # the staff's names stay inside the federation
    assert applicant[1]["comment"] == "Statutes?"  # the message is for the applicant
    assert applicant[0]["by"] == cast.applicant.get_full_name()


def test_the_applicant_does_not_see_the_secretariats_internal_comments(cast, api_as):
    application = application_in(S.SUBMITTED, cast)
    api_as("secretariat").post(url(application, "start-review"), {"comment": "Assign Lena."}, format="json")

    applicant = api_as("applicant").get(url(application, "history")).json()
    officer = api_as("secretariat").get(url(application, "history")).json()

    assert (applicant[-1]["transition"], applicant[-1]["comment"]) == ("start_review", "")
    assert officer[-1]["comment"] == "Assign Lena."


def test_a_round_gives_its_rules_in_words_and_once_closed_how_its_outcome_was_computed(cast, api_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_recuse(application=application, member=cast.committee[0], reason="Former president.")

    [open_round] = api_as("secretariat").get(url(application, "rounds")).json()
    assert open_round["rules"] == {"quorum": "1/2", "majority": "simple", "base": "yes_no"}
    assert open_round["rules_explained"][0] == (
        "Quorum: more than half of the eligible members must vote (yes, no or abstain)."
    )
    assert (open_round["outcome"], open_round["closed_at"], open_round["explanation"]) == ("", None, None)
    assert open_round["recusals"][0]["reason"] == "Former president."

    for member in cast.committee[1:]:
        services.vote_cast(application=reload(application), member=member, choice="no")
    [closed] = api_as("committee").get(url(application, "rounds")).json()

    assert (closed["number"], closed["outcome"], closed["is_void"]) == (1, "failed", False)
    assert closed["tally"] == {"eligible": 2, "yes": 0, "no": 2, "abstain": 0, "cast": 2}
    assert closed["explanation"] == [
        "2 of 2 eligible voted — quorum reached (more than half: at least 2).",
        "0 yes of 2 (yes + no) — simple majority not reached (more than half: at least 2 yes).",
        "Outcome: failed → rejected.",
    ]
    assert [r["voter"] for r in closed["recusals"]] == [cast.committee[0].get_full_name()]


def test_the_applicant_sees_the_rounds_of_their_case_without_the_committee_s_tally(cast, api_as):
    application = application_in(S.ADMITTED, cast)

    [round_] = api_as("applicant").get(url(application, "rounds")).json()

    assert round_["outcome"] == "passed"
    assert (round_["tally"], round_["explanation"], round_["recusals"]) == (None, None, [])
    assert api_as("other_reviewer").get(url(application, "rounds")).json()[0]["explanation"][-1] == (
        "Outcome: passed → admitted."
    )


def test_a_round_counted_in_the_meeting_room_says_so_with_the_totals_entered(cast, api_as):
    from workflows import room_votes

    application = application_in(S.REVIEWED, cast)
    vote_round = services.vote_open(
        application=application, actor=cast.secretariat, mode="counted", electorate=cast.committee
    )
    room_votes.counted_totals_record(vote_round=vote_round, yes=2, no=0, abstain=1, actor=cast.secretariat)

    [open_round] = api_as("secretariat").get(url(application, "rounds")).json()

    assert open_round["mode"] == "counted"
    assert open_round["tally"] == {"eligible": 3, "yes": 2, "no": 0, "abstain": 1, "cast": 3}
    assert (
        api_as("secretariat").get(url(application_in(S.EXECUTIVE_VOTE, cast), "rounds")).json()[0]["mode"]
        == "online"
    )


# --- queries ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "applicant"])
def test_the_list_takes_the_same_number_of_queries_for_few_or_many_rows(cast, api_as, role):
    client = api_as(role)
    client.get(API)  # the token's "last used" is written once a minute: not in the counts below

    def count_for(n: int) -> int:
        for _ in range(n):
            application = ApplicationFactory(applicant=cast.applicant)
            application.contacts.create(name="C", email="c@example.org")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(API, {"page_size": 100}).status_code == 200
        return len(queries)

    few, many = count_for(2), count_for(20)

    assert few == many
    # token + user, roles, count, page, contacts, documents
    assert many == 6
