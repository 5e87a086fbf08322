"""The secretariat's admin: read-only records, transitions through the services, refusals as
messages."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django_fsm_log.models import StateLog

from accounts.roles import SECRETARIAT, ensure_role_groups
from registry.models import MembershipCategory
from tests.cast import application_in, new_draft, reload
from tests.factories import MembershipFactory, RegionFactory, UserFactory
from tests.workflows.helpers import log_story, snapshot
from workflows import motions, services
from workflows.models import ApplicationState, Motion, MotionKind, VoteRound

pytestmark = pytest.mark.django_db

S = ApplicationState


@pytest.fixture(autouse=True)
def _no_two_factor(settings):
    settings.OFFICERS_REQUIRE_MFA = False


@pytest.fixture
def staff(client, cast):
    client.force_login(cast.secretariat)
    return client


def change_url(application) -> str:
    return reverse("admin:workflows_membershipapplication_change", args=[application.pk])


def transition_url(application, name: str) -> str:
    return reverse("admin:workflows_membershipapplication_transition", args=[application.pk, name])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- permissions ----------------------------------------------------------------------------


def test_the_secretariat_may_view_the_workflow_records_and_change_only_applications():
    """Given on a fresh database too: the workflow's permissions are created before the groups'."""
    models = [
        "membershipapplication",
        "motion",
        "contactperson",
        "applicationdocument",
        "reviewerassignment",
        "review",
        "voteround",
        "voter",
        "ballot",
    ]
    codenames = set(
        Group.objects.get(name=SECRETARIAT)
        .permissions.filter(content_type__app_label="workflows", content_type__model__in=models)
        .values_list("codename", flat=True)
    )
    assert codenames == {f"view_{m}" for m in models} | {"change_membershipapplication"}


def test_role_groups_can_be_ensured_again_without_change():
    group = Group.objects.get(name=SECRETARIAT)
    before = set(group.permissions.values_list("pk", flat=True))

    ensure_role_groups()

    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert Permission.objects.filter(codename="change_membershipapplication").count() == 1


def test_staff_without_the_secretariat_group_cannot_see_applications(client, cast):
    application = application_in(S.SUBMITTED, cast)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("admin:workflows_membershipapplication_changelist")).status_code == 403
    assert client.get(change_url(application)).status_code == 403
    response = client.post(transition_url(application, "reject"), {"comment": "x", "state": S.SUBMITTED})
    assert response.status_code == 403
    assert reload(application).state == S.SUBMITTED


def test_anonymous_visitors_are_sent_to_log_in(client, cast):
    application = application_in(S.SUBMITTED, cast)

    response = client.post(transition_url(application, "reject"), {"comment": "x", "state": S.SUBMITTED})

    assert response.status_code == 302
    assert reload(application).state == S.SUBMITTED


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_filters_by_state_and_by_region_with_its_sub_regions(staff, cast):
    africa = RegionFactory(code="test-africa", name="Test Africa")
    east = RegionFactory(code="test-africa-east", name="Test East Africa", parent=africa)
    europe = RegionFactory(code="test-europe", name="Test Europe")
    in_east = new_draft(cast, region=east, name="Tanzania Students")
    in_europe = application_in(S.SUBMITTED, cast, region=europe, name="Malta Students", country="MT")
    url = reverse("admin:workflows_membershipapplication_changelist")

    by_region = staff.get(url, {"region": africa.pk})
    by_state = staff.get(url, {"state": S.SUBMITTED})

    assert [a.pk for a in by_region.context["cl"].result_list] == [in_east.pk]
    assert [a.pk for a in by_state.context["cl"].result_list] == [in_europe.pk]
    assert staff.get(url, {"region": "nonsense"}).context["cl"].result_count == 0


@pytest.mark.parametrize("query", ["Nairobi Union", "nuk", "applicant-a@"])
def test_the_list_searches_name_acronym_and_applicant_email(staff, cast, query):
    cast.applicant.email = "applicant-a@union.example.org"
    cast.applicant.save()
    wanted = new_draft(cast, name="Nairobi Union of Students", acronym="NUK")
    other = new_draft(cast, name="Other", acronym="OTH")
    other.applicant = cast.other_applicant
    other.save()

    response = staff.get(reverse("admin:workflows_membershipapplication_changelist"), {"q": query})

    assert [a.pk for a in response.context["cl"].result_list] == [wanted.pk]


def test_the_list_has_no_add_and_no_delete(staff, cast):
    application = application_in(S.DRAFT, cast)

    assert staff.get(reverse("admin:workflows_membershipapplication_add")).status_code == 403
    assert (
        staff.get(reverse("admin:workflows_membershipapplication_delete", args=[application.pk])).status_code
        == 403
    )
    actions = staff.get(reverse("admin:workflows_membershipapplication_changelist")).context["action_form"]
    names = {name for name, _ in actions.fields["action"].choices if name}
    assert names == {"start_review", "complete_review", "open_vote", "close_vote"}


# --- an application's page ------------------------------------------------------------------------


def test_the_page_shows_everything_read_only_with_the_log_and_the_transitions(staff, cast):
    application = application_in(S.UNDER_REVIEW, cast, name="Kenya Students Union")
    services.application_request_info(
        application=application, actor=cast.secretariat, comment="Please send the minutes."
    )

    response = staff.get(change_url(application))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="state"' not in content  # the state is not an input anywhere on the page
    assert 'name="name"' not in content
    assert "Please send the minutes." in content  # the log, with its comment
    assert cast.secretariat.username in content  # ... and who acted
    assert "Eligible." in content  # the reviews
    assert content.count("/document/") == 2  # a download link per document
    labels = [t["label"] for t in response.context["workflow_transitions"]]
    assert labels == []  # info requested: nothing for the secretariat to do but wait
    log_inline = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is StateLog)
    assert [form.original.transition for form in log_inline] == [
        "submit",
        "start_review",
        "request_info",
    ]
    assert not log_inline.has_add_permission
    assert not log_inline.has_change_permission
    assert not log_inline.has_delete_permission


@pytest.mark.parametrize(
    ("state", "labels"),
    [
        (
            S.SUBMITTED,
            ["Request information", "Reject as ineligible", "Assign reviewers", "Start the review"],
        ),
        (S.UNDER_REVIEW, ["Request information", "Assign reviewers", "Complete the review"]),
        (S.REVIEWED, ["Open the vote"]),
        (S.EXECUTIVE_VOTE, ["Close the vote"]),
        (S.ADMITTED, []),
    ],
)
def test_the_page_offers_the_transitions_of_the_state(staff, cast, state, labels):
    application = application_in(state, cast)

    response = staff.get(change_url(application))

    assert [t["label"] for t in response.context["workflow_transitions"]] == labels


def test_the_page_cannot_be_saved(staff, cast):
    application = application_in(S.SUBMITTED, cast)
    before = snapshot(application)

    response = staff.post(change_url(application), {"name": "Renamed", "state": S.ADMITTED})

    assert response.status_code == 403
    assert snapshot(application) == before


def test_a_document_downloads_under_its_original_name(staff, cast):
    application = application_in(S.SUBMITTED, cast)
    document = application.documents.get(kind="statutes")

    response = staff.get(
        reverse("admin:workflows_membershipapplication_document", args=[application.pk, document.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="statutes.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


# --- transitions ------------------------------------------------------------------------------------


def test_request_info_from_the_admin_goes_through_the_service(staff, cast):
    application = application_in(S.SUBMITTED, cast)
    assert staff.get(transition_url(application, "request_info")).status_code == 200

    response = staff.post(
        transition_url(application, "request_info"), {"comment": "Statutes in English?", "state": S.SUBMITTED}
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(application)
    assert reload(application).state == S.INFO_REQUESTED
    assert log_story(application)[-1] == (
        "request_info",
        S.SUBMITTED,
        S.INFO_REQUESTED,
        cast.secretariat,
        "Statutes in English?",
    )
    assert messages_of(response) == [("success", "Information requested from the applicant.")]


def test_reject_needs_a_message(staff, cast):
    application = application_in(S.SUBMITTED, cast)
    before = snapshot(application)

    response = staff.post(transition_url(application, "reject"), {"comment": " ", "state": S.SUBMITTED})

    assert response.status_code == 200
    assert "comment" in response.context["form"].errors
    assert snapshot(application) == before


def test_start_review_assigns_the_reviewers_chosen(staff, cast):
    application = new_draft(cast)
    application = services.application_submit(application=application, actor=cast.applicant)

    response = staff.post(
        transition_url(application, "start_review"),
        {"state": S.SUBMITTED, "reviewers": [r.pk for r in cast.reviewers], "comment": ""},
    )

    assert response.status_code == 302
    application = reload(application)
    assert application.state == S.UNDER_REVIEW
    assert set(application.assignments.values_list("reviewer", flat=True)) == {r.pk for r in cast.reviewers}


def test_a_refusal_is_an_error_message_and_the_form_again(staff, cast):
    """Too few reviewers: the service refuses (incomplete); the page says why, no error page."""
    application = new_draft(cast)
    application = services.application_submit(application=application, actor=cast.applicant)
    before = snapshot(application)

    response = staff.post(
        transition_url(application, "start_review"),
        {"state": S.SUBMITTED, "reviewers": [cast.reviewers[0].pk], "comment": ""},
    )

    assert response.status_code == 200
    assert messages_of(response) == [
        ("error", "Not enough reviewers are assigned. (assigned: 1; required: 2)")
    ]
    assert reload(application).state == S.SUBMITTED
    assert snapshot(application)["logs"] == before["logs"]


def test_a_transition_not_possible_in_the_state_is_an_error_message(staff, cast):
    application = application_in(S.SUBMITTED, cast)
    before = snapshot(application)

    response = staff.post(transition_url(application, "close_vote"), {"state": S.SUBMITTED, "comment": ""})

    assert response.status_code == 302
    ((level, text),) = messages_of(response)
    assert level == "error"
    assert text == "This action (close vote) is not possible while the application is “Submitted”."
    assert snapshot(application) == before


def test_a_stale_page_does_nothing(staff, cast):
    """The page showed "submitted"; meanwhile the applicant withdrew."""
    application = application_in(S.SUBMITTED, cast)
    services.application_withdraw(application=application, actor=cast.applicant)
    before = snapshot(application)

    response = staff.post(transition_url(application, "reject"), {"state": S.SUBMITTED, "comment": "No."})

    assert response.status_code == 302
    ((level, text),) = messages_of(response)
    assert level == "error"
    assert "Someone else changed this application" in text
    assert snapshot(application) == before


def test_a_superuser_outside_the_secretariat_is_refused_by_the_service(client, cast):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    application = application_in(S.SUBMITTED, cast)

    response = client.post(transition_url(application, "reject"), {"state": S.SUBMITTED, "comment": "No."})

    assert response.status_code == 302
    assert messages_of(response) == [
        ("error", "You are not allowed to take this action on this application.")
    ]
    assert reload(application).state == S.SUBMITTED


def test_open_and_close_the_vote_from_the_admin(staff, cast):
    application = application_in(S.REVIEWED, cast)

    staff.post(
        transition_url(application, "open_vote"), {"state": S.REVIEWED, "category": "observer", "comment": ""}
    )
    vote_round = VoteRound.objects.get(application=application)
    assert vote_round.category == "observer"
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    services.vote_cast(application=application, member=cast.committee[1], choice="yes")
    response = staff.post(
        transition_url(application, "close_vote"), {"state": S.EXECUTIVE_VOTE, "comment": "At the meeting."}
    )

    assert response.status_code == 302
    application = reload(application)
    assert application.state == S.ADMITTED
    assert application.membership.category == "observer"
    assert log_story(application)[-1][3:] == (cast.secretariat, "At the meeting.")


def test_an_unknown_transition_is_not_found(staff, cast):
    application = application_in(S.SUBMITTED, cast)
    assert staff.get(transition_url(application, "admit_directly")).status_code == 404


def test_a_bulk_action_runs_each_through_the_service_and_reports_each_refusal(staff, cast):
    ready = application_in(S.UNDER_REVIEW, cast)
    waiting = application_in(S.SUBMITTED, cast)
    waiting = services.application_start_review(application=waiting, actor=cast.secretariat)  # no reviews

    response = staff.post(
        reverse("admin:workflows_membershipapplication_changelist"),
        {"action": "complete_review", "_selected_action": [ready.pk, waiting.pk]},
    )

    assert response.status_code == 302
    assert reload(ready).state == S.REVIEWED
    assert reload(waiting).state == S.UNDER_REVIEW
    levels = sorted(level for level, _ in messages_of(response))
    assert levels == ["error", "success"]


# --- vote rounds -------------------------------------------------------------------------------------


def test_vote_rounds_are_read_only_with_voters_and_ballots(staff, cast):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    services.vote_cast(application=application, member=cast.committee[0], choice="no")
    services.vote_recuse(application=application, member=cast.committee[1], reason="My union.")
    vote_round = VoteRound.objects.get()
    url = reverse("admin:workflows_voteround_change", args=[vote_round.pk])

    listing = staff.get(reverse("admin:workflows_voteround_changelist"))
    page = staff.get(url)

    assert listing.status_code == 200
    assert page.status_code == 200
    content = page.content.decode()
    assert "so far: 0 yes, 1 no, 0 abstain of 2 eligible" in content
    assert "My union." in content
    for formset in page.context["inline_admin_formsets"]:
        assert not formset.has_add_permission
        assert not formset.has_change_permission
        assert not formset.has_delete_permission
    assert staff.post(url, {"outcome": "passed"}).status_code == 403
    assert staff.get(reverse("admin:workflows_voteround_add")).status_code == 403
    assert staff.get(reverse("admin:workflows_voteround_delete", args=[vote_round.pk])).status_code == 403
    assert VoteRound.objects.get().is_open


# --- motions on members: records, read in the admin ---------------------------------------------------


def test_the_secretariat_reads_a_motion_with_its_round_and_log_and_cannot_change_it(staff, cast):
    membership = MembershipFactory(category=MembershipCategory.FULL)
    motion = motions.motion_propose(
        membership=membership,
        actor=cast.secretariat,
        kind=MotionKind.SUSPEND,
        reason="No yearly return since 2023.",
    )
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    url = reverse("admin:workflows_motion_change", args=[motion.pk])

    listing = staff.get(reverse("admin:workflows_motion_changelist"), {"q": membership.organization.name})
    page = staff.get(url)

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert page.status_code == 200
    assert "No yearly return since 2023." in page.text
    assert page.context["inline_admin_formsets"][0].formset.queryset.get().motion_id == motion.pk  # its round
    assert [row.transition for row in page.context["inline_admin_formsets"][1].formset.queryset] == [
        "open_vote"
    ]
    staff.post(url, {"reason": "changed"})
    assert Motion.objects.get(pk=motion.pk).reason == "No yearly return since 2023."
    assert (
        staff.post(reverse("admin:workflows_motion_delete", args=[motion.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert staff.get(reverse("admin:workflows_motion_add")).status_code == 403
