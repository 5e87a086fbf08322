"""The sweeper: rows stuck in sending are reset; pending rows whose message was lost are re-enqueued."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery as outbox
from notifications.models import Notification, NotificationState
from notifications.tasks import sweep_notifications
from tests.cast import new_draft
from workflows import services

pytestmark = pytest.mark.django_db

S = NotificationState


@pytest.fixture
def sweep_settings(settings):
    settings.NOTIFICATION_SENDING_TIMEOUT = 150
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 60
    return settings


@pytest.fixture
def rows(cast):
    services.application_submit(application=new_draft(cast), actor=cast.applicant)
    return list(Notification.objects.order_by("pk"))  # three pending rows


def test_rows_stuck_in_sending_are_reset_and_sent_again(
    rows, sweep_settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    stuck, recent = rows[0], rows[1]
    Notification.objects.filter(pk=stuck.pk).update(
        state=S.SENDING, attempts=1, claimed_at=now - datetime.timedelta(seconds=151)
    )
    Notification.objects.filter(pk=recent.pk).update(
        state=S.SENDING, attempts=1, claimed_at=now - datetime.timedelta(seconds=30)
    )
    Notification.objects.filter(pk=rows[2].pk).update(next_attempt_at=now)  # just enqueued: not lost

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = outbox.sweep(now=now)

    assert result == {"reset": [stuck.pk], "enqueued": [stuck.pk]}
    assert len(callbacks) == 1
    row = Notification.objects.get(pk=stuck.pk)
    assert (row.state, row.attempts) == (S.SENT, 2)
    assert [m.to[0] for m in mail.outbox] == [stuck.recipient_email]
    assert Notification.objects.get(pk=recent.pk).state == S.SENDING  # its worker may still be busy


def test_pending_rows_past_their_time_are_re_enqueued_once_per_grace_period(
    rows, sweep_settings, django_capture_on_commit_callbacks, monkeypatch
):
    now = timezone.now()
    lost, retry_later, fresh = rows
    Notification.objects.filter(pk=lost.pk).update(next_attempt_at=now - datetime.timedelta(minutes=5))
    Notification.objects.filter(pk=retry_later.pk).update(next_attempt_at=now + datetime.timedelta(minutes=5))
    Notification.objects.filter(pk=fresh.pk).update(next_attempt_at=now - datetime.timedelta(seconds=10))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = outbox.sweep(now=now)
    with django_capture_on_commit_callbacks(execute=False) as again:
        second = outbox.sweep(now=now + datetime.timedelta(seconds=30))

    assert first == {"reset": [], "enqueued": [lost.pk]}
    assert len(callbacks) == 1
    assert Notification.objects.get(pk=lost.pk).next_attempt_at == now  # leased for the grace period
    assert second == {"reset": [], "enqueued": []}
    assert again == []


def test_the_sweeper_leaves_sent_failed_and_cancelled_rows_alone(rows, sweep_settings):
    long_ago = timezone.now() - datetime.timedelta(days=1)
    Notification.objects.filter(pk=rows[0].pk).update(
        state=S.SENT, sent_at=long_ago, next_attempt_at=long_ago
    )
    Notification.objects.filter(pk=rows[1].pk).update(state=S.FAILED, next_attempt_at=long_ago)
    Notification.objects.filter(pk=rows[2].pk).update(state=S.CANCELLED, next_attempt_at=long_ago)

    assert outbox.sweep() == {"reset": [], "enqueued": []}


def test_the_periodic_task_runs_the_sweeper(rows, sweep_settings):
    Notification.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(hours=1))

    result = sweep_notifications()

    assert sorted(result["enqueued"]) == [n.pk for n in rows]


def test_a_broker_outage_at_enqueue_time_leaves_the_row_for_the_sweeper(
    cast, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from notifications.tasks import deliver_notification

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(deliver_notification, "apply_async", broker_down)
    application = new_draft(cast)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.application_submit(application=application, actor=cast.applicant)

    assert submitted.state == "submitted"  # the transition stands
    assert set(Notification.objects.values_list("state", flat=True)) == {S.PENDING}
    assert "the sweeper will" in caplog.text
