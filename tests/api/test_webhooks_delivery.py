"""Webhooks end to end, with a real HTTP receiver on loopback (allowed in tests only:
WEBHOOK_ALLOW_PRIVATE_TARGETS): feed events fan out to deliveries through the outbox's machinery,
signed as Standard Webhooks (verified here by the ``standardwebhooks`` library), retried after
failures, the endpoint disabled after a run of them, secrets rotated with an overlap."""

import datetime
import json

import pytest
import standardwebhooks
from django.utils import timezone

from accounts import roles
from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from notifications import delivery as outbox
from notifications.models import Notification
from notifications.models import NotificationState as S
from registry import feed
from registry.models import DirectoryEvent
from tests.api.webhook_receiver import HUGE, start_receiver
from tests.factories import MembershipFactory, PartnerKeyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver, server = start_receiver()
    yield receiver
    receiver.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver):
    endpoint, secret = webhooks.webhook_endpoint_create(
        partner_key=PartnerKeyFactory(contact_email="it@partner.example"), url=f"{receiver.url}/hook"
    )
    endpoint.secret = secret  # what the partner was shown
    return endpoint


def admit():
    membership = MembershipFactory()
    return feed.publish(membership.organization)


def only_delivery(endpoint) -> WebhookDelivery:
    [delivery] = WebhookDelivery.objects.filter(endpoint=endpoint)
    return delivery


def test_a_feed_event_arrives_signed_with_the_feed_item_as_body(endpoint, receiver, partner_client):
    event = admit()

    [delivery_id] = webhooks.fan_out()
    assert webhooks.deliver(delivery_id=delivery_id) == "sent"

    [received] = receiver.deliveries
    payload = standardwebhooks.Webhook(endpoint.secret).verify(received.body, received.headers)
    # The body is the event exactly as the change feed shows it to a partner.
    feed_item = partner_client.get("/api/v1/changes/", {"after": event.seq - 1}).json()["results"][0]
    assert payload == feed_item
    assert received.headers["webhook-id"] == f"msg_{endpoint.pk}_{event.seq}"
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.state, delivery.attempts, delivery.response_status) == (S.SENT, 1, 204)


def test_a_forged_body_does_not_verify(endpoint, receiver):
    admit()
    webhooks.deliver(delivery_id=webhooks.fan_out()[0])
    [received] = receiver.deliveries

    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(endpoint.secret).verify(
            received.body.replace(b"Union", b"Unio"), received.headers
        )


def test_publish_fans_out_and_delivers_after_commit(endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = admit()

    [received] = receiver.deliveries
    assert json.loads(received.body)["id"] == event.seq
    assert only_delivery(endpoint).state == S.SENT
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).last_event_seq == event.seq


def test_each_event_fans_out_once_and_only_to_subscribers(endpoint, receiver):
    admitted_only = webhooks.webhook_endpoint_create(
        partner_key=PartnerKeyFactory(), url=f"{receiver.url}/hook", event_types=["member.ended"]
    )[0]
    admit()
    admit()

    assert len(webhooks.fan_out()) == 2
    assert webhooks.fan_out() == []  # the cursors moved: nothing is written twice
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2
    assert not WebhookDelivery.objects.filter(endpoint=admitted_only).exists()
    assert WebhookEndpoint.objects.get(pk=admitted_only.pk).last_event_seq == feed.last_seq()


def test_an_endpoint_hears_only_of_events_after_its_registration(receiver):
    admit()
    endpoint, _secret = webhooks.webhook_endpoint_create(
        partner_key=PartnerKeyFactory(), url=f"{receiver.url}/hook"
    )

    assert webhooks.fan_out() == []
    admit()
    assert len(webhooks.fan_out()) == 1
    assert only_delivery(endpoint).event_seq == feed.last_seq()


