"""An application's whole life in a real browser, sign-up to the directory, in any of the languages.

As the people would do it: the applicant signs up with their name and verifies the e-mail (found
as a file in var/mail/, as the README says), drafts, uploads, sends; the secretariat asks for
information; the applicant answers; two reviewers review while the queue shows their progress;
three committee members vote, the queue counting the ballots; the round closes and explains its
outcome; the union is admitted and listed. Every person's browser asks for ``language``; labels,
buttons and messages are found by their text in that language's catalog. Screenshots
(``journey[-LANG]-WIDTH-…``) and axe-core checks are taken of the main pages on the way; every page
is checked to be ``<html lang=… dir=…>`` of the language and, when it is written right to left,
to show no word in Latin script but the people's own data, codes and :data:`LATIN_ALLOWED`.
"""

import re

from django.urls import NoReverseMatch, reverse
from django.utils import translation

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS, SECRETARIAT
from registry.models import Region
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

APPLICANT_EMAIL = "amani@kenya-students.example.org"
UNION = "Kenya Universities Student Union"
ACRONYM = "KUSU"
CITY = "Nairobi"
WEBSITE = "https://kusu.example.org"
MOTIVATION = "We represent the students of Kenya's public universities and share the federation's aims."
INFO_REQUEST = "Please add the number of member universities."
MORE_MOTIVATION = " We have 31 member universities."
NOTE = "Added: 31 member universities."
REVIEW = "Eligible: a national union with statutes and registration."
# What people typed (names, the union's, messages): shown as typed, in whatever script.
TYPED = [UNION, ACRONYM, CITY, MOTIVATION, INFO_REQUEST, MORE_MOTIVATION, NOTE, REVIEW]
TYPED += ["Amani Otieno", "Amina Okafor", "Reviewer", "Member"]
# Latin words a right-to-left page may show besides those: codes, formats and names of standards.
LATIN_ALLOWED = {"KE", "PDF", "PNG", "JPEG", "API", "REST", "JSON", "CSV", "ISO", "URL", "HTTPS", "UTC"}
# Acronyms the form gives as examples of an acronym (any union's, in its own language).
LATIN_ALLOWED |= {"NUS", "FEUE"}

# The visible text of the page, but what is marked as not to translate or as another language's:
# <bdi> (the |bdi filter: data people typed), dir="ltr", translate="no", lang of another language,
# <code>, <kbd>, and what is not shown (hidden elements, scripts). Form fields' values are no text nodes.
VISIBLE_WORDS_JS = r"""
(lang) => {
  const skip = `bdi, [dir=ltr], [translate=no], code, kbd, samp, script, style, noscript, template,
                [lang]:not([lang|=${lang}]), [hidden], [aria-hidden=true]`;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest(skip)) continue;
    if (element.tagName !== "OPTION" && !element.checkVisibility({visibilityProperty: true})) continue;
    for (const word of node.textContent.match(/\S*[A-Za-z\u00C0-\u024F]\S*/g) || []) {
      found.push({word, text: node.textContent.trim().slice(0, 120), tag: element.outerHTML.slice(0, 160)});
    }
  }
  // The page's title is shown too (the tab), and read first by screen readers.
  for (const word of document.title.match(/\S*[A-Za-z\u00C0-\u024F]\S*/g) || []) {
    found.push({word, text: document.title, tag: "<title>"});
  }
  return found;
}
"""
# Punctuation around a word (quotes, guillemets, dashes, the ellipsis).
PUNCTUATION = "\u061f\u060c\u061b.,:;!?()\u00ab\u00bb'\u2019\u201c\u201d\"\u2026\u2014\u2013-"
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S+|[\w-]+(\.[\w-]+)*\.(org|example|com)\b")


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": TINY_PDF}


