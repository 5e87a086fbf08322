"""Notifications end to end: PostgreSQL, a Redis of our own, a real Celery worker, a real SMTP server.

Each test runs the workflow's services in this process (committed transactions: the worker
must see the rows), a worker subprocess consumes the "celery" and "notifications" queues,
and an aiosmtpd server on loopback records every message it accepts. What is checked is
what arrives at the SMTP server: each expected (event, recipient) exactly once.
"""

import contextlib
import datetime
import os
import re
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Notification, NotificationState
from tests.cast import Cast, new_draft
from tests.conftest import REQUIRE_SERVICES
from tests.integration.harness import CeleryWorker, RedisServer, SmtpServer, database_url, wait_until
from tests.workflows.notification_stories import (
    admitted_story,
    expected_for,
    failed_vote_story,
    no_quorum_then_withdrawn_story,
    open_vote_story,
    reviews_confirmed_after_answer_story,
    screening_rejection_story,
)
from workflows import services
from workflows.notifications import Event, digest_send, vote_reminders_send

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SENT = NotificationState.SENT
MESSAGE_ID = re.compile(r"<notification-(\d+)-")


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _documents_in_memory(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture(scope="module")
def redis_server():
    """Our own redis-server (the shared one is never stopped); killed at the end of the module."""
    try:
        server = RedisServer(db=1)
    except FileNotFoundError:
        reason = "these tests start their own redis-server, which is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def broker(redis_server):
    """This process publishes to our Redis, for real (not eager); restored afterwards."""
    from config.celery import app

    if not redis_server.ping():
        redis_server.start()
    redis_server.client().flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_publish_retry_policy")}
    app.conf.update(
        broker_url=redis_server.url,
        task_always_eager=False,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    _reset_connections(app)
    yield app
    app.conf.update(saved)
    _reset_connections(app)


def _reset_connections(app) -> None:
    """Forget the broker connections made with the previous broker URL."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(redis_server, smtp, broker):
    """Start a Celery worker subprocess on the test database, our Redis and our SMTP server."""
    workers: list[CeleryWorker] = []

    def start(**env) -> CeleryWorker:
        environment = {key: value for key, value in os.environ.items() if key != "CELERY_EAGER"}
        environment.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=database_url(connection.settings_dict),
            DATABASE_POOL_MAX_SIZE="8",
            REDIS_URL=redis_server.url,
            EMAIL_URL=smtp.url,
            EMAIL_TIMEOUT="5",
            DEBUG="0",
            SECRET_KEY="integration-tests-only-not-secret",
            # Small back-off and sweeper times, so that a test waits seconds, not hours.
            NOTIFICATION_RETRY_BASE_SECONDS="0.2",
            NOTIFICATION_RETRY_MAX_SECONDS="1",
            NOTIFICATION_SENDING_TIMEOUT="3",
            NOTIFICATION_SWEEP_GRACE_SECONDS="1",
            LOG_LEVEL=os.environ.get("INTEGRATION_WORKER_LOG_LEVEL", "WARNING"),
        )
        environment.update({key: str(value) for key, value in env.items()})
        worker = CeleryWorker(env=environment).start()
        workers.append(worker)
        worker.wait_ready(broker)
        return worker

    yield start
    for worker in workers:
        worker.kill()
        print(
            f"--- worker {worker.name} log (tail) ---\n{worker.output()[-4000:]}"
        )  # shown if the test failed
        worker.cleanup()


# --- helpers ---------------------------------------------------------------------------------------


def delivered(smtp) -> Counter:
    """(event, recipient) of every message the SMTP server accepted, with multiplicity."""
    events = dict(Notification.objects.values_list("pk", "event"))
    pairs = Counter()
    for message in list(smtp.recorder.received):
        pk = int(MESSAGE_ID.match(message.message_id).group(1))
        for recipient in message.recipients:
            pairs[(events.get(pk, "?"), recipient)] += 1
    return pairs


def all_sent() -> bool:
    return Notification.objects.exists() and not Notification.objects.exclude(state=SENT).exists()


def sweep_until_all_sent(*, timeout: float, supervise=None) -> None:
    """Run the sweeper on the worker (as beat would, every second here) until every row is sent.

    ``supervise``, called on every round, may restart a worker that exited, as the process
    supervisor does in production (docker compose ``restart: unless-stopped``).
    """
    from notifications.tasks import sweep_notifications

    def swept() -> bool:
        if all_sent():
            return True
        if supervise is not None:
            supervise()
        with contextlib.suppress(Exception):  # the broker may still be reconnecting
            sweep_notifications.delay()
        return False

    wait_until(swept, timeout=timeout, interval=1.0, what="the sweeper to get every row sent")


def assert_each_message_once(smtp) -> None:
    counts = smtp.recorder.by_message_id()
    assert counts, "nothing was delivered"
    assert max(counts.values()) == 1, {mid: n for mid, n in counts.items() if n > 1}
    assert set(counts) == set(Notification.objects.values_list("message_id", flat=True))


# --- scenarios -------------------------------------------------------------------------------------------


def test_every_event_of_the_stories_reaches_its_recipients_exactly_once(smtp, start_worker):
    start_worker()
    cast = Cast.create()
    expected = []
    for story in (
        admitted_story,
        screening_rejection_story,
        no_quorum_then_withdrawn_story,
        failed_vote_story,
        reviews_confirmed_after_answer_story,
    ):
        _application, story_expected = story(cast)
        expected += story_expected
    deadline = timezone.now() + datetime.timedelta(days=7)
    application, _round, story_expected = open_vote_story(cast, deadline=deadline)
    expected += story_expected
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    assert len(vote_reminders_send(now=deadline - datetime.timedelta(hours=1))) == 2
    expected += [(Event.VOTE_REMINDER.value, u.email) for u in cast.committee[1:]]
    assert len(digest_send(now=timezone.now() + datetime.timedelta(days=15))) == 2
    expected += expected_for(Event.DIGEST, cast, "secretariat")
    assert {event for event, _ in expected} == set(Event.values)  # every event is in the story

    wait_until(
        lambda: smtp.recorder.count() >= len(expected) and all_sent(), timeout=60, what="every message"
    )
    time.sleep(0.5)  # nothing more comes

    assert delivered(smtp) == Counter(expected)
    assert_each_message_once(smtp)
    assert Notification.objects.count() == len(expected) == 97


def test_smtp_refusing_the_first_three_attempts_of_each_message_delivers_each_once(smtp, start_worker):
    smtp.recorder.fail_first = 3
    start_worker()
    cast = Cast.create()

    _application, expected = admitted_story(cast)

    wait_until(lambda: all_sent(), timeout=60, what="every message after three refusals each")
    assert delivered(smtp) == Counter(expected)
    assert_each_message_once(smtp)
    assert set(smtp.recorder.attempts.values()) == {4}
    assert set(Notification.objects.values_list("attempts", flat=True)) == {4}


def test_smtp_refusing_for_good_fails_each_row_with_the_reason_and_keeps_the_transition(smtp, start_worker):
    smtp.recorder.permanent = True
    start_worker()
    cast = Cast.create()

    application = services.application_submit(application=new_draft(cast), actor=cast.applicant)

    wait_until(
        lambda: Notification.objects.filter(state=NotificationState.FAILED).count() == 3,
        timeout=30,
        what="three failed rows",
    )
    assert smtp.recorder.count() == 0
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    assert all("554" in error for error in Notification.objects.values_list("last_error", flat=True))
    application.refresh_from_db()
    assert application.state == "submitted"


def test_redis_down_during_a_hundred_transitions_loses_nothing_and_sends_nothing_twice(
    smtp, start_worker, redis_server, capsys
):
    workers = [start_worker()]
    cast = Cast.create()
    drafts = [new_draft(cast) for _ in range(50)]

    transitions = 0
    for number, draft in enumerate(drafts):
        if number == 15:
            redis_server.kill()  # the broker goes down: every message until it is back is lost
        if number == 35:
            redis_server.start()  # back, empty
        submitted = services.application_submit(application=draft, actor=cast.applicant)
        services.application_withdraw(application=submitted, actor=cast.applicant, comment="Test.")
        transitions += 2
    assert transitions == 100
    rows = Notification.objects.count()
    per_application = expected_for(Event.SUBMITTED, cast, "applicant", "secretariat") + expected_for(
        Event.WITHDRAWN, cast, "applicant", "secretariat"
    )
    assert rows == 50 * len(per_application) == 300
    not_sent = Notification.objects.exclude(state=SENT).count()

    def supervise() -> None:
        # kombu can stop a worker ("Unrecoverable error") when Redis restarts under its
        # remote-control pub/sub connection; like the supervisor in production, start another.
        if not workers[-1].alive():
            workers.append(start_worker())

    sweep_until_all_sent(timeout=90, supervise=supervise)
    wait_until(
        lambda: smtp.recorder.count() >= rows, timeout=30, what="the SMTP server to have every message"
    )
    time.sleep(1.0)  # late duplicates would arrive now

    with capsys.disabled():
        print(
            f"\n[redis outage] {rows} rows; {not_sent} not sent when Redis came back; "
            f"worker restarts by the supervisor: {len(workers) - 1}; "
            f"duplicates: {sum(n - 1 for n in smtp.recorder.by_message_id().values())}"
        )
    assert_each_message_once(smtp)
    assert smtp.recorder.count() == rows


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_what_was_in_flight(
    smtp, start_worker, capsys
):
    smtp.recorder.delay = 0.1  # slow enough to be caught mid-send
    cast = Cast.create()
    drafts = [new_draft(cast) for _ in range(30)]
    for draft in drafts:
        services.application_submit(application=draft, actor=cast.applicant)
    rows = Notification.objects.count()
    assert rows == 90  # queued in Redis; the worker starts on a full queue

    worker = start_worker()
    wait_until(
        lambda: (
            smtp.recorder.count() >= 20
            and Notification.objects.filter(state=NotificationState.SENDING).exists()
        ),
        timeout=60,
        interval=0.02,
        what="the batch to be under way, with messages being sent",
    )
    worker.kill()  # SIGKILL: no warm shutdown, no acknowledgement, rows left "sending"
    in_flight = Notification.objects.filter(state=NotificationState.SENDING).count()
    sent_before = smtp.recorder.count()
    assert sent_before < rows, "the batch finished before the kill; slow the SMTP server down"

    start_worker()
    sweep_until_all_sent(timeout=90)
    wait_until(lambda: len(smtp.recorder.by_message_id()) >= rows, timeout=30, what="every message")
    time.sleep(1.0)

    counts = smtp.recorder.by_message_id()
    duplicates = sum(n - 1 for n in counts.values())
    with capsys.disabled():
        print(
            f"\n[worker SIGKILL] {rows} messages; {sent_before} accepted before the kill; "
            f"in flight at the kill: {in_flight}; duplicates after restart and sweep: {duplicates}"
        )
    assert set(counts) == set(Notification.objects.values_list("message_id", flat=True))
    assert len(counts) == rows
    assert duplicates <= in_flight
