"""The statistics pages and the yearly return page at a phone's width and a desktop's, on the demo
data: a screenshot each (test-artifacts/e2e/), nothing wider than the screen, no serious or critical
axe-core violation; the charts need no script."""

import pytest

from registry.demo import DEMO_PASSWORD
from registry.selectors import affiliate_list
from registry.services import representative_add_first
from tests.e2e.helpers import log_in, verified_user
from tests.e2e.test_look import _check, _demo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.mark.parametrize("width", [360, 1280])
def test_statistics_and_the_yearly_return_fit_the_screen_and_pass_axe(new_context, width):
    state_ids = _demo()
    organization = affiliate_list().order_by("name").first()
    representative = verified_user(email="rep@demo.example", first_name="Rita", last_name="Rep")
    representative_add_first(organization=organization, user=representative)
    problems: dict[str, object] = {}

    visitor = new_context(width=width, height=800).new_page()
    _check(visitor, f"members-{width}-statistics", "/statistics/", problems)
    assert visitor.locator("section.figure svg[role=img] title").count() == 5

    officer = new_context(width=width, height=800).new_page()
    log_in(officer, "secretariat@demo.example", DEMO_PASSWORD)
    _check(officer, f"members-{width}-committee-statistics", "/committee/statistics/", problems)
    _check(officer, f"members-{width}-directory-standing", "/directory/?standing=not", problems)

    member = new_context(width=width, height=800).new_page()
    log_in(member, "rep@demo.example")
    _check(member, f"members-{width}-return", f"/member/{organization.slug}/return/", problems)
    assert state_ids
    assert problems == {}
