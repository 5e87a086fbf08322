"""Every main page at two phones' widths (360 and 390 px) and a desktop's (1280 px), on the demo
data, for each role (the account pages and the directory's map among them); and the pages of the
site's look (account pages, the directory's map, the committee's two columns) at 390 and 1280 px.

For each page: a full-page screenshot into test-artifacts/e2e/ (to look at), no part of
the page wider than the screen, and no serious or critical axe-core violation.
"""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from ops.demo import seed_demo_applications
from registry.demo import DEMO_PASSWORD, seed_demo
from registry.selectors import affiliate_list
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.helpers import log_in
from workflows.models import ApplicationState, MembershipApplication

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WIDTHS = (360, 390, 1280)
LOOK_WIDTHS = (390, 1280)


def _demo() -> dict[str, int]:
    """The demo data, every demo user able to log in; the id of an application in each state used."""
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
    return state_ids


def _pages(state_ids: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    """Who sees which pages: person's e-mail (None: anonymous) → [(name, path)]."""
    draft, submitted, vote = state_ids["draft"], state_ids["submitted"], state_ids["executive_vote"]
    affiliate = affiliate_list().order_by("name").values_list("slug", flat=True).first()
    return {
        None: [
            ("home", "/"),
            ("directory", "/directory/"),
            ("directory-search", "/directory/?q=union&country=KE"),
            ("affiliate", f"/directory/{affiliate}/"),
            ("privacy", "/privacy/"),
            ("login", "/accounts/login/"),
            ("signup", "/accounts/signup/"),
            ("verification-sent", "/accounts/confirm-email/"),
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
            ("application-delete", f"/applications/{draft}/delete/"),
            ("account-profile", "/account/profile/"),
            ("account-email", "/accounts/email/"),
            ("account-tokens", "/account/tokens/"),
            ("account-mfa", "/accounts/2fa/"),
        ],
        "union.malawi@demo.example": [
            ("application-status-submitted", f"/applications/{submitted}/"),
            ("application-withdraw", f"/applications/{submitted}/withdraw/"),
        ],
        "union.zimbabwe@demo.example": [  # a suspended union's representative
            ("member-home", "/member/"),
            ("member-union-suspended", "/member/zinasu-zw/"),
        ],
        "reviewer1@demo.example": [
            ("committee-queue-reviewer", "/committee/"),
        ],
        "secretariat@demo.example": [
            ("committee-queue", "/committee/"),
            ("committee-change-requests", "/committee/change-requests/"),
            ("committee-submitted", f"/committee/applications/{submitted}/"),
            ("committee-vote-secretariat", f"/committee/applications/{vote}/"),
            ("totp-activate", "/accounts/2fa/totp/activate/"),
        ],
        "committee1@demo.example": [
            ("committee-vote-member", f"/committee/applications/{vote}/"),
        ],
    }


def _visit(page, path: str) -> None:
    """Open ``path``; when allauth first asks to confirm it is you (two-factor set-up), do so."""
    page.goto(path)
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/reauthenticate/" not in page.url


def _check(page, name: str, path: str, problems: dict) -> None:
    _visit(page, path)
    screenshot(page, name)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems[f"{name}: wider than the screen by {overflow}px"] = path
    violations = axe_violations(page, name)
    if violations:
        problems[name] = violations


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_fit_the_screen_and_pass_axe(new_context, width):
    state_ids = _demo()
    problems: dict[str, object] = {}
    for email, pages in _pages(state_ids).items():
        page = new_context(width=width, height=800).new_page()
        if email:
            log_in(page, email, DEMO_PASSWORD)
        for name, path in pages:
            _check(page, f"look-{width}-{name}", path, problems)
    assert problems == {}


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box, selector
    return box


@pytest.mark.parametrize("width", LOOK_WIDTHS)
def test_the_look_at_a_phone_and_a_desktop(new_context, width):
    """Log-in, sign-up, two-factor set-up, the directory's map, the committee's application page."""
    state_ids = _demo()
    problems: dict[str, object] = {}
    visitor = new_context(width=width, height=800).new_page()
    for name, path in [
        ("login", "/accounts/login/"),
        ("signup", "/accounts/signup/"),
        ("directory", "/directory/"),
    ]:
        _check(visitor, f"new-{width}-{name}", path, problems)

    # The map: one focusable link per country with members, the same countries as the table.
    links = visitor.locator(".world-map svg a")
    rows = visitor.locator(".country-table tbody tr")
    assert links.count() > 10
    assert links.count() <= rows.count()
    links.first.focus()
    assert visitor.evaluate("document.activeElement.closest('svg') !== null")
    href = links.first.get_attribute("href")
    visitor.keyboard.press("Enter")
    visitor.wait_for_url(f"**/directory/{href}")
    assert visitor.locator(".world-map svg a[aria-current=page]").count() == 1

    officer = new_context(width=width, height=800).new_page()
    log_in(officer, "secretariat@demo.example", DEMO_PASSWORD)
    vote = f"/committee/applications/{state_ids['executive_vote']}/"
    _check(officer, f"new-{width}-committee-application", vote, problems)
    side, main = _box(officer, ".two-col > .side-col"), _box(officer, ".two-col > .main-col")
    if width >= 1000:  # two columns: the content left, state and actions right
        assert side["x"] > main["x"] + main["width"] - 1
        assert officer.evaluate("getComputedStyle(document.querySelector('.side-col')).position") == "sticky"
    else:  # one column: state and actions first
        assert side["y"] + side["height"] <= main["y"] + 1
    _check(officer, f"new-{width}-totp-activate", "/accounts/2fa/totp/activate/", problems)
    assert officer.locator("main h1").inner_text() == "Turn on two-factor authentication"

    assert problems == {}


def test_the_directory_map_needs_no_javascript(browser, live_server, e2e_settings):
    _demo()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/directory/")
        assert page.locator(".world-map svg a").count() > 10
        assert page.locator(".country-table tbody tr").count() >= page.locator(".world-map svg a").count()
    finally:
        context.close()
