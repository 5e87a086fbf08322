"""The Executive Committee's meetings in a real browser: from the draft to the approved minutes.

One test, in order, as the people would do it. Set up through the services (not the story's point):
a committee of five, the secretariat, two applications whose review is complete, an active
membership with a proposed suspension. Then in the browser: the secretariat creates the December
session, puts the two applications and the motion on its agenda and convenes it (each member's
invitation, delivered as the outbox delivers it, carries a calendar file: METHOD:REQUEST at the
meeting's start); the minute-taker records attendance (four of five present); the secretariat opens
the session; the first application is voted online by the members on its own page, the second named
in the room, the motion counted in the room; each vote is closed (admitted, rejected, suspended);
the session is closed and the minutes written; a second meeting, convened with those minutes on its
agenda, in session with quorum, approves them through the page; the minutes' PDF, downloaded by the
browser, tells the record. On the way, axe-core finds no serious or critical violation on the
calendar, the meeting's page in session with its votes, the minutes and the public decisions, in
English and in Arabic (right to left). Screenshots and axe results: ``test-artifacts/e2e/meeting-…``,
``test-artifacts/e2e/axe-meeting-…``.
"""

import datetime
import email
import email.policy
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from icalendar import Calendar

from accounts.roles import EXECUTIVE_COMMITTEE
from meetings.models import AgendaItem, AgendaItemKind, Meeting, MeetingState, Minutes
from notifications.delivery import deliver
from notifications.models import Notification, NotificationState
from registry.models import MembershipState
from tests.cast import application_in
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.helpers import MESSAGE_SEPARATOR, log_in, mail_files, verified_user
from tests.factories import MembershipFactory, OrganizationFactory
from tests.pdf_text import pdf_text
from workflows import motions
from workflows.models import ApplicationState, MotionKind

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

TITLE = "Executive Committee — December session"
LATER_TITLE = "Executive Committee — January session"
PLACE = "Headquarters, Istanbul"
ADMITTED_UNION = "Kenya Union of Students"
REJECTED_UNION = "Union nationale des étudiants"
SUSPENDED_UNION = "Jordanian Students Council"
# The committee: the chair, the minute-taker, two more present, one excused.
NAMES = [("Leyla", "Demir"), ("Tomás", "Herrera"), ("Ngozi", "Adeyemi"), ("Mei", "Chen"), ("Jonas", "Berg")]


def _shot(page, name: str) -> None:
    screenshot(page, f"meeting-{name}")


def _axe(failures: dict, page, name: str, *, language: str = "en") -> None:
    """axe-core on the page, in ``language`` (``<html lang dir>`` checked): its serious and critical
    violations are kept under the page's name (``test-artifacts/e2e/axe-meeting-…``)."""
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language, name
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr"), name
    suffix = "" if language == "en" else f"-{language}"
    failures[f"{name}{suffix}"] = axe_violations(page, f"meeting-{name}{suffix}")


def _committee(cast) -> list:
    """Five members with names and verified addresses: the cast's three, renamed, and two more."""
    members = list(cast.committee)
    for user, (first, last) in zip(members, NAMES, strict=False):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for first, last in NAMES[len(members) :]:
        members.append(
            verified_user(
                email=f"{first.lower()}@federation.example",
                first_name=first,
                last_name=last,
                groups=[EXECUTIVE_COMMITTEE],
            )
        )
    return members


def _item(meeting: Meeting, position: int) -> AgendaItem:
    return meeting.agenda_items.get(position=position)


def _create_meeting(page, title: str, starts_at: datetime.datetime, chair, minute_taker) -> Meeting:
    """The secretariat's form, from the calendar's "New meeting"; the draft's page."""
    from playwright.sync_api import expect

    page.goto("/committee/meetings/")
    page.get_by_role("link", name="New meeting").click()
    form = page.locator("main form")
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=starts_on]").fill(starts_at.strftime("%Y-%m-%d"))
    form.locator("input[name=starts_time]").fill(starts_at.strftime("%H:%M"))
    form.locator("input[name=ends_on]").fill(starts_at.strftime("%Y-%m-%d"))
    form.locator("input[name=ends_time]").fill((starts_at + datetime.timedelta(hours=3)).strftime("%H:%M"))
    form.locator("input[name=place]").fill(PLACE)
    form.locator("select[name=chair]").select_option(str(chair.pk))
    form.locator("select[name=minute_taker]").select_option(str(minute_taker.pk))
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("The meeting is saved as a draft.")
    expect(page.locator("main h1")).to_have_text(title)
    expect(page.locator("#meeting-state")).to_have_text("Draft")
    return Meeting.objects.get(title=title)


