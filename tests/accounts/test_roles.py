"""Who is in a role: each active member once, in the order of their ids."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import roles
from tests.factories import UserFactory, secretariat_user

pytestmark = pytest.mark.django_db


def test_a_member_of_several_of_the_groups_asked_for_is_listed_once():
    both = UserFactory(groups=[roles.REVIEWERS, roles.EXECUTIVE_COMMITTEE])
    reviewer = UserFactory(groups=[roles.REVIEWERS])
    UserFactory(groups=[roles.REVIEWERS], is_active=False)

    assert list(roles.possible_reviewers()) == [both, reviewer]


def test_one_group_is_read_without_removing_duplicates_it_cannot_have():
    first, second = secretariat_user(), secretariat_user()
    UserFactory(groups=[roles.REVIEWERS])

    with CaptureQueriesContext(connection) as queries:
        members = list(roles.members_of(roles.SECRETARIAT))

    assert members == [first, second]
    assert "DISTINCT" not in queries[0]["sql"]