def test_the_fan_out_reads_in_batches_and_misses_nothing(endpoint, settings):
    settings.WEBHOOK_FANOUT_BATCH = 2
    for _ in range(5):
        admit()

    written = []
    while ids := webhooks.fan_out():
        written += ids

    seqs = sorted(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_seq", flat=True))
    assert seqs == sorted(DirectoryEvent.objects.values_list("seq", flat=True))
    assert len(written) == 5


def test_a_500_is_retried_with_back_off_then_delivered(endpoint, receiver):
    admit()
    [delivery_id] = webhooks.fan_out()
    receiver.mode = "fail"

    assert webhooks.deliver(delivery_id=delivery_id) == "retry"
    first = WebhookDelivery.objects.get(pk=delivery_id)
    assert (first.state, first.attempts, first.response_status) == (S.PENDING, 1, 500)
    assert first.response_body == "oops!"
    assert "HTTP 500" in first.last_error

    # Not due yet: the message is early, nothing is sent.
    assert webhooks.deliver(delivery_id=delivery_id, now=timezone.now()) == "skipped"
    assert webhooks.deliver(delivery_id=delivery_id, now=first.next_attempt_at) == "retry"
    second = WebhookDelivery.objects.get(pk=delivery_id)
    gap_1 = first.next_attempt_at - first.claimed_at
    gap_2 = second.next_attempt_at - second.claimed_at
    assert gap_2 == 2 * gap_1  # exponential

    receiver.mode = "ok"
    assert webhooks.deliver(delivery_id=delivery_id, now=second.next_attempt_at) == "sent"
    assert len(receiver.deliveries) == 3
    # The same webhook-id every time: the receiver can drop a repeat.
    assert len({r.headers["webhook-id"] for r in receiver.deliveries}) == 1
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0


def test_retries_stop_after_the_retry_window(endpoint, receiver, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1000
    admit()
    [delivery_id] = webhooks.fan_out()
    receiver.mode = "fail"
    now = timezone.now()
    results = []
    for _ in range(200):
        results.append(webhooks.deliver(delivery_id=delivery_id, now=now))
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.state == S.FAILED:
            break
        now = delivery.next_attempt_at

    assert results[-1] == "failed"
    assert abs(
        delivery.retry_until - delivery.created_at - datetime.timedelta(hours=72)
    ) < datetime.timedelta(seconds=1)
    assert now == delivery.retry_until  # the last attempt is at the end of the window
    assert len(receiver.deliveries) == len(results)


def test_the_endpoint_is_disabled_after_a_run_of_failures_and_the_secretariat_told(endpoint, receiver, cast):
    for _ in range(3):
        admit()
    ids = webhooks.fan_out()
    receiver.mode = "fail"

    assert [webhooks.deliver(delivery_id=pk) for pk in ids] == ["retry", "retry", "retry"]

    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert "3 failed attempts in a row" in endpoint.disabled_reason
    notices = Notification.objects.filter(event="webhook_disabled")
    assert {n.recipient for n in notices} == set(roles.members_of(roles.SECRETARIAT))
    assert cast.secretariat in {n.recipient for n in notices}
    notice = notices.first()
    assert notice.context["url"] == endpoint.url
    message = outbox.message_build(notice)
    assert endpoint.url in message.body
    assert "it@partner.example" in message.body

    # Its deliveries wait: not sent, not swept, while it is disabled.
    later = timezone.now() + datetime.timedelta(days=1)
    assert webhooks.deliver(delivery_id=ids[0], now=later) == "skipped"
    assert outbox.sweep(now=later, channel=webhooks.WEBHOOKS)["enqueued"] == []
    assert webhooks.fan_out() == []

    # Enabled again: what waited is due now, and new events fan out again.
    receiver.mode = "ok"
    webhooks.webhook_endpoint_update(endpoint=endpoint, enabled=True)
    assert [webhooks.deliver(delivery_id=pk) for pk in ids] == ["sent", "sent", "sent"]
    admit()
    assert len(webhooks.fan_out()) == 1


def test_the_sweeper_reenqueues_a_lost_delivery(endpoint):
    admit()
    [delivery_id] = webhooks.fan_out()
    later = timezone.now() + datetime.timedelta(minutes=5)

    result = outbox.sweep_all(now=later)

    assert result["webhook"]["enqueued"] == [delivery_id]


def test_rotation_signs_with_both_secrets_during_the_overlap_then_the_new_one(endpoint, receiver):
    old = endpoint.secret
    endpoint, new = webhooks.webhook_secret_rotate(endpoint=endpoint)
    assert new != old
    assert new.startswith("whsec_")
    admit()
    webhooks.deliver(delivery_id=webhooks.fan_out()[0])
    [during] = receiver.deliveries

    assert len(during.headers["webhook-signature"].split(" ")) == 2
    standardwebhooks.Webhook(old).verify(during.body, during.headers)
    standardwebhooks.Webhook(new).verify(during.body, during.headers)

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    admit()
    webhooks.deliver(delivery_id=webhooks.fan_out()[0])
    after = receiver.deliveries[1]

    assert len(after.headers["webhook-signature"].split(" ")) == 1
    standardwebhooks.Webhook(new).verify(after.body, after.headers)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(old).verify(after.body, after.headers)


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(endpoint, receiver):
    admit()
    [delivery_id] = webhooks.fan_out()
    receiver.mode = "redirect"

    assert webhooks.deliver(delivery_id=delivery_id) == "retry"

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.response_status == 302
    assert "redirects are not followed" in delivery.last_error
    assert [r.path for r in receiver.requests] == ["/hook"]  # nobody went to /internal


def test_a_hanging_receiver_times_out(endpoint, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    admit()
    [delivery_id] = webhooks.fan_out()
    receiver.mode = "hang"

    assert webhooks.deliver(delivery_id=delivery_id) == "retry"

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.state == S.PENDING
    assert "timed out" in delivery.last_error
    assert delivery.response_status is None


def test_a_huge_answer_is_not_read(endpoint, receiver, settings):
    settings.WEBHOOK_RESPONSE_LOG_BYTES = 1024
    admit()
    [delivery_id] = webhooks.fan_out()
    receiver.mode = "huge"

    assert webhooks.deliver(delivery_id=delivery_id) == "sent"

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.response_body == "x" * 1024
    # The receiver could write only what the sockets' buffers hold before the registry hung up.
    assert receiver.huge_bytes_written < HUGE / 2


def test_redeliver_sends_the_same_message_again(endpoint, receiver):
    admit()
    [delivery_id] = webhooks.fan_out()
    webhooks.deliver(delivery_id=delivery_id)

    delivery = webhooks.webhook_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery_id))
    assert (delivery.state, delivery.attempts) == (S.PENDING, 0)
    assert webhooks.deliver(delivery_id=delivery_id) == "sent"

    first, second = receiver.deliveries
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_a_revoked_keys_endpoints_get_nothing(endpoint):
    admit()
    [delivery_id] = webhooks.fan_out()
    endpoint.partner_key.revoked = True
    endpoint.partner_key.save()
    admit()

    assert webhooks.deliver(delivery_id=delivery_id) == "skipped"
    assert webhooks.fan_out() == []


def test_the_fan_out_takes_the_same_queries_for_more_endpoints_and_events(
    receiver, django_assert_num_queries
):
    def world(endpoints: int, events: int) -> None:
        WebhookEndpoint.objects.all().delete()
        for _ in range(endpoints):
            webhooks.webhook_endpoint_create(partner_key=PartnerKeyFactory(), url=f"{receiver.url}/hook")
        for _ in range(events):
            admit()

    world(2, 3)
    with django_assert_num_queries(6) as small:  # savepoint, endpoints, events, insert, update, release
        assert len(webhooks.fan_out()) == 6
    world(4, 8)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(webhooks.fan_out()) == 32


def test_beat_runs_the_fan_out_every_minute(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["webhooks-fan-out"]
    assert entry["schedule"] == 60.0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
