"""Every main page at a phone's width (360 px) and a desktop's (1280 px), on the demo data.

For each page: a full-page screenshot into test-artifacts/e2e/ (to look at), no part of
the page wider than the screen, and no serious or critical axe-core violation.
"""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from ops.demo import seed_demo_applications
from registry.demo import DEMO_PASSWORD, seed_demo
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.helpers import log_in
from workflows.models import ApplicationState, MembershipApplication

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WIDTHS = (360, 1280)


def _pages(state_ids: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    """Who sees which pages: person's e-mail (None: anonymous) → [(name, path)]."""
    draft, submitted, vote = state_ids["draft"], state_ids["submitted"], state_ids["executive_vote"]
    return {
        None: [
            ("home", "/"),
            ("directory", "/directory/"),
            ("directory-search", "/directory/?q=union&country=KE"),
            ("affiliate", "/directory/kenus-ke/"),
            ("login", "/accounts/login/"),
            ("signup", "/accounts/signup/"),
            ("password-reset", "/accounts/password/reset/"),
            ("not-found", "/no-such-page/"),
        ],
        "applicant@demo.example": [
            ("my-applications", "/applications/"),
            ("application-new", "/applications/new/"),
            ("application-edit", f"/applications/{draft}/edit/"),
            ("application-review", f"/applications/{draft}/review/"),
            ("application-documents", f"/applications/{draft}/documents/"),
            ("application-status-draft", f"/applications/{draft}/"),
            ("application-withdraw", f"/applications/{draft}/withdraw/"),
            ("account-mfa", "/accounts/2fa/"),
        ],
        "union.malawi@demo.example": [
            ("application-status-submitted", f"/applications/{submitted}/"),
        ],
        "secretariat@demo.example": [
            ("committee-queue", "/committee/"),
            ("committee-submitted", f"/committee/applications/{submitted}/"),
            ("committee-vote-secretariat", f"/committee/applications/{vote}/"),
            ("totp-activate", "/accounts/2fa/totp/activate/"),
        ],
        "committee1@demo.example": [
            ("committee-vote-member", f"/committee/applications/{vote}/"),
        ],
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_fit_the_screen_and_pass_axe(new_context, width):
    seed_demo()
    seed_demo_applications()
    for user in get_user_model().objects.filter(username__endswith="@demo.example"):
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    state_ids = {
        state: MembershipApplication.objects.filter(state=state).values_list("pk", flat=True).first()
        for state in (ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.EXECUTIVE_VOTE)
    }
    assert all(state_ids.values()), state_ids
    problems: dict[str, object] = {}
    for email, pages in _pages(state_ids).items():
        page = new_context(width=width, height=800).new_page()
        if email:
            log_in(page, email, DEMO_PASSWORD)
        for name, path in pages:
            page.goto(path)
            screenshot(page, f"look-{width}-{name}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems[f"{name}: wider than the screen by {overflow}px"] = path
            violations = axe_violations(page, f"look-{width}-{name}")
            if violations:
                problems[name] = violations
    assert problems == {}
