"""A member union's area in a real browser, after its admission through the services.

One test, in order, as the people would do it: the representative (the applicant of the admitted
application) opens the member area and the union's page; invites a second representative by
e-mail, who logs in, accepts the invitation's link and sees the union's page; the first edits the
directory entry and finds it changed on the public affiliate page; files the yearly return; asks
for a change of category and finds it under "Decisions on your membership". The member area, the
union's page, the return page, the invitation page and the public affiliate page are each
screenshot at 390 and 1280 px (test-artifacts/e2e/member-<width>-<page>.png), checked to fit the
screen and by axe-core.
"""

import re

import pytest
from allauth.account.models import EmailAddress

from notifications.models import Notification
from tests.cast import application_in
from tests.e2e.helpers import log_in, verified_user
from tests.e2e.test_look import _check
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

UNION = "Kazakh Students' Union"
SECOND_EMAIL = "dana@kazsu.example"
PHONE, DESKTOP = 390, 1280


def _look(pages: dict, name: str, path: str, problems: dict) -> None:
    """Screenshot and axe-check ``path`` at each width, each page of ``pages`` (width → page) logged in alike."""
    for width, page in pages.items():
        _check(page, f"member-{width}-{name}", path, problems)


def test_a_representative_keeps_the_union_in_the_member_area(new_context, live_server, cast):
    from playwright.sync_api import expect

    application = application_in(ApplicationState.ADMITTED, cast, name=UNION, acronym="KAZSU", country="KZ")
    organization = application.membership.organization
    slug = organization.slug
    representative = cast.applicant
    EmailAddress.objects.create(user=representative, email=representative.email, verified=True, primary=True)
    second = verified_user(email=SECOND_EMAIL, first_name="Dana", last_name="Serikova")
    problems: dict[str, object] = {}

    # --- the representative: the member area and the union's page ---------------------------------
    rep = new_context(width=DESKTOP).new_page()
    rep_phone = new_context(width=PHONE, height=800).new_page()
    for page in (rep, rep_phone):
        log_in(page, representative.email)
    rep_pages = {PHONE: rep_phone, DESKTOP: rep}
    _look(rep_pages, "home", "/member/", problems)
    expect(rep.locator("main h1")).to_have_text("My unions")
    rep.get_by_role("link", name=f"{UNION} (KAZSU)").click()
    expect(rep).to_have_url(re.compile(rf"/member/{slug}/$"))
    expect(rep.locator("main h1")).to_have_text(f"{UNION} (KAZSU)")
    expect(rep.locator("#membership-title + dl")).to_contain_text("Active")

    # --- a second representative, invited by e-mail ---------------------------------------------------
    invite = rep.locator("#invite-form")
    invite.get_by_label("E-mail address of the person to invite").fill(SECOND_EMAIL)
    invite.get_by_role("button", name="Invite").click()
    expect(rep.locator(".messages")).to_contain_text("The invitation is sent by e-mail.")
    expect(rep.locator("main")).to_contain_text("Invitations waiting")
    link = Notification.objects.get(event="representative_invited").context["link"]
    link = link.replace(re.match(r"https?://[^/]+", link).group(0), live_server.url)

    dana = new_context(width=DESKTOP).new_page()
    dana_phone = new_context(width=PHONE, height=800).new_page()
    for page in (dana, dana_phone):
        log_in(page, second.email)
    _look({PHONE: dana_phone, DESKTOP: dana}, "invitation", link, problems)
    expect(dana.locator("main h1")).to_have_text(f"Represent {UNION}")
    dana.get_by_role("button", name="Accept the invitation").click()
    expect(dana).to_have_url(re.compile(rf"/member/{slug}/$"))
    expect(dana.locator(".messages")).to_contain_text(f"Welcome! You now represent {UNION}.")
    expect(dana.locator("#representatives-title + ul")).to_contain_text(SECOND_EMAIL)
    assert organization.representatives.filter(removed_at__isnull=True).count() == 2

    # --- the directory entry, edited and public -------------------------------------------------------
    rep.goto(f"/member/{slug}/")
    rep.locator("summary", has_text="Edit the directory entry").click()
    profile = rep.locator("#profile-form")
    profile.get_by_label("Website").fill("https://kazsu.example")
    profile.get_by_label("City").fill("Almaty")
    profile.get_by_label("Short description").fill("The national union of Kazakhstan's students.")
    profile.get_by_role("button", name="Save the directory entry").click()
    expect(rep.locator(".messages")).to_contain_text("The directory entry is saved.")
    expect(rep.locator("#entry-title + dl")).to_contain_text("Almaty")

    visitor = new_context(width=DESKTOP).new_page()
    visitor.goto("/directory/?q=KAZSU")
    visitor.locator(".affiliates").get_by_role("link", name=UNION).click()
    expect(visitor).to_have_url(re.compile(rf"/directory/{slug}/$"))
    about = visitor.locator("main")
    expect(about).to_contain_text("Almaty")
    expect(about.get_by_role("link", name="https://kazsu.example")).to_be_visible()
    expect(about).to_contain_text("The national union of Kazakhstan's students.")
    visitor_phone = new_context(width=PHONE, height=800).new_page()
    _look({PHONE: visitor_phone, DESKTOP: visitor}, "affiliate", f"/directory/{slug}/", problems)

    # --- the yearly return ---------------------------------------------------------------------------
    rep.goto(f"/member/{slug}/")
    rep.get_by_role("link", name="File the yearly return").click()
    expect(rep).to_have_url(re.compile(rf"/member/{slug}/return/$"))
    expect(rep.locator("#this-year-title + dl")).to_contain_text("Not filed yet.")
    _look(rep_pages, "return", f"/member/{slug}/return/", problems)
    form = rep.locator("#return-form")
    form.locator("input[name=officers-0-name]").fill("Aigerim Bekova")
    form.locator("input[name=officers-0-role]").fill("President")
    form.locator("input[name=officers-0-email]").fill("aigerim@kazsu.example")
    form.locator("input[name=officers-1-name]").fill("Nurlan Abenov")
    form.locator("input[name=officers-1-role]").fill("Treasurer")
    form.get_by_label("Students represented").fill("45000")
    form.get_by_label("Activities of the year").fill("A national student forum in Almaty.")
    form.get_by_role("button", name="File the return").click()
    expect(rep.locator(".messages")).to_contain_text("The yearly return is filed. Thank you!")
    expect(rep.locator("#this-year-title + dl")).to_contain_text("Filed on")
    expect(rep.locator("#past-title ~ details").first).to_contain_text("Nurlan Abenov — Treasurer")
    rep.get_by_role("link", name=UNION).click()
    expect(rep.locator("#membership-title + dl")).to_contain_text("Filed on")

    # --- a change of category, asked of the federation ------------------------------------------------
    rep.locator("summary", has_text="Ask for a change of category, or give notice of withdrawal").click()
    motion = rep.locator("#motion-form")
    motion.get_by_role("radio", name="A change of category").check()
    motion.get_by_label("New category (a change of category only)").select_option(label="Associate member")
    motion.get_by_label("Your message to the federation (optional)").fill("We no longer meet the criteria.")
    motion.get_by_role("button", name="Send to the secretariat").click()
    expect(rep.locator(".messages")).to_contain_text("Your request is sent to the secretariat.")
    decision = rep.locator("#decisions li")
    expect(decision).to_have_count(1)
    expect(decision).to_contain_text("Change of category (Associate member)")
    expect(decision).to_contain_text("Proposed")

    # the union's page as it ends: both representatives, the return filed, the decision asked
    _look(rep_pages, "union", f"/member/{slug}/", problems)
    assert problems == {}
