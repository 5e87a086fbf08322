"""The notices added for the applicant (sent again, withdrawn, review started, vote open) and for
the secretariat (a round that closed by itself, an admission): the outbox rows (recipients,
template, context) and the e-mail each renders to."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from notifications.delivery import message_build
from notifications.models import Notification
from tests.cast import new_draft, reload
from tests.workflows.notification_stories import failed_vote_story, open_vote_story
from workflows import services
from workflows.notifications import Event

pytestmark = pytest.mark.django_db

TEMPLATES = Path(django_settings.BASE_DIR) / "templates" / "notifications"
CONTACT = "If you have a question, please write to the secretariat: secretariat@federation.example"


def rows(event: Event) -> list[Notification]:
    return list(Notification.objects.filter(event=event).order_by("pk"))


def recipients(event: Event, template: str | None = None) -> list[str]:
    found = Notification.objects.filter(event=event)
    if template is not None:
        found = found.filter(template=template)
    return sorted(found.values_list("recipient_email", flat=True))


def mail_of(notification: Notification):
    message = message_build(notification)
    return message, message.alternatives[0][0]


def submitted_then_info_requested(cast):
    a = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    return services.application_request_info(
        application=a, actor=cast.secretariat, comment="Statutes, please."
    )


def test_the_applicant_gets_a_receipt_when_sending_the_application_again(cast):
    a = submitted_then_info_requested(cast)
    services.application_resubmit(application=a, actor=cast.applicant, comment="Attached.")

    assert recipients(Event.RESUBMITTED) == sorted([cast.applicant.email, *cast.emails("secretariat")])
    receipt = Notification.objects.get(event=Event.RESUBMITTED, recipient=cast.applicant)
    assert receipt.template == "resubmitted_applicant"
    assert receipt.context["link"].endswith(f"/applications/{a.pk}/")
    assert receipt.context["recipient_name"] == "Amina Okafor"
    staff = Notification.objects.get(event=Event.RESUBMITTED, recipient=cast.secretariat)
    assert (staff.template, staff.context["comment"]) == ("resubmitted", "Attached.")
    message, html = mail_of(receipt)
    assert message.subject == f"We received your answer: {a.name}"
    assert "Hello Amina Okafor," in message.body
    assert "the secretariat reads your answer" in message.body
    assert receipt.context["link"] in message.body
    assert receipt.context["link"] in html


def test_the_applicant_gets_a_confirmation_when_withdrawing(cast):
    a = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    services.application_withdraw(application=a, actor=cast.applicant, comment="We merged.")

    assert recipients(Event.WITHDRAWN) == sorted([cast.applicant.email, *cast.emails("secretariat")])
    confirmation = Notification.objects.get(event=Event.WITHDRAWN, recipient=cast.applicant)
    assert confirmation.template == "withdrawn_applicant"
    assert confirmation.context["comment"] == "We merged."
    assert Notification.objects.get(event=Event.WITHDRAWN, recipient=cast.secretariat).template == "withdrawn"
    message, html = mail_of(confirmation)
    assert message.subject == f"Your application is withdrawn: {a.name}"
    assert f"You withdrew the application of {a.name}." in message.body
    assert "We merged." in message.body
    assert "We merged." in html
    assert "You can apply again later." in message.body


def test_the_applicant_is_told_when_the_review_starts(cast):
    a = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    services.reviewers_assign(application=a, actor=cast.secretariat, reviewers=cast.reviewers)
    services.application_start_review(application=reload(a), actor=cast.secretariat)

    [started] = rows(Event.REVIEW_STARTED)
    assert (started.recipient, started.template) == (cast.applicant, "review_started")
    assert started.context["state"] == "under_review"
    assert started.context["link"].endswith(f"/applications/{a.pk}/")
    message, html = mail_of(started)
    assert message.subject == f"The review of your application has started: {a.name}"
    assert "The review has started." in message.body
    assert "reviewers read your application" in html


def test_the_applicant_is_told_the_committee_is_voting_without_a_ballot_to_cast(cast, settings):
    settings.VOTE_MAX_DAYS = 3650  # a fixed deadline years ahead, for a fixed display
    deadline = datetime.datetime(2031, 3, 4, 18, 0, tzinfo=datetime.UTC)
    a, _round, _expected = open_vote_story(cast, deadline=deadline)

    assert recipients(Event.VOTE_OPENED, "vote_opened") == sorted(cast.emails("committee"))
    [told] = Notification.objects.filter(event=Event.VOTE_OPENED, template="vote_opened_applicant")
    assert told.recipient == cast.applicant
    assert told.context["audience"] == "applicant"
    assert told.context["link"].endswith(f"/applications/{a.pk}/")
    message, html = mail_of(told)
    assert message.subject == f"The Executive Committee is voting: {a.name}"
    assert "The Executive Committee is now voting on it." in message.body
    assert (
        "closes on 4 March 2031, 18:00 UTC at the latest. We will write to you with the result."
        in message.body
    )
    assert "Vote now" not in html
    assert "/committee/" not in message.body


def test_the_secretariat_is_told_when_every_member_voted_and_the_vote_failed(cast):
    a, _expected = failed_vote_story(cast)

    assert recipients(Event.VOTE_CLOSED) == sorted(cast.emails("secretariat"))
    closed = Notification.objects.get(event=Event.VOTE_CLOSED, recipient=cast.secretariat)
    assert closed.template == "vote_closed"
    assert closed.context["outcome"] == "failed"
    assert closed.context["closed_because"] == "everyone_voted"
    assert (closed.context["no_count"], closed.context["eligible_count"]) == (3, 3)
    assert closed.context["link"].endswith(f"/committee/applications/{a.pk}/")
    assert not Notification.objects.filter(event=Event.NO_QUORUM).exists()
    message, html = mail_of(closed)
    assert message.subject == f"Vote closed (Failed): {a.name}"
    assert "The vote closed by itself: every eligible member voted." in message.body
    assert "The application is rejected." in html


def test_the_secretariat_is_told_when_the_deadline_closes_a_round_without_quorum(cast):
    a, vote_round, _expected = open_vote_story(cast)
    services.vote_cast(application=a, member=cast.committee[0], choice="yes")

    services.close_due_vote_rounds(now=vote_round.deadline + datetime.timedelta(seconds=1))

    assert reload(a).state == "reviewed"
    assert recipients(Event.VOTE_CLOSED) == sorted(cast.emails("secretariat"))
    # One e-mail about the round to each of the secretariat: vote_closed says there was no quorum.
    assert not Notification.objects.filter(event=Event.NO_QUORUM).exists()
    closed = Notification.objects.get(event=Event.VOTE_CLOSED, recipient=cast.secretariat)
    assert (closed.context["outcome"], closed.context["closed_because"]) == ("no_quorum", "deadline")
    assert (closed.context["cast_count"], closed.context["eligible_count"]) == (1, 3)
    message, _html = mail_of(closed)
    assert message.subject == f"Vote closed (No quorum): {a.name}"
    assert "The vote closed by itself: the deadline passed." in message.body
    assert "You can open a new vote round." in message.body


def test_the_secretariat_is_told_when_a_union_is_admitted_once(cast):
    a, _round, _expected = open_vote_story(cast)
    for member in cast.committee:
        services.vote_cast(application=reload(a), member=member, choice="yes")

    assert recipients(Event.ADMITTED, "admitted_secretariat") == sorted(cast.emails("secretariat"))
    # The admission says how the round closed: no second e-mail about the same round.
    assert not Notification.objects.filter(event=Event.VOTE_CLOSED).exists()
    told = Notification.objects.get(event=Event.ADMITTED, recipient=cast.secretariat)
    assert told.context["closed_because"] == "everyone_voted"
    assert told.context["category_label"] == "Full member"
    assert told.context["link"].endswith(f"/committee/applications/{a.pk}/")
    message, html = mail_of(told)
    assert message.subject == f"New member: {a.name}"
    assert f"The Executive Committee admitted {a.name}" in message.body
    assert "The vote closed by itself: every eligible member voted." in message.body
    assert "in the registry and in the public directory" in html


def test_a_round_the_secretariat_closes_is_not_announced_as_closing_by_itself(cast):
    a, _round, _expected = open_vote_story(cast)
    services.vote_close(application=a, actor=cast.secretariat, comment="Closing early.")

    assert not Notification.objects.filter(event=Event.VOTE_CLOSED).exists()
    assert recipients(Event.NO_QUORUM) == sorted(cast.emails("secretariat"))


def email_templates() -> list[str]:
    return sorted(p.stem for p in TEMPLATES.glob("*.html") if not p.name.startswith(("_", "base")))


def test_every_e_mail_has_its_text_html_and_subject_templates():
    for name in email_templates():
        assert (TEMPLATES / f"{name}.txt").exists(), name
        assert (TEMPLATES / f"{name}_subject.txt").exists(), name
    assert {"review_started", "vote_closed", "admitted_secretariat", "withdrawn_applicant"} <= set(
        email_templates()
    )


@pytest.mark.parametrize("template", email_templates())
def test_every_e_mail_closes_with_the_secretariat_s_contact(template, settings):
    settings.FEDERATION_CONTACT_EMAIL = "help@federation.example"
    context = {
        "recipient_name": "Kim",
        "application_name": "Union of Students",
        "link": "https://x/1/",
        "review_count": 2,
        "days": 14,
        "total": 0,
        "items": [],
    }
    message, html = mail_of(
        Notification(template=template, context=context, recipient_email="kim@example.org")
    )

    body, _sep, signature = message.body.rpartition("\n-- \n")
    assert body.rstrip().splitlines()[-1] == (
        "If you have a question, please write to the secretariat: help@federation.example"
    )
    assert "help@federation.example" not in signature
    assert '<a href="mailto:help@federation.example">help@federation.example</a>' in html
    assert (
        html.index("Hello <bdi>Kim</bdi>,")
        < html.index("mailto:help@federation.example")
        < html.index("<hr>")
    )


def test_the_contact_address_defaults_to_the_secretariat(cast):
    assert django_settings.FEDERATION_CONTACT_EMAIL == "secretariat@federation.example"
    services.application_submit(application=new_draft(cast), actor=cast.applicant)
    message, _html = mail_of(Notification.objects.get(event=Event.SUBMITTED, recipient=cast.applicant))

    assert CONTACT in message.body


def test_the_e_mails_at_closing_explain_how_the_outcome_was_computed(cast):
    failed_vote_story(cast)
    explanation = [
        "3 of 3 eligible voted — quorum reached (more than half: at least 2).",
        "0 yes of 3 (yes + no) — simple majority not reached (more than half: at least 2 yes).",
        "Outcome: failed → rejected.",
    ]

    for row in (
        Notification.objects.get(event=Event.REJECTED, recipient=cast.committee[0]),
        Notification.objects.get(event=Event.VOTE_CLOSED, recipient=cast.secretariat),
    ):
        assert row.context["explanation"] == explanation
        message, html = mail_of(row)
        assert "How the outcome was reached:\n- " + "\n- ".join(explanation) in message.body
        assert "<li>Outcome: failed → rejected.</li>" in html
    to_applicant, _html = mail_of(Notification.objects.get(event=Event.REJECTED, recipient=cast.applicant))
    assert "How the outcome was reached" not in to_applicant.body


def test_the_admission_e_mails_explain_the_outcome_to_the_secretariat_and_the_committee(cast):
    a, _round, _expected = open_vote_story(cast)
    for member in cast.committee:
        services.vote_cast(application=reload(a), member=member, choice="yes")

    for template in ("admitted_secretariat", "admitted_committee"):
        row = Notification.objects.filter(event=Event.ADMITTED, template=template).first()
        message, _html = mail_of(row)
        assert "- 3 yes of 3 (yes + no) — simple majority reached (more than half: at least 2 yes)." in (
            message.body
        )
    assert (
        Notification.objects.get(event=Event.VOTE_OPENED, recipient=cast.applicant).context["explanation"]
        == []
    )
