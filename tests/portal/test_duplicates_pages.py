"""The committee page shows the secretariat the application's likely duplicates in the registry, with
"link as re-application" and "confirm distinct"; the vote does not open until one is chosen."""

import datetime

import pytest

from registry.models import EndReason, MembershipState
from tests.cast import S, application_in, reload
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NAME = "National Union of Students"


def _page(application) -> str:
    return f"/committee/applications/{application.pk}/"


def _post(client, application, action, **data):
    data.setdefault("expected_state", reload(application).state)
    return client.post(_page(application), {"action": action, **data}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def former(regions):
    """A former member of the same name and country: its membership has ended."""
    return MembershipFactory(
        organization__name=NAME,
        organization__slug="nus-ke",
        organization__region=regions["africa-east"],
        state=MembershipState.ENDED,
        end_reason=EndReason.WITHDRAWN,
        admitted_on=datetime.date(2001, 1, 1),
        ended_on=datetime.date(2015, 6, 30),
    ).organization


@pytest.fixture
def affiliate(regions):
    """An affiliate with the same acronym in the same country."""
    return MembershipFactory(
        organization__name="Students of Kenya",
        organization__acronym="NUS",
        organization__slug="sok-ke",
        organization__region=regions["africa-east"],
    ).organization


def test_the_secretariat_sees_the_likely_duplicates_and_may_link_only_a_former_member(
    cast, client_as, former, affiliate
):
    application = application_in(S.SUBMITTED, cast, assigned=False, name=NAME, acronym="NUS")

    html = client_as(cast.secretariat).get(_page(application)).content.decode()
    for_committee = client_as(cast.committee[0]).get(_page(application)).content.decode()

    assert "Already in the registry?" in html
    assert NAME in html
    assert "Students of Kenya" in html
    assert 'name="organization" value="nus-ke"' in html
    assert 'value="sok-ke"' not in html  # a member now: never linked
    assert 'name="action" value="confirm_distinct"' in html
    assert "Already in the registry?" not in for_committee


def test_the_secretariat_links_the_application_to_the_former_member(cast, client_as, former):
    application = application_in(S.SUBMITTED, cast, assigned=False, name=NAME)

    response = _post(client_as(cast.secretariat), application, "link_organization", organization="nus-ke")

    assert f"The application is linked to “{NAME}” as its re-application." in _messages(response)
    application = reload(application)
    assert (application.organization, application.duplicates_checked_by) == (former, cast.secretariat)
    assert "Linked as a re-application of" in response.content.decode()


def test_an_affiliate_cannot_be_linked(cast, client_as, affiliate):
    application = application_in(S.SUBMITTED, cast, assigned=False, name="Students of Kenya")

    response = client_as(cast.secretariat).post(
        _page(application),
        {"action": "link_organization", "organization": "sok-ke", "expected_state": S.SUBMITTED},
    )

    assert response.status_code == 400
    assert any("cannot take it over" in m for m in _messages(response))
    assert reload(application).organization is None


def test_the_vote_opens_once_the_secretariat_confirms_a_new_organization(cast, client_as, former):
    application = application_in(S.REVIEWED, cast, name=NAME)
    client = client_as(cast.secretariat)
    vote = {"deadline": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(), "category": "full"}

    refused = _post(client, application, "open_vote", **vote)
    confirmed = _post(client, application, "confirm_distinct")
    opened = _post(client, application, "open_vote", **vote)

    assert any(f"may be a duplicate of “{NAME}”" in m for m in _messages(refused))
    assert "The application is confirmed as a new organization: admission will create it." in _messages(
        confirmed
    )
    assert reload(application).state == S.EXECUTIVE_VOTE
    assert "The vote is open" in " ".join(_messages(opened))
