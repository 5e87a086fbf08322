"""No event is ever skipped while writers commit concurrently and out of order (PostgreSQL).

Eight writer threads make random decisions on members for ``FEED_RACE_SECONDS`` (30 by default),
each in its own transaction that publishes to the feed last; a partner polls the feed through the
API every 50 ms meanwhile. The partner's replay must equal the final directory, and it must have
seen every event exactly once, in order.
"""

import os
import random
import threading
import time

import pytest
from django.db import IntegrityError, connection
from rest_framework.test import APIClient

from registry import feed
from registry.selectors import today
from tests.api.feed_history import Partner, decide, directory
from tests.factories import PartnerKeyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 8
SECONDS = float(os.environ.get("FEED_RACE_SECONDS", "30"))


def test_eight_writers_committing_out_of_order_never_make_a_reader_skip_an_event(regions, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "partner": "1000000/min", "user": "1000000/min"},
    }
    key = PartnerKeyFactory()
    stop = threading.Event()
    failures: list[BaseException] = []
    decisions = [0] * WRITERS
    polls = 0

    def write(number: int) -> None:
        rng = random.Random(number)
        try:
            while not stop.is_set():
                try:
                    if decide(rng, on=today(), prefix=f"w{number}"):
                        decisions[number] += 1
                except IntegrityError:  # two writers filed the same return: one is refused, as in life
                    pass
                time.sleep(rng.random() * 0.005)
        except BaseException as exc:  # reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.key}")
    partner = Partner(client)
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + SECONDS
    try:
        while time.monotonic() < deadline and not failures:
            partner.poll(limit=50)
            polls += 1
            time.sleep(0.05)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert not failures, failures
    partner.poll()
    last = feed.last_seq()
    print(
        f"\nchange feed race: {sum(decisions)} decisions by {WRITERS} writers, {last} events, {polls} polls"
    )
    assert partner.seen == list(range(1, last + 1))  # every event, once, in order
    assert partner.copy == directory(client)
    assert last > 100
    assert polls > SECONDS * 5
