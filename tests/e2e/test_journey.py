"""An application's whole life in a real browser: sign-up to the directory.

One test, in order, as the people would do it: the applicant signs up with their name and
verifies the e-mail (found as a file in var/mail/, as the README says), drafts, uploads, sends;
the secretariat asks for information; the applicant answers; two reviewers review while the
queue shows their progress; three committee members vote, the queue counting the ballots; the
round closes and explains its outcome; the union is admitted and listed. Screenshots and
axe-core checks are taken of the main pages on the way.
"""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS, SECRETARIAT
from tests.e2e.conftest import ROOT, axe_violations, screenshot
from tests.e2e.helpers import (
    PASSWORD,
    TINY_PDF,
    confirmation_link_in_files,
    log_in,
    mail_files,
    verified_user,
)
from workflows.models import ApplicationState, MembershipApplication

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

APPLICANT_EMAIL = "amani@kenya-students.example.org"
UNION = "Kenya Universities Student Union"


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": TINY_PDF}


def _queue_row(page, name: str):
    """The queue's row of the union ``name`` (the page is reloaded first)."""
    page.goto("/committee/")
    return page.locator("table.queue tbody tr", has_text=name)


def test_an_application_from_sign_up_to_the_directory(new_context, live_server, regions, settings, var_mail):
    settings.WORKFLOW_REQUIRED_REVIEWERS = 2
    secretariat = verified_user(
        email="secretariat@federation.example", first_name="Amina", last_name="Okafor", groups=[SECRETARIAT]
    )
    reviewers = [
        verified_user(
            email=f"reviewer{n}@federation.example",
            first_name="Reviewer",
            last_name=str(n),
            groups=[REVIEWERS],
        )
        for n in (1, 2)
    ]
    committee = [
        verified_user(
            email=f"member{n}@federation.example",
            first_name="Member",
            last_name=str(n),
            groups=[EXECUTIVE_COMMITTEE],
        )
        for n in (1, 2, 3)
    ]
    from playwright.sync_api import expect

    axe_failures: dict[str, list] = {}

    # --- the public pages ---------------------------------------------------------------
    applicant = new_context().new_page()
    applicant.goto("/")
    expect(applicant.locator("h1")).to_contain_text("member registry")
    screenshot(applicant, "01-home")
    axe_failures["home"] = axe_violations(applicant, "home")

    applicant.goto("/directory/")
    screenshot(applicant, "02-directory-before")
    axe_failures["directory"] = axe_violations(applicant, "directory")

    # --- sign-up with a name, and e-mail verification through the mail file in var/mail/ ----------
    assert var_mail == ROOT / "var" / "mail"  # where the README sends a newcomer to look
    mail_before = mail_files(var_mail)
    applicant.goto("/accounts/signup/")
    applicant.get_by_label("Your name").fill("Amani Otieno")
    applicant.fill("input[name=email]", APPLICANT_EMAIL)
    applicant.fill("input[name=password1]", PASSWORD)
    applicant.fill("input[name=password2]", PASSWORD)
    applicant.locator("main form button[type=submit]").click()
    expect(applicant.locator("main h1")).to_contain_text("Verify")
    screenshot(applicant, "journey-1280-verification-sent")
    link = confirmation_link_in_files(mail_files(var_mail) - mail_before, APPLICANT_EMAIL)
    link = link.replace(re.match(r"https?://[^/]+", link).group(0), live_server.url)
    phone = new_context(width=390, height=800).new_page()
    phone.goto(link)  # the page asks to confirm; only its button confirms
    expect(phone.locator("main h1")).to_contain_text("Confirm")
    screenshot(phone, "journey-390-confirm-email")
    axe_failures["confirm e-mail 390"] = axe_violations(phone, "journey-390-confirm-email")
    applicant.goto(link)
    screenshot(applicant, "journey-1280-confirm-email")
    axe_failures["confirm e-mail"] = axe_violations(applicant, "journey-1280-confirm-email")
    applicant.locator("main form button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(r"/applications/$"))
    expect(applicant.locator("main h1")).to_have_text("My applications")

    # --- a draft, saved with only part of it ----------------------------------------------------
    applicant.get_by_role("link", name="Start a new application").click()
    screenshot(applicant, "03-application-form-empty")
    axe_failures["application form"] = axe_violations(applicant, "application-form")
    applicant.get_by_label("Full name of your union").fill(UNION)
    applicant.get_by_label("Short name or acronym").fill("KUSU")
    applicant.get_by_role("button", name="Save draft").click()
    expect(applicant.locator(".messages")).to_contain_text("Your draft is saved")

    # ... then the rest, with the documents
    applicant.get_by_label("Country").select_option("KE")
    applicant.get_by_label("City of the head office").fill("Nairobi")
    applicant.get_by_label("Website").fill("https://kusu.example.org")
    applicant.get_by_label("Public e-mail address of your union").fill("international@kusu.example.org")
    applicant.get_by_label("Year founded").fill("1995")
    applicant.get_by_label("Number of students you represent").fill("180000")
    applicant.get_by_label("Why does your union want to join the federation?").fill(
        "We represent the students of Kenya's public universities and share the federation's aims."
    )
    applicant.locator("input[name=contacts-0-name]").fill("Amani Otieno")
    applicant.locator("input[name=contacts-0-email]").fill("amani.otieno@kusu.example.org")
    applicant.get_by_label("Statutes / constitution").set_input_files(_pdf("kusu-statutes.pdf"))
    applicant.get_by_label("Proof of registration").set_input_files(_pdf("kusu-registration.pdf"))
    applicant.get_by_role("button", name="Save and check before sending").click()
    expect(applicant.locator("main h1")).to_have_text("Check your application before sending")
    expect(applicant.locator("main")).to_contain_text("Everything needed is there")
    screenshot(applicant, "04-review-before-sending")
    applicant.get_by_role("button", name="Send the application").click()
    expect(applicant.locator(".messages")).to_contain_text("Your application is sent")
    expect(applicant.locator(".status")).to_contain_text("Submitted")
    screenshot(applicant, "05-status-submitted")
    axe_failures["status page"] = axe_violations(applicant, "status")
    application = MembershipApplication.objects.get(name=UNION)
    assert application.state == ApplicationState.SUBMITTED
    assert application.documents.count() == 2

    # --- the secretariat asks for information -------------------------------------------------
    sec = new_context().new_page()
    log_in(sec, secretariat.email)
    expect(sec).to_have_url(re.compile(r"/committee/$"))
    screenshot(sec, "06-committee-queue")
    axe_failures["committee queue"] = axe_violations(sec, "committee-queue")
    sec.get_by_role("table").get_by_role("link", name=UNION).click()  # the queue (the overview names it too)
    sec.locator("summary", has_text="Ask the applicant for more information").click()
    sec.get_by_label("Message to the applicant").fill("Please add the number of member universities.")
    sec.get_by_role("button", name="Send the request").click()
    expect(sec.locator(".messages")).to_contain_text("asked for more information")
    screenshot(sec, "07-committee-application")

    # --- the applicant answers and sends again --------------------------------------------------
    applicant.goto(f"/applications/{application.pk}/")
    expect(applicant.locator(".notice")).to_contain_text("Please add the number of member universities.")
    screenshot(applicant, "08-status-info-requested")
    applicant.get_by_role("link", name="Change my application").first.click()
    motivation = applicant.get_by_label("Why does your union want to join the federation?")
    motivation.fill(motivation.input_value() + " We have 31 member universities.")
    applicant.get_by_role("button", name="Save and check before sending").click()
    applicant.get_by_label("A note for the secretariat (optional)").fill("Added: 31 member universities.")
    applicant.get_by_role("button", name="Send the application again").click()
    expect(applicant.locator(".status")).to_contain_text("Submitted")

    # --- two reviewers, assigned and reviewing ----------------------------------------------------
    sec.reload()
    for reviewer in reviewers:
        sec.get_by_label(f"{reviewer.get_full_name()} ({reviewer.email})").check()
    sec.get_by_role("button", name="Assign and start the review").click()
    expect(sec.locator(".messages")).to_contain_text("the review has started")
    for reviewer in reviewers:  # ticked now, and not to untick: assigning only adds
        expect(
            sec.get_by_label(f"{reviewer.get_full_name()} ({reviewer.email}): assigned already")
        ).to_be_checked()
    expect(_queue_row(sec, UNION)).to_contain_text("Reviews: 0 of 2 in")
    for reviewer in reviewers:
        page = new_context().new_page()
        log_in(page, reviewer.email)
        page.get_by_role("link", name=UNION).click()
        page.get_by_label("Admit").check()
        page.get_by_label("Your review").fill("Eligible: a national union with statutes and registration.")
        page.get_by_role("button", name="Save my review").click()
        expect(page.locator(".messages")).to_contain_text("your review is saved")

    # --- the secretariat closes the review and opens the vote ----------------------------------------
    expect(_queue_row(sec, UNION)).to_contain_text("Reviews: 2 of 2 in")
    sec.goto(f"/committee/applications/{application.pk}/")
    sec.get_by_role("button", name="Mark the review as complete").click()
    expect(sec.locator(".messages")).to_contain_text("The review is complete")
    sec.get_by_role("button", name="Open the vote").click()
    expect(sec.locator(".messages")).to_contain_text("The vote is open")
    row = _queue_row(sec, UNION)
    expect(row).to_contain_text("Votes: 0 of 3")
    expect(row).to_contain_text("closes in")
    expect(row).to_contain_text("since first sent")

    # --- three committee members vote yes: the queue counts; the last ballot closes the round ---------
    for member in committee:
        page = new_context(width=390, height=800).new_page()
        log_in(page, member.email)
        page.get_by_role("link", name=UNION).click()
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Cast my vote").click()
        expect(page.locator(".messages")).to_contain_text("Your vote “Yes” is recorded")
        if member is committee[0]:
            screenshot(page, "09-committee-after-vote-390")
            expect(_queue_row(sec, UNION)).to_contain_text("Votes: 1 of 3")
            screenshot(sec, "journey-1280-queue-progress")
            axe_failures["queue with progress"] = axe_violations(sec, "journey-1280-queue-progress")
    application.refresh_from_db()
    assert application.state == ApplicationState.ADMITTED

    # --- the closed round explains its outcome, to the committee and the secretariat ------------------
    explanation = page.locator(".explanation")
    expect(explanation).to_contain_text("3 of 3 eligible voted — quorum reached")
    expect(explanation).to_contain_text("3 yes of 3")
    expect(explanation).to_contain_text("Outcome: passed → admitted.")
    page.locator(".explanation").scroll_into_view_if_needed()
    screenshot(page, "journey-390-vote-explained")
    axe_failures["vote explained 390"] = axe_violations(page, "journey-390-vote-explained")
    sec.goto(f"/committee/applications/{application.pk}/")
    expect(sec.locator(".explanation")).to_contain_text("Outcome: passed → admitted.")
    screenshot(sec, "journey-1280-vote-explained")
    axe_failures["vote explained"] = axe_violations(sec, "journey-1280-vote-explained")

    # --- admitted: the applicant sees it, the directory and the API list it ----------------------------
    applicant.goto(f"/applications/{application.pk}/")
    expect(applicant.locator(".status")).to_contain_text("Admitted")
    screenshot(applicant, "10-status-admitted")
    applicant.goto("/directory/?q=kusu")
    expect(applicant.locator(".affiliates")).to_contain_text(UNION)
    screenshot(applicant, "11-directory-after")
    try:
        api_url = reverse("api:affiliate-list")
    except NoReverseMatch:
        api_url = None  # the API is not there yet
    if api_url:
        response = applicant.request.get(f"{api_url}?search=KUSU", headers={"Accept": "application/json"})
        assert response.ok, response.text()
        assert UNION in response.text()

    assert {page: found for page, found in axe_failures.items() if found} == {}
