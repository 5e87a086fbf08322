"""The publish after the commit: a transaction's outbox rows go to the broker together, through one
producer from the app's pool, one message each."""

import base64
import json

import pytest
from django.db import transaction

from config.celery import app
from notifications.services import enqueue_on_commit
from notifications.tasks import deliver_notification

pytestmark = pytest.mark.django_db

QUEUE = "notifications"  # CELERY_TASK_ROUTES
IDS = [9101, 9102, 9103]


def _reset_connections() -> None:
    """Forget the broker connections and producers made with the previous broker URL."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_at():
    """Publish for real (not in-process) to the given broker URL; restored afterwards."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def use(url: str):
        app.conf.update(broker_url=url, task_always_eager=False)
        _reset_connections()
        return app

    yield use
    app.conf.update(saved)
    _reset_connections()


def count_acquisitions(monkeypatch) -> list:
    """Count the producers taken from the app's pool (each publish without a producer takes one)."""
    pool = app.producer_pool
    taken = []
    acquire = pool.acquire

    def counting(*args, **kwargs):
        taken.append(1)
        return acquire(*args, **kwargs)

    monkeypatch.setattr(pool, "acquire", counting)
    return taken


def _commit_three(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(IDS)
    assert len(callbacks) == 1  # one publish for the transaction's rows


def test_a_transactions_rows_are_published_with_one_producer(
    broker_at, django_capture_on_commit_callbacks, monkeypatch
):
    broker_at("memory://localhost/")
    acquisitions = count_acquisitions(monkeypatch)

    _commit_three(django_capture_on_commit_callbacks)

    assert len(acquisitions) == 1
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        messages = iter(lambda: channel.basic_get(QUEUE, no_ack=True), None)
        published = [(m.headers["task"], m.decode()[1]) for m in messages]
    assert published == [(deliver_notification.name, {"notification_id": pk}) for pk in IDS]


def test_a_broker_error_at_the_publish_is_logged_and_leaves_the_rows_to_the_sweeper(
    broker_at, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from kombu.transport import memory

    broker_at("memory://localhost/")

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to the broker")

    monkeypatch.setattr(memory.Channel, "_put", broker_down)

    _commit_three(django_capture_on_commit_callbacks)  # does not raise out of the committed transaction

    assert "the sweeper will" in caplog.text


def _published_ids(client) -> list[int]:
    """The notification ids of the delivery messages on the queue; those messages are removed."""
    ids = []
    for raw in client.lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        if message["headers"].get("task") != deliver_notification.name:
            continue
        kwargs = json.loads(base64.b64decode(message["body"]))[1]
        if kwargs.get("notification_id") in IDS:
            ids.append(kwargs["notification_id"])
            client.lrem(QUEUE, 0, raw)
    return ids


@pytest.mark.redis
def test_on_redis_a_transactions_rows_take_one_producer(
    broker_at, django_capture_on_commit_callbacks, monkeypatch, settings
):
    import redis
    from kombu.transport import redis as kombu_redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    _published_ids(client)  # what an interrupted run left
    broker_at(settings.REDIS_URL)
    _commit_three(django_capture_on_commit_callbacks)  # connects: what is counted is the next publish
    counts = {"clients": 0, "sends": 0}
    create_client = kombu_redis.Channel._create_client
    send = redis.connection.Connection.send_packed_command

    def counting_client(self, *args, **kwargs):
        counts["clients"] += 1
        return create_client(self, *args, **kwargs)

    def counting_send(self, *args, **kwargs):
        counts["sends"] += 1
        return send(self, *args, **kwargs)

    monkeypatch.setattr(kombu_redis.Channel, "_create_client", counting_client)
    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting_send)
    acquisitions = count_acquisitions(monkeypatch)

    _commit_three(django_capture_on_commit_callbacks)

    monkeypatch.undo()
    # One producer for the three messages, each sent as it is published.
    assert (len(acquisitions), counts["sends"]) == (1, 3)
    assert sorted(_published_ids(client)) == sorted(IDS * 2)


def test_in_process_each_row_is_delivered(settings, django_capture_on_commit_callbacks, monkeypatch):
    """Without a broker (eager), the same publish runs each task in this process."""
    assert app.conf.task_always_eager
    ran = []
    monkeypatch.setattr(
        "notifications.delivery.deliver", lambda *, notification_id: ran.append(notification_id)
    )

    _commit_three(django_capture_on_commit_callbacks)

    assert ran == IDS
