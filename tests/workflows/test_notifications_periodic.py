"""The vote reminder (once per round) and the secretariat's daily digest (once per day)."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Notification
from tests.cast import new_draft
from tests.workflows.notification_stories import open_vote_story
from workflows import services
from workflows.notifications import Event, digest_send, vote_reminders_send
from workflows.tasks import send_daily_digest, send_vote_reminders

pytestmark = pytest.mark.django_db


def open_vote(cast, *, deadline):
    application, vote_round, _expected = open_vote_story(cast, deadline=deadline)
    return application, vote_round


def reminders():
    return Notification.objects.filter(event=Event.VOTE_REMINDER)


def test_the_reminder_goes_once_to_members_who_have_neither_voted_nor_recused(cast, settings):
    settings.VOTE_REMINDER_BEFORE = datetime.timedelta(hours=24)
    deadline = timezone.now() + datetime.timedelta(days=7)
    application, vote_round = open_vote(cast, deadline=deadline)
    voted, recused, waiting = cast.committee
    services.vote_cast(application=application, member=voted, choice="yes")
    services.vote_recuse(application=application, member=recused, reason="I know them.")

    assert vote_reminders_send(now=deadline - datetime.timedelta(hours=25)) == []  # too early
    sent = vote_reminders_send(now=deadline - datetime.timedelta(hours=23))
    again = vote_reminders_send(now=deadline - datetime.timedelta(hours=2))

    assert [n.recipient_id for n in sent] == [waiting.pk]
    assert again == []
    row = reminders().get()
    assert row.context["deadline_display"] == sent[0].context["deadline_display"]
    assert row.idempotency_key == f"vote_reminder:a{application.pk}:round{vote_round.pk}:u{waiting.pk}"
    assert vote_reminders_send(now=deadline + datetime.timedelta(minutes=1)) == []  # past the deadline


def test_no_reminder_for_a_round_opened_inside_the_reminder_window(cast, settings):
    settings.VOTE_REMINDER_BEFORE = datetime.timedelta(hours=24)
    deadline = timezone.now() + datetime.timedelta(hours=12)
    open_vote(cast, deadline=deadline)

    assert vote_reminders_send(now=deadline - datetime.timedelta(hours=6)) == []


def test_the_reminder_window_is_a_setting_and_the_periodic_task_sends(cast, settings):
    from workflows.models import VoteRound

    settings.VOTE_REMINDER_BEFORE = datetime.timedelta(hours=3)
    _application, vote_round = open_vote(cast, deadline=timezone.now() + datetime.timedelta(hours=2))
    assert send_vote_reminders() == 0  # opened inside the window: its opening e-mail is enough
    VoteRound.objects.filter(pk=vote_round.pk).update(opened_at=timezone.now() - datetime.timedelta(days=1))

    assert send_vote_reminders() == 3
    assert send_vote_reminders() == 0
    assert sorted(reminders().values_list("recipient_id", flat=True)) == sorted(u.pk for u in cast.committee)


def age(application, *, days: int) -> None:
    """Pretend the application's last state change was ``days`` ago."""
    from django_fsm_log.models import StateLog

    moment = timezone.now() - datetime.timedelta(days=days)
    StateLog.objects.for_(application).update(timestamp=moment)


def test_the_digest_lists_applications_waiting_too_long_once_a_day(cast, settings):
    settings.DIGEST_WAITING_DAYS = 14
    old = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    age(old, days=20)
    recent = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    age(recent, days=3)
    draft = new_draft(cast)  # drafts never count
    rejected = services.application_submit(application=new_draft(cast), actor=cast.applicant)
    rejected = services.application_reject(
        application=rejected, actor=cast.secretariat, comment="Ineligible."
    )
    age(rejected, days=30)  # final states never count
    Notification.objects.all().delete()

    first = digest_send()
    second = digest_send()

    assert sorted(n.recipient_id for n in first) == sorted(u.pk for u in cast.secretariat_team)
    assert second == []
    row = first[0]
    assert row.subject is None
    assert [item["id"] for item in row.context["items"]] == [old.pk]
    assert row.context["items"][0]["days"] == 20
    assert row.context["total"] == 1
    assert row.idempotency_key.startswith(f"digest:a-:day{timezone.now().date().isoformat()}:")
    assert draft.pk not in [item["id"] for item in row.context["items"]]

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert len(digest_send(now=tomorrow)) == 2  # a new day, a new digest


def test_no_digest_when_nothing_waits(cast):
    services.application_submit(application=new_draft(cast), actor=cast.applicant)
    assert send_daily_digest() == 0
    assert not Notification.objects.filter(event=Event.DIGEST).exists()
