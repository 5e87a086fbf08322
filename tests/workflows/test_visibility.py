"""``selectors.application_visible_to`` is ``rules.may_view`` as a query: they agree everywhere."""

import pytest

from tests.cast import ROLES, application_in, new_draft
from tests.factories import ApplicationFactory, reviewer_user, secretariat_user
from workflows import rules, selectors
from workflows.models import ApplicationState

pytestmark = pytest.mark.django_db

S = ApplicationState


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.EXECUTIVE_VOTE, S.WITHDRAWN])
def test_the_query_and_the_rule_agree_for_every_role(cast, state):
    application = new_draft(cast) if state == S.DRAFT else application_in(state, cast)
    inactive_secretary = secretariat_user(is_active=False)
    both = reviewer_user()
    application_of_both = ApplicationFactory(applicant=both, name="Union of a reviewer", country="UG")
    users = [cast.role(role) for role in ROLES] + [inactive_secretary, both]

    for user in users:
        visible = set(selectors.application_visible_to(user).values_list("pk", flat=True))
        for candidate in (application, application_of_both):
            assert (candidate.pk in visible) == rules.may_view(candidate, user), (user, candidate.state)


def test_the_query_costs_one_query_for_the_roles_and_one_for_the_rows(cast, django_assert_num_queries):
    application_in(S.SUBMITTED, cast)
    reviewer = cast.reviewers[0].__class__.objects.get(pk=cast.reviewers[0].pk)

    with django_assert_num_queries(2):
        assert len(selectors.application_visible_to(reviewer)) == 1