class Journey:
    def __init__(self, new_context, language: str, width: int):
        self.new_context = new_context
        self.language = language
        self.width = width
        self.axe_failures: dict[str, list] = {}
        self.latin: dict[str, list] = {}
        with translation.override(language):
            self.bidi = translation.get_language_bidi()
        # The federation's regions are its own data, named by it (in English in the test's data).
        data = TYPED + list(Region.objects.values_list("name", flat=True))
        self.typed_words = {word.strip(PUNCTUATION).lower() for text in data for word in text.split()}

    def t(self, msgid: str, **params) -> str:
        """``msgid`` in the journey's language, from the catalogs (as the pages show it)."""
        with translation.override(self.language):
            text = translation.gettext(msgid)
        if self.language != "en":
            assert text != msgid, f"{msgid!r} has no {self.language} translation"
        return text % params if params else text

    def browser(self, width: int | None = None):
        return self.new_context(width=width or self.width, height=800, language=self.language).new_page()

    def name(self, page, step: str) -> str:
        language = "" if self.language == "en" else f"-{self.language}"
        return f"journey{language}-{page.viewport_size['width']}-{step}"

    def seen(self, page, step: str, *, shot: bool = False, axe: bool = False) -> None:
        """The page is in the journey's language (and script); optionally a screenshot and axe-core."""
        page.wait_for_load_state()
        html = page.locator("html")
        assert html.get_attribute("lang") == self.language, (step, html.get_attribute("lang"))
        assert html.get_attribute("dir") == ("rtl" if self.bidi else "ltr"), step
        if self.bidi:
            words = [
                w for w in page.evaluate(VISIBLE_WORDS_JS, self.language) if not self._allowed(w["word"])
            ]
            if words:
                self.latin[f"{step} {page.url}"] = words
        if shot:
            screenshot(page, self.name(page, step))
        if axe:
            self.axe_failures[self.name(page, step)] = axe_violations(page, self.name(page, step))

    def _allowed(self, word: str) -> bool:
        if ADDRESS.fullmatch(word.strip(".,:;()")):
            return True
        bare = word.strip(PUNCTUATION).lower()
        if word.strip(PUNCTUATION) == "https://":
            return True
        return (
            not re.search(r"[A-Za-z\u00C0-\u024F]", bare)
            or bare in self.typed_words
            or bare.upper() in LATIN_ALLOWED
            or bool(ADDRESS.search(word))
        )

    def queue_row(self, page, name: str):
        """The queue's row of the union ``name`` (the page is reloaded first)."""
        page.goto("/committee/")
        self.seen(page, "committee-queue")
        return page.locator("table.queue tbody tr", has_text=name)


