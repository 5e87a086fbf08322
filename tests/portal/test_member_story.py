"""A member union's life after admission, through the pages, with the partner API reading each step:
invited representative, profile, change of name, yearly returns and good standing, a suspension voted
with a recusal, reinstatement, notice of withdrawal, the end; every step in the record."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django_fsm_log.models import StateLog

from notifications.models import Notification
from registry.models import ChangeRequest, MembershipState
from registry.selectors import federation_year, today
from tests.cast import application_in
from tests.factories import applicant_user
from workflows.models import ApplicationState, Motion

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def return_post(year) -> dict:
    return {
        "year": str(year),
        "officers-TOTAL_FORMS": "1",
        "officers-INITIAL_FORMS": "0",
        "officers-MIN_NUM_FORMS": "0",
        "officers-MAX_NUM_FORMS": "40",
        "officers-0-name": "Aigerim Bekova",
        "officers-0-role": "President",
        "officers-0-email": "aigerim@kazsu.example",
        "students_represented": "45000",
        "activities": "A national student forum in Almaty.",
        "events": "",
    }


def directory(slug) -> dict | None:
    """The partner API's answer for the union (None: not listed)."""
    response = Client().get(f"/api/v1/affiliates/{slug}/")
    return response.json() if response.status_code == 200 else None


@pytest.fixture
def story(settings, cast):
    """The federation year started 100 days ago; its return was due within 30 days."""
    start = today() - datetime.timedelta(days=100)
    if (start.month, start.day) == (2, 29):
        start -= datetime.timedelta(days=1)
    settings.MEMBERSHIP_YEAR_START = start.strftime("%m-%d")
    settings.RETURN_DUE_DAYS = 30
    settings.OFFICERS_REQUIRE_MFA = False
    return cast


def _page_post(client, path, data, expect=302):
    response = client.post(path, data)
    assert response.status_code == expect, (path, response.status_code, response.content[:2000])
    return response


def _admitted(people):
    application = application_in(
        ApplicationState.ADMITTED, people, name="Kazakh Students' Union", country="KZ"
    )
    membership = application.membership
    membership.admitted_on = today() - datetime.timedelta(days=800)
    membership.save()
    return membership.organization, membership


def _representatives_and_profile(people, organization):
    rep = client_for(people.applicant)
    second = verified(applicant_user(email="dana@kazsu.example", username="dana@kazsu.example"))
    _page_post(rep, f"/member/{organization.slug}/invitations/", {"email": second.email})
    link = Notification.objects.get(event="representative_invited").context["link"]
    _page_post(client_for(second), link.split("testserver")[-1].replace("http://127.0.0.1:8000", ""), {})
    assert organization.representatives.filter(removed_at__isnull=True).count() == 2
    _page_post(
        rep,
        f"/member/{organization.slug}/profile/",
        {
            "website": "https://kazsu.example",
            "city": "Almaty",
            "email": "info@kazsu.example",
            "description": "",
            "social_links": "",
        },
    )
    assert directory(organization.slug)["website"] == "https://kazsu.example"
    return rep, second


def _name_change(people, organization, rep):
    _page_post(
        rep,
        f"/member/{organization.slug}/change-requests/",
        {"name": "Kazakhstan Students' Union", "comment": "New statutes."},
    )
    request = ChangeRequest.objects.get()
    _page_post(
        client_for(people.secretariat),
        f"/committee/change-requests/{request.pk}/",
        {"action": "approve", "reason": ""},
    )
    assert directory(organization.slug)["name"] == "Kazakhstan Students' Union"


def _returns_and_standing(organization, rep):
    year = federation_year(today())
    _page_post(rep, f"/member/{organization.slug}/return/", return_post(year - 1))
    assert directory(organization.slug)["in_good_standing"] is False  # this year's return is overdue
    _page_post(rep, f"/member/{organization.slug}/return/", return_post(year))
    assert directory(organization.slug)["in_good_standing"] is True


def _motion_page(client, motion, data):
    return _page_post(client, f"/committee/motions/{motion.pk}/", data)


def _suspension_with_a_recusal(people, organization, membership):
    secretariat = client_for(people.secretariat)
    _page_post(
        secretariat,
        f"/committee/members/{organization.slug}/motions/",
        {"kind": "suspend", "reason": "Statutes not sent."},
    )
    motion = Motion.objects.get(kind="suspend")
    deadline = (today() + datetime.timedelta(days=7)).isoformat()
    _motion_page(
        secretariat, motion, {"action": "open_vote", "expected_state": "proposed", "deadline": deadline}
    )
    _motion_page(
        client_for(people.committee[0]),
        motion,
        {"action": "recuse", "expected_state": "voting", "reason": "I studied there."},
    )
    for member in people.committee[1:]:
        _motion_page(
            client_for(member), motion, {"action": "vote", "expected_state": "voting", "choice": "yes"}
        )
    membership.refresh_from_db()
    assert membership.state == MembershipState.SUSPENDED
    assert directory(organization.slug) is None  # a suspended union leaves the directory
    return motion


def _reinstatement(people, organization, membership):
    secretariat = client_for(people.secretariat)
    _page_post(
        secretariat,
        f"/committee/members/{organization.slug}/motions/",
        {"kind": "reinstate", "reason": "Statutes received."},
    )
    motion = Motion.objects.get(kind="reinstate")
    deadline = (today() + datetime.timedelta(days=7)).isoformat()
    _motion_page(
        secretariat, motion, {"action": "open_vote", "expected_state": "proposed", "deadline": deadline}
    )
    for member in people.committee:
        _motion_page(
            client_for(member), motion, {"action": "vote", "expected_state": "voting", "choice": "yes"}
        )
    membership.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE
    assert directory(organization.slug) is not None
    return motion


def _withdrawal(people, organization, membership, rep):
    _page_post(
        rep,
        f"/member/{organization.slug}/motions/",
        {"kind": "withdrawal", "effective_on": today().isoformat(), "reason": "Merged."},
    )
    notice = Motion.objects.get(kind="withdrawal")
    _motion_page(client_for(people.secretariat), notice, {"action": "confirm", "expected_state": "proposed"})
    membership.refresh_from_db()
    assert (membership.state, membership.end_reason) == (MembershipState.ENDED, "withdrawn")
    assert directory(organization.slug) is None
    return notice


def test_a_member_union_s_life_through_the_pages_with_the_directory_following(story):
    people = story
    organization, membership = _admitted(people)
    rep, _second = _representatives_and_profile(people, organization)
    _name_change(people, organization, rep)
    _returns_and_standing(organization, rep)
    suspension = _suspension_with_a_recusal(people, organization, membership)
    reinstatement = _reinstatement(people, organization, membership)
    notice = _withdrawal(people, organization, membership, rep)

    # The record: each decision's steps with who took them, the round's recusal, the suspension's dates.
    assert list(StateLog.objects.for_(suspension).values_list("transition", flat=True)) == [
        "open_vote",
        "close_vote",
    ]
    assert list(StateLog.objects.for_(notice).values_list("transition", "by_id")) == [
        ("confirm", people.secretariat.pk)
    ]
    recusal = suspension.vote_rounds.get().voters.get(user=people.committee[0])
    assert recusal.recusal_reason == "I studied there."
    # Suspended and reinstated the same day: the suspension never counted a day, so no dated period
    # stays; the two decisions stay, with their rounds.
    assert not membership.suspensions.exists()
    assert reinstatement.vote_rounds.get().outcome == "passed"
    page = rep.get(f"/member/{organization.slug}/").content.decode()
    for words in ("Suspension", "Reinstatement", "Notice of withdrawal"):
        assert words in page
