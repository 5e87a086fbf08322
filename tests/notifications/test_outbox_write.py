"""outbox_write: one statement inserts the rows whose key is new and returns them, saved; a key
already there is skipped, left as it was and not enqueued. Each row is written in its reader's
language, read with the reader where the sender read it (no query of its own)."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Preferences
from notifications.models import Notification, NotificationState
from notifications.services import outbox_write
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def row(user, key: str, **context) -> Notification:
    return Notification(
        recipient=user,
        recipient_email=user.email,
        event="test",
        template="test",
        context=context,
        idempotency_key=key,
    )


def test_new_rows_are_inserted_by_one_statement_and_returned_saved(django_assert_num_queries):
    readers = [UserFactory(), UserFactory(), UserFactory()]

    # The readers' languages (none chosen), then one insert that returns the ids.
    with django_assert_num_queries(2):
        created = outbox_write(row(user, f"k{n}", n=n) for n, user in enumerate(readers))

    stored = {n.pk: n for n in Notification.objects.all()}
    assert [n.pk for n in created] == sorted(stored)
    for n in created:
        assert n.pk is not None
        assert not n._state.adding
        assert stored[n.pk].idempotency_key == n.idempotency_key
        assert stored[n.pk].recipient_id == n.recipient_id
        assert stored[n.pk].context == n.context == {"n": n.context["n"], "language": "en"}
        assert stored[n.pk].state == n.state == NotificationState.PENDING


def test_keys_already_written_are_skipped_and_not_enqueued(django_capture_on_commit_callbacks):
    first, second = UserFactory(), UserFactory()
    outbox_write([row(first, "same", version=1)])

    with django_capture_on_commit_callbacks() as callbacks:
        created = outbox_write([row(first, "same", version=2), row(second, "new")])

    assert [n.idempotency_key for n in created] == ["new"]
    assert len(callbacks) == 1  # the new row's delivery only
    assert Notification.objects.get(idempotency_key="same").context["version"] == 1
    assert Notification.objects.count() == 2


def test_the_same_rows_again_write_nothing_and_return_nothing(django_capture_on_commit_callbacks):
    reader = UserFactory()
    outbox_write([row(reader, "once")])

    with django_capture_on_commit_callbacks() as callbacks:
        assert outbox_write([row(reader, "once")]) == []

    assert callbacks == []
    assert Notification.objects.count() == 1


def test_a_reader_read_with_their_choice_costs_no_language_query(django_assert_num_queries):
    french, undecided = UserFactory(), UserFactory()
    Preferences.objects.create(user=french, language="fr")
    readers = User.objects.select_related("preferences").filter(pk__in=[french.pk, undecided.pk])
    by_pk = {user.pk: user for user in readers}

    with django_assert_num_queries(1):  # the insert
        created = outbox_write([row(by_pk[french.pk], "fr"), row(by_pk[undecided.pk], "none")])

    assert {n.idempotency_key: n.context["language"] for n in created} == {"fr": "fr", "none": "en"}


def test_a_reader_read_without_their_choice_is_looked_up(django_assert_num_queries):
    arabic = UserFactory()
    Preferences.objects.create(user=arabic, language="ar")
    reader = User.objects.get(pk=arabic.pk)

    with django_assert_num_queries(2):  # their choice, the insert
        [created] = outbox_write([row(reader, "ar")])

    assert created.context["language"] == "ar"
    assert Notification.objects.get(pk=created.pk).context["language"] == "ar"