def application_journey(
    new_context, live_server, settings, var_mail, *, language: str, width: int, phone=None
):
    """The story, every person at ``width`` px; with ``phone`` (a width), the e-mail link is also
    opened and the committee votes on a phone that wide."""
    from playwright.sync_api import expect

    settings.WORKFLOW_REQUIRED_REVIEWERS = 2
    journey = Journey(new_context, language, width)
    t, seen = journey.t, journey.seen
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

    # --- the public pages ---------------------------------------------------------------
    applicant = journey.browser()
    applicant.goto("/")
    expect(applicant.locator("h1")).to_contain_text(t("The federation's member registry"))
    seen(applicant, "home", shot=True, axe=True)
    applicant.goto("/directory/")
    seen(applicant, "directory-before", shot=True, axe=True)

    # --- sign-up with a name, and e-mail verification through the mail file in var/mail/ ----------
    assert var_mail == ROOT / "var" / "mail"  # where the README sends a newcomer to look
    mail_before = mail_files(var_mail)
    applicant.goto("/accounts/signup/")
    seen(applicant, "sign-up", axe=True)
    applicant.get_by_label(t("Your name")).fill("Amani Otieno")
    applicant.fill("input[name=email]", APPLICANT_EMAIL)
    applicant.fill("input[name=password1]", PASSWORD)
    applicant.fill("input[name=password2]", PASSWORD)
    applicant.locator("main form button[type=submit]").click()
    expect(applicant.locator("main h1")).to_have_text(t("Verify your e-mail address"))
    seen(applicant, "verification-sent", shot=True)
    link = confirmation_link_in_files(mail_files(var_mail) - mail_before, APPLICANT_EMAIL)
    link = link.replace(re.match(r"https?://[^/]+", link).group(0), live_server.url)
    if phone:
        on_phone = journey.browser(phone)
        on_phone.goto(link)  # the page asks to confirm; only its button confirms
        expect(on_phone.locator("main h1")).to_have_text(t("Confirm your e-mail address"))
        seen(on_phone, "confirm-email", shot=True, axe=True)
    applicant.goto(link)
    expect(applicant.locator("main h1")).to_have_text(t("Confirm your e-mail address"))
    seen(applicant, "confirm-email", shot=True, axe=True)
    applicant.locator("main form button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(r"/applications/$"))
    expect(applicant.locator("main h1")).to_have_text(t("My applications"))
    seen(applicant, "my-applications", axe=True)

    # --- a draft, saved with only part of it ----------------------------------------------------
    applicant.get_by_role("link", name=t("Start a new application")).click()
    seen(applicant, "application-form-empty", shot=True, axe=True)
    applicant.get_by_label(t("Full name of your union")).fill(UNION)
    applicant.get_by_label(t("Short name or acronym")).fill(ACRONYM)
    applicant.get_by_role("button", name=t("Save draft")).click()
    expect(applicant.locator(".messages")).to_contain_text(
        t("Your draft is saved. You can come back and continue at any time.")
    )
    seen(applicant, "draft-saved")

    # ... then the rest, with the documents
    applicant.get_by_label(t("Country")).select_option("KE")
    applicant.get_by_label(t("City of the head office")).fill(CITY)
    applicant.get_by_label(t("Website")).fill(WEBSITE)
    applicant.get_by_label(t("Public e-mail address of your union")).fill("international@kusu.example.org")
    applicant.get_by_label(t("Year founded")).fill("1995")
    applicant.get_by_label(t("Number of students you represent")).fill("180000")
    applicant.get_by_label(t("Why does your union want to join the federation?")).fill(MOTIVATION)
    applicant.locator("input[name=contacts-0-name]").fill("Amani Otieno")
    applicant.locator("input[name=contacts-0-email]").fill("amani.otieno@kusu.example.org")
    applicant.get_by_label(t("Statutes / constitution")).set_input_files(_pdf("kusu-statutes.pdf"))
    applicant.get_by_label(t("Proof of registration")).set_input_files(_pdf("kusu-registration.pdf"))
    applicant.get_by_role("button", name=t("Save and check before sending")).click()
    expect(applicant.locator("main h1")).to_have_text(t("Check your application before sending"))
    expect(applicant.locator("main")).to_contain_text(
        t("Everything needed is there. Please read it once more, then send it.")
    )
    seen(applicant, "review-before-sending", shot=True, axe=True)
    applicant.get_by_role("button", name=t("Send the application")).click()
    expect(applicant.locator(".messages")).to_contain_text(
        t("Thank you! Your application is sent. We will write to you by e-mail.")
    )
    expect(applicant.locator(".status")).to_contain_text(t("Submitted"))
    seen(applicant, "status-submitted", shot=True, axe=True)
    application = MembershipApplication.objects.get(name=UNION)
    assert application.state == ApplicationState.SUBMITTED
    assert application.documents.count() == 2

    # --- the secretariat asks for information -------------------------------------------------
    sec = journey.browser()
    log_in(sec, secretariat.email)
    expect(sec).to_have_url(re.compile(r"/committee/$"))
    seen(sec, "committee-queue", shot=True, axe=True)
    sec.get_by_role("table").get_by_role("link", name=UNION).click()  # the queue (the overview names it too)
    seen(sec, "committee-application", axe=True)
    sec.locator("summary", has_text=t("Ask the applicant for more information")).click()
    sec.get_by_label(t("Message to the applicant")).fill(INFO_REQUEST)
    sec.get_by_role("button", name=t("Send the request")).click()
    expect(sec.locator(".messages")).to_contain_text(t("The applicant is asked for more information."))
    seen(sec, "committee-application", shot=True)

    # --- the applicant answers and sends again --------------------------------------------------
    applicant.goto(f"/applications/{application.pk}/")
    expect(applicant.locator(".notice")).to_contain_text(INFO_REQUEST)
    seen(applicant, "status-info-requested", shot=True, axe=True)
    applicant.get_by_role("link", name=t("Change my application")).first.click()
    seen(applicant, "application-form-filled")
    motivation = applicant.get_by_label(t("Why does your union want to join the federation?"))
    motivation.fill(motivation.input_value() + MORE_MOTIVATION)
    applicant.get_by_role("button", name=t("Save and check before sending")).click()
    seen(applicant, "review-before-sending-again")
    applicant.get_by_label(t("A note for the secretariat (optional)")).fill(NOTE)
    applicant.get_by_role("button", name=t("Send the application again")).click()
    expect(applicant.locator(".status")).to_contain_text(t("Submitted"))
    seen(applicant, "status-submitted-again")

    # --- two reviewers, assigned and reviewing ----------------------------------------------------
    sec.reload()
    seen(sec, "committee-application-resubmitted")
    for reviewer in reviewers:
        sec.get_by_label(f"{reviewer.get_full_name()} ({reviewer.email})").check()
    sec.get_by_role("button", name=t("Assign and start the review")).click()
    expect(sec.locator(".messages")).to_contain_text(
        t("The reviewers are assigned and the review has started.")
    )
    seen(sec, "committee-application-in-review")
    for reviewer in reviewers:  # ticked now, and not to untick: assigning only adds
        label = t("%(name)s: assigned already", name=f"{reviewer.get_full_name()} ({reviewer.email})")
        expect(sec.get_by_label(label)).to_be_checked()
    expect(journey.queue_row(sec, UNION)).to_contain_text(
        t("Reviews: %(done)s of %(total)s in", done=0, total=2)
    )
    for reviewer in reviewers:
        page = journey.browser()
        log_in(page, reviewer.email)
        seen(page, "reviewer-home")
        page.get_by_role("link", name=UNION).click()
        seen(page, "reviewer-application", shot=reviewer is reviewers[0], axe=reviewer is reviewers[0])
        page.get_by_label(t("Admit")).check()
        page.get_by_label(t("Your review")).fill(REVIEW)
        page.get_by_role("button", name=t("Save my review")).click()
        expect(page.locator(".messages")).to_contain_text(t("Thank you, your review is saved."))
        seen(page, "reviewer-saved")

    # --- the secretariat closes the review and opens the vote ----------------------------------------
    expect(journey.queue_row(sec, UNION)).to_contain_text(
        t("Reviews: %(done)s of %(total)s in", done=2, total=2)
    )
    sec.goto(f"/committee/applications/{application.pk}/")
    sec.get_by_role("button", name=t("Mark the review as complete")).click()
    expect(sec.locator(".messages")).to_contain_text(
        t("The review is complete. The application can now go to the vote.")
    )
    seen(sec, "committee-application-reviewed")
    sec.get_by_role("button", name=t("Open the vote")).click()
    expect(sec.locator(".messages")).to_contain_text(
        t("The vote is open. The Executive Committee's members are told.")
    )
    seen(sec, "committee-application-vote-open", axe=True)
    row = journey.queue_row(sec, UNION)
    expect(row).to_contain_text(t("Votes: %(cast)s of %(eligible)s", cast=0, eligible=3))
    expect(row).to_contain_text(t("closes in %(left)s", left="").strip())
    expect(row).to_contain_text(t("%(since)s since first sent", since="").strip())

    # --- three committee members vote yes: the queue counts; the last ballot closes the round ---------
    for member in committee:
        page = journey.browser(phone)
        log_in(page, member.email)
        seen(page, "member-home")
        page.get_by_role("link", name=UNION).click()
        seen(page, "member-application", axe=member is committee[0])
        page.get_by_label(t("Yes"), exact=True).check()
        page.get_by_role("button", name=t("Cast my vote")).click()
        expect(page.locator(".messages")).to_contain_text(
            t("Your vote “%(choice)s” is recorded.", choice=t("Yes"))
        )
        seen(page, "member-voted")
        if member is committee[0]:
            seen(page, "committee-after-vote", shot=True)
            expect(journey.queue_row(sec, UNION)).to_contain_text(
                t("Votes: %(cast)s of %(eligible)s", cast=1, eligible=3)
            )
            seen(sec, "queue-progress", shot=True, axe=True)
    application.refresh_from_db()
    assert application.state == ApplicationState.ADMITTED

    # --- the closed round explains its outcome, to the committee and the secretariat ------------------
    explanation = page.locator(".explanation")
    quorum = t(
        "%(cast)d of %(eligible)d eligible voted — quorum reached (%(rule)s).", cast=3, eligible=3, rule=""
    )
    expect(explanation).to_contain_text(quorum.split("(")[0].strip())
    majority = t(
        "%(yes)d yes of %(base)d (%(base_words)s) — %(name)s reached (%(threshold)s: at least %(needed)d "
        "yes).",
        yes=3,
        base=3,
        base_words="",
        name="",
        threshold="",
        needed=0,
    )
    expect(explanation).to_contain_text(majority.split("(")[0].strip())
    expect(explanation).to_contain_text(t("Outcome: passed → admitted."))
    page.locator(".explanation").scroll_into_view_if_needed()
    seen(page, "vote-explained", shot=True, axe=True)
    sec.goto(f"/committee/applications/{application.pk}/")
    expect(sec.locator(".explanation")).to_contain_text(t("Outcome: passed → admitted."))
    seen(sec, "vote-explained", shot=True, axe=True)

    # --- admitted: the applicant sees it, the directory and the API list it ----------------------------
    applicant.goto(f"/applications/{application.pk}/")
    expect(applicant.locator(".status")).to_contain_text(t("Admitted"))
    seen(applicant, "status-admitted", shot=True, axe=True)
    applicant.goto(f"/directory/?q={ACRONYM.lower()}")
    expect(applicant.locator(".affiliates")).to_contain_text(UNION)
    seen(applicant, "directory-after", shot=True, axe=True)
    try:
        api_url = reverse("api:affiliate-list")
    except NoReverseMatch:
        api_url = None  # the API is not there yet
    if api_url:
        response = applicant.request.get(
            f"{api_url}?search={ACRONYM}", headers={"Accept": "application/json"}
        )
        assert response.ok, response.text()
        assert UNION in response.text()

    application.refresh_from_db()
    return application, journey


def blocking_axe_failures(journey: "Journey") -> dict[str, list]:
    """The pages where axe-core found a serious or critical violation, with them."""
    return {page: found for page, found in journey.axe_failures.items() if found}


def latin_words(journey: "Journey") -> dict[str, dict[str, str]]:
    """Per page, the Latin-script words left on an Arabic page (text → the element holding it)."""
    return {page: {w["text"][:90]: w["tag"][:90] for w in words} for page, words in journey.latin.items()}
