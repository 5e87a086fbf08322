"""The main navigation shows each role only its own places, on the rendered page."""

import re

import pytest

from registry.services import representative_add_first
from tests.factories import (
    ApplicationFactory,
    OrganizationFactory,
    UserFactory,
    applicant_user,
    committee_member,
    reviewer_user,
    secretariat_user,
)

pytestmark = pytest.mark.django_db

PUBLIC = ["directory", "statistics", "decisions", "api-docs"]
# Every committee role (secretariat, reviewers, Executive Committee): the decisions on members and
# the committee's statistics.
COMMITTEE = ["motions", "committee-statistics"]


def _places(client) -> list[str]:
    """The places of the rendered main navigation (``data-place``), in order."""
    html = client.get("/directory/").content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'data-place="([a-z-]+)"', nav)


def _applicant():
    user = applicant_user()
    ApplicationFactory(applicant=user)
    return user


def _representative():
    user = UserFactory()
    representative_add_first(organization=OrganizationFactory(), user=user)
    return user


PEOPLE = [
    ("anonymous", None, PUBLIC),
    ("a new account", UserFactory, [*PUBLIC, "applications"]),
    ("an applicant", _applicant, [*PUBLIC, "applications"]),
    ("a reviewer", reviewer_user, [*PUBLIC, "reviews", *COMMITTEE]),
    (
        "the secretariat",
        secretariat_user,
        [*PUBLIC, "queue", "overview", "change-requests", "dues", "meetings", *COMMITTEE, "admin"],
    ),
    ("a committee member", committee_member, [*PUBLIC, "votes", "reviews", "meetings", *COMMITTEE]),
    ("a representative", _representative, [*PUBLIC, "member"]),
]


@pytest.mark.parametrize(("who", "make", "expected"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_each_role_sees_only_its_own_places(client, who, make, expected):
    if make is not None:
        client.force_login(make(), backend="django.contrib.auth.backends.ModelBackend")
    assert _places(client) == expected


def test_someone_with_several_roles_sees_the_places_of_each(client):
    user = committee_member()
    ApplicationFactory(applicant=user)
    representative_add_first(organization=OrganizationFactory(), user=user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert _places(client) == [*PUBLIC, "applications", "member", "votes", "reviews", "meetings", *COMMITTEE]


def test_the_places_link_where_they_say(client):
    client.force_login(secretariat_user(), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/committee/").content.decode()
    assert 'href="/committee/" data-place="queue" aria-current="page"' in html
    assert 'href="/committee/#overview" data-place="overview"' in html
    assert 'id="overview"' in html
    assert 'href="/committee/change-requests/" data-place="change-requests"' in html
    assert 'href="/committee/dues/" data-place="dues"' in html


def test_a_committee_member_finds_the_votes_and_a_reviewer_their_reviews(client):
    client.force_login(committee_member(), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/directory/").content.decode()
    assert 'href="/committee/?state=executive_vote" data-place="votes">Votes</a>' in html
    assert 'href="/committee/?mine=1" data-place="reviews">My reviews</a>' in html