def _add_item(page, kind: str, field: str, value: int) -> None:
    from playwright.sync_api import expect

    form = page.locator("#action-add_item")
    form.locator("select[name=kind]").select_option(kind)
    form.locator(f"select[name={field}]").select_option(str(value))
    form.get_by_role("button", name="Add to the agenda").click()
    expect(page.locator(".messages")).to_contain_text("The item is on the agenda.")


def _press(page, form_id: str, done: str) -> None:
    """Submit the form ``form_id`` of the meeting's page; the page says ``done``."""
    from playwright.sync_api import expect

    page.locator(f"#{form_id} button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(done)


def _attendance(page, present: list, excused) -> None:
    from playwright.sync_api import expect

    form = page.locator("#action-attendance")
    for member in present:
        form.locator(f"select[name=member_{member.pk}]").select_option("present_in_person")
    form.locator(f"select[name=member_{excused.pk}]").select_option("excused")
    form.get_by_role("button", name="Record attendance").click()
    expect(page.locator(".messages")).to_contain_text("Attendance is recorded.")
    expect(page.locator("#quorum")).to_contain_text("Present: 4 of 5 members")
    expect(page.locator("#quorum")).to_contain_text("Quorum met.")


def _delivered_invitations(meeting: Meeting, members: list, folder, before: set) -> dict:
    """Each member's invitation to ``meeting`` as delivered (the outbox's rows sent as a worker would
    when no worker runs in-process), read back from the mail files: address → the message."""
    rows = list(Notification.objects.filter(event="meeting_convened", subject_id=meeting.pk))
    assert sorted(row.recipient_id for row in rows) == sorted(member.pk for member in members)
    for row in rows:
        if row.state != NotificationState.SENT:
            deliver(notification_id=row.pk)
    messages = {}
    for path in sorted(mail_files(folder) - before, key=lambda p: p.stat().st_mtime):
        # As bytes: a message parsed from a string reads its 8-bit parts back escaped.
        for raw in path.read_bytes().split(MESSAGE_SEPARATOR.encode()):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
            if f"meetings/{meeting.pk}/" in str(message.get_body(preferencelist=("plain",)).get_content()):
                messages[str(message["To"])] = message
    return messages


def _calendar(message) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    return Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def test_a_meeting_from_its_draft_to_its_approved_minutes(new_context, live_server, cast, var_mail, settings):
    from playwright.sync_api import expect

    settings.MEETING_QUORUM = "1/2"
    members = _committee(cast)
    chair, minute_taker, excused = members[0], members[1], members[4]
    present = members[:4]
    secretariat = cast.secretariat
    EmailAddress.objects.create(user=secretariat, email=secretariat.email, verified=True, primary=True)
    admitted = application_in(ApplicationState.REVIEWED, cast, name=ADMITTED_UNION)
    rejected = application_in(ApplicationState.REVIEWED, cast, name=REJECTED_UNION)
    membership = MembershipFactory(organization=OrganizationFactory(name=SUSPENDED_UNION, acronym="JSC"))
    motion = motions.motion_propose(
        membership=membership, actor=secretariat, kind=MotionKind.SUSPEND, reason="No yearly return."
    )
    starts_at = (timezone.now() + datetime.timedelta(days=7)).replace(
        hour=9, minute=0, second=0, microsecond=0, tzinfo=datetime.UTC
    )

    # --- the secretariat prepares and convenes the December session -------------------------------------
    sec = new_context().new_page()
    log_in(sec, secretariat.email)
    meeting = _create_meeting(sec, TITLE, starts_at, chair, minute_taker)
    _add_item(sec, "application", "application", admitted.pk)
    _add_item(sec, "application", "application", rejected.pk)
    _add_item(sec, "motion", "motion", motion.pk)
    agenda = sec.locator("#agenda ol.agenda > li")
    expect(agenda).to_have_count(3)
    expect(agenda.nth(0)).to_contain_text(ADMITTED_UNION)
    expect(agenda.nth(1)).to_contain_text(REJECTED_UNION)
    expect(agenda.nth(2)).to_contain_text(f"{SUSPENDED_UNION} — Suspension")
    _shot(sec, "draft")
    axe: dict[str, list] = {}
    sec.goto("/committee/meetings/")
    expect(sec.locator("main")).to_contain_text(TITLE)
    _axe(axe, sec, "calendar")
    arabic = new_context(language="ar").new_page()  # the secretariat's colleague reads Arabic
    log_in(arabic, secretariat.email)
    arabic.goto("/committee/meetings/")
    _axe(axe, arabic, "calendar", language="ar")
    sec.goto(f"/committee/meetings/{meeting.pk}/")
    mail_before = mail_files(var_mail)
    _press(sec, "action-convene", "The meeting is convened; the committee is invited.")
    expect(sec.locator("#meeting-state")).to_have_text("Convened")
    _shot(sec, "convened")

    # --- every member's invitation carries the calendar file --------------------------------------------
    invitations = _delivered_invitations(meeting, members, var_mail, mail_before)
    assert sorted(invitations) == sorted(member.email for member in members)
    for message in invitations.values():
        assert ADMITTED_UNION in message.get_body(preferencelist=("plain",)).get_content()
        calendar = _calendar(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("DTSTART") == starts_at
        assert str(event["SUMMARY"]) == TITLE
        assert str(event["LOCATION"]) == PLACE

    # --- the minute-taker records attendance; the secretariat opens the session ---------------------------
    taker = new_context().new_page()
    log_in(taker, minute_taker.email)
    taker.goto(f"/committee/meetings/{meeting.pk}/")
    _attendance(taker, present, excused)
    _shot(taker, "attendance")
    sec.reload()
    _press(sec, "action-open_session", "The session is open.")
    expect(sec.locator("#meeting-state")).to_have_text("In session")

    # --- item 1: online, each member on the application's own page ----------------------------------------
    first, second, third = (_item(meeting, n) for n in (1, 2, 3))
    sec.locator(f"#vote_open-{first.pk} select[name=mode]").select_option("online")
    _press(sec, f"vote_open-{first.pk}", "The vote is open.")
    expect(sec.locator(f"#tally-{first.pk}")).to_contain_text("yes 0, no 0, abstain 0, of 4 eligible")
    chair_page = new_context().new_page()
    log_in(chair_page, chair.email)
    third_member = new_context().new_page()
    log_in(third_member, members[2].email)
    for page in (chair_page, taker, third_member):  # three of the four present
        page.goto(f"/committee/meetings/{meeting.pk}/")
        page.locator(f"#item-{first.pk}").get_by_role("link", name=ADMITTED_UNION).click()
        page.get_by_label("Yes", exact=True).check()
        page.get_by_role("button", name="Cast my vote").click()
        expect(page.locator(".messages")).to_contain_text("Your vote “Yes” is recorded.")
    sec.reload()
    expect(sec.locator(f"#tally-{first.pk}")).to_contain_text("yes 3, no 0, abstain 0, of 4 eligible")
    _press(sec, f"vote_close-{first.pk}", "The vote is closed.")
    expect(sec.locator(f"#outcome-{first.pk}")).to_contain_text("yes 3, no 0, abstain 0")

    # --- item 2: named in the room ------------------------------------------------------------------------
    sec.locator(f"#vote_open-{second.pk} select[name=mode]").select_option("named")
    _press(sec, f"vote_open-{second.pk}", "The vote is open.")
    named = sec.locator(f"#vote_named-{second.pk}")
    expect(named.locator(f"select[name=member_{excused.pk}]")).to_have_count(0)  # not present
    for member, choice in zip(present, ["yes", "no", "no", "no"], strict=True):
        named.locator(f"select[name=member_{member.pk}]").select_option(choice)
    _press(sec, f"vote_named-{second.pk}", "The votes are recorded.")
    expect(sec.locator(f"#tally-{second.pk}")).to_contain_text("yes 1, no 3, abstain 0, of 4 eligible")
    # In session: one vote closed, one named and not yet closed, one to open (every form on the page).
    _axe(axe, sec, "in-session")
    arabic.goto(f"/committee/meetings/{meeting.pk}/")
    _axe(axe, arabic, "in-session", language="ar")
    _press(sec, f"vote_close-{second.pk}", "The vote is closed.")

    # --- item 3, the motion: counted in the room ---------------------------------------------------------
    sec.locator(f"#vote_open-{third.pk} select[name=mode]").select_option("counted")
    _press(sec, f"vote_open-{third.pk}", "The vote is open.")
    counted = sec.locator(f"#vote_counted-{third.pk}")
    counted.locator("input[name=yes]").fill("3")
    counted.locator("input[name=no]").fill("1")
    counted.locator("input[name=abstain]").fill("0")
    _press(sec, f"vote_counted-{third.pk}", "The totals are recorded.")
    _press(sec, f"vote_close-{third.pk}", "The vote is closed.")
    for item in (first, second, third):
        expect(sec.locator(f"#outcome-{item.pk}")).to_be_visible()
    _shot(sec, "votes-closed")

    admitted.refresh_from_db()
    rejected.refresh_from_db()
    membership.refresh_from_db()
    assert admitted.state == ApplicationState.ADMITTED
    assert rejected.state == ApplicationState.REJECTED
    assert membership.state == MembershipState.SUSPENDED

    # --- the session closes; the minutes are written -------------------------------------------------------
    _press(sec, "action-close", "The session is closed.")
    expect(sec.locator("#meeting-state")).to_have_text("Closed")
    minutes = Minutes.objects.get(meeting=meeting)
    assert [item["decision"] for item in minutes.record["items"]] == ["admitted", "rejected", "carried"]
    sec.locator("#minutes-link a").click()
    expect(sec.locator("main")).to_contain_text(f"Minutes of “{TITLE}”")
    expect(sec.locator("main")).to_contain_text("Draft, not yet approved.")
    _shot(sec, "minutes-draft")

    # --- the January session approves them ------------------------------------------------------------------
    later = _create_meeting(sec, LATER_TITLE, starts_at + datetime.timedelta(days=35), chair, minute_taker)
    _add_item(sec, "minutes", "minutes", minutes.pk)
    expect(sec.locator("#agenda ol.agenda > li")).to_contain_text(TITLE)
    _press(sec, "action-convene", "The meeting is convened; the committee is invited.")
    taker.goto(f"/committee/meetings/{later.pk}/")
    _attendance(taker, present, excused)
    chair_page.goto(f"/committee/meetings/{later.pk}/")
    _press(chair_page, "action-open_session", "The session is open.")
    approval = _item(later, 1)
    _press(chair_page, f"approve_minutes-{approval.pk}", "The minutes are approved.")
    _shot(chair_page, "minutes-approved")
    minutes.refresh_from_db()
    assert minutes.is_frozen
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.MINUTES_APPROVED
    assert approval.kind == AgendaItemKind.MINUTES

    # --- the minutes' PDF, downloaded, tells the record ---------------------------------------------------
    chair_page.goto(f"/committee/meetings/{meeting.pk}/minutes/")
    expect(chair_page.locator("#minutes-approved")).to_contain_text(f"at “{LATER_TITLE}”")
    expect(chair_page.locator("#minutes-approved")).to_contain_text("verified")
    _shot(chair_page, "minutes-final")
    _axe(axe, chair_page, "minutes")
    arabic.goto(f"/committee/meetings/{meeting.pk}/minutes/")
    _axe(axe, arabic, "minutes", language="ar")
    public = new_context().new_page()
    public.goto("/decisions/")
    expect(public.locator("main")).to_contain_text(ADMITTED_UNION)
    _axe(axe, public, "decisions")
    public_ar = new_context(language="ar").new_page()
    public_ar.goto("/decisions/")
    _axe(axe, public_ar, "decisions", language="ar")
    assert len(axe) == 8
    assert not any(axe.values()), {page: found for page, found in axe.items() if found}
    with chair_page.expect_download() as download:
        chair_page.locator("#minutes-pdf").click()
    assert download.value.suggested_filename == f"minutes-{meeting.pk}.pdf"
    text = " ".join(pdf_text(Path(download.value.path()).read_bytes()).split())
    assert f"Minutes of “{TITLE}”" in text
    assert f"Place: {PLACE}" in text
    assert "Chair: Leyla Demir" in text
    assert "Minute-taker: Tomás Herrera" in text
    assert "Present in person: Leyla Demir, Mei Chen, Ngozi Adeyemi, Tomás Herrera" in text
    assert "Excused: Jonas Berg" in text
    assert f"1. Application for membership: {ADMITTED_UNION}" in text
    assert "Decision: Admitted" in text
    assert "Round 1 (online): yes 3, no 0, abstain 0, of 4 eligible" in text
    assert f"2. Application for membership: {REJECTED_UNION}" in text
    assert "Decision: Rejected" in text
    assert "Round 1 (named in the room): yes 1, no 3, abstain 0, of 4 eligible" in text
    assert "Yes: Leyla Demir" in text
    assert "No: Tomás Herrera, Ngozi Adeyemi, Mei Chen" in text
    assert f"3. Suspension: {SUSPENDED_UNION} (JSC)" in text
    assert "Decision: Motion carried: Suspended" in text
    assert "Round 1 (counted in the room): yes 3, no 1, abstain 0, of 4 eligible" in text
    assert "Approved on" in text
    assert minutes.sha256 in text.replace(" ", "")
