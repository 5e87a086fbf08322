"""Decisions on members through the pages: the secretariat proposes, the committee votes, the union asks."""

import datetime

import pytest
from django.test import Client

from registry.models import MembershipCategory, MembershipState
from registry.selectors import today
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user
from workflows import motions
from workflows.models import Motion, MotionKind, MotionState

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def union(cast):
    membership = MembershipFactory(
        organization__slug="unef",
        organization__name="Union nationale des étudiants du Faso",
        organization__country="BF",
    )
    representative = applicant_user(first_name="Awa", last_name="Ouédraogo")
    representative_add_first(organization=membership.organization, user=representative)
    return membership, representative


def test_the_secretariat_proposes_a_suspension_from_the_member_s_page_and_the_committee_votes(cast, union):
    membership, _ = union
    secretariat = client_for(cast.secretariat)
    page = secretariat.get("/committee/members/unef/")
    assert page.status_code == 200
    assert b"propose-form" in page.content

    response = secretariat.post(
        "/committee/members/unef/motions/", {"kind": "suspend", "reason": "No yearly return since 2023."}
    )
    motion = Motion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/committee/motions/{motion.pk}/"

    deadline = (today() + datetime.timedelta(days=7)).isoformat()
    opened = secretariat.post(
        f"/committee/motions/{motion.pk}/",
        {"action": "open_vote", "expected_state": "proposed", "deadline": deadline},
    )
    assert opened.status_code == 302
    for member in cast.committee:
        page = client_for(member).get(f"/committee/motions/{motion.pk}/")
        assert b'id="action-vote"' in page.content
        voted = client_for(member).post(
            f"/committee/motions/{motion.pk}/",
            {"action": "vote", "expected_state": "voting", "choice": "yes"},
        )
        assert voted.status_code == 302
    # The committee also counts the second reviewer: the secretariat closes the round.
    closed = secretariat.post(
        f"/committee/motions/{motion.pk}/", {"action": "close_vote", "expected_state": "voting"}
    )
    assert closed.status_code == 302

    motion.refresh_from_db()
    membership.refresh_from_db()
    assert (motion.state, membership.state) == (MotionState.CARRIED, MembershipState.SUSPENDED)
    page = secretariat.get(f"/committee/motions/{motion.pk}/").content.decode()
    assert "How the outcome was reached" in page


def test_a_proposal_without_its_reason_is_a_form_error_and_nothing_is_saved(cast, union):
    response = client_for(cast.secretariat).post(
        "/committee/members/unef/motions/", {"kind": "expel", "reason": ""}
    )
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    assert not Motion.objects.exists()


def test_a_stale_motion_page_is_refused_with_a_message(cast, union):
    membership, _ = union
    motion = motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind="suspend", reason="Dues."
    )
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    response = client_for(cast.secretariat).post(
        f"/committee/motions/{motion.pk}/",
        {"action": "drop", "expected_state": "proposed", "reason": "Paid."},
        follow=True,
    )
    assert "Someone else changed this motion meanwhile" in response.content.decode()
    motion.refresh_from_db()
    assert motion.state == MotionState.VOTING


def test_the_union_s_representative_never_sees_the_committee_s_motion_page(cast, union):
    membership, representative = union
    motion = motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind="suspend", reason="Dues."
    )
    assert client_for(representative).get(f"/committee/motions/{motion.pk}/").status_code == 403
    assert client_for(cast.applicant).get("/committee/motions/").status_code == 403
    assert client_for().get(f"/committee/motions/{motion.pk}/").status_code == 302  # to log in


def test_a_committee_member_who_represents_the_union_sees_no_ballot_form(cast, union):
    membership, _ = union
    representative_add_first(organization=membership.organization, user=cast.committee[0])
    motion = motions.motion_propose(
        membership=membership, actor=cast.secretariat, kind="suspend", reason="Dues."
    )
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    page = client_for(cast.committee[0]).get(f"/committee/motions/{motion.pk}/")
    assert page.status_code == 200
    assert b'id="action-vote"' not in page.content
    refused = client_for(cast.committee[0]).post(
        f"/committee/motions/{motion.pk}/",
        {"action": "vote", "expected_state": "voting", "choice": "no"},
        follow=True,
    )
    assert not motion.vote_rounds.get().ballots.exists()
    assert refused.status_code == 200


def test_the_union_asks_for_a_change_of_category_from_its_member_area(cast, union):
    _membership, representative = union
    client = client_for(representative)
    page = client.get("/member/unef/")
    assert b"motion-form" in page.content

    response = client.post("/member/unef/motions/", {"kind": "change_category", "category": "associate"})

    assert response.status_code == 302
    motion = Motion.objects.get()
    assert (motion.kind, motion.category, motion.proposed_by) == (
        MotionKind.CHANGE_CATEGORY,
        MembershipCategory.ASSOCIATE,
        representative,
    )
    assert "Change of category" in client.get("/member/unef/").content.decode()


def test_a_notice_dated_before_today_is_a_form_error_on_the_member_area(cast, union):
    _, representative = union
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    response = client_for(representative).post(
        "/member/unef/motions/", {"kind": "withdrawal", "effective_on": yesterday}
    )
    assert response.status_code == 400
    assert "a notice takes effect from the day it is given" in response.content.decode()
    assert not Motion.objects.exists()


def test_a_notice_confirmed_by_the_secretariat_ends_the_membership(cast, union):
    membership, representative = union
    client_for(representative).post(
        "/member/unef/motions/", {"kind": "withdrawal", "effective_on": today().isoformat()}
    )
    motion = Motion.objects.get()

    response = client_for(cast.secretariat).post(
        f"/committee/motions/{motion.pk}/", {"action": "confirm", "expected_state": "proposed"}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.state == MembershipState.ENDED
    assert b"motion-form" not in client_for(representative).get("/member/unef/").content


def test_the_committee_page_says_who_is_already_a_member_from_the_applicant_s_country(cast):
    from tests.cast import S, application_in

    MembershipFactory(
        organization__country="GH", organization__name="NUGS Ghana", admitted_on=datetime.date(2017, 1, 9)
    )
    application = application_in(S.SUBMITTED, cast, assigned=False, country="GH")

    page = client_for(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()

    assert "Already a member from Ghana:" in page
    assert "<bdi>NUGS Ghana</bdi> (Full member, since 2017)" in page
