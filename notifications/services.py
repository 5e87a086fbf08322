"""Writing to the outbox, and the secretariat's actions on it.

``outbox_write`` runs inside the sender's transaction: it inserts the rows whose idempotency
key is new (the same event never writes twice) and enqueues their delivery after commit. If
the transaction rolls back, no row exists and nothing is enqueued.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts import roles
from accounts.language import languages_of, languages_of_addresses, loaded_language, supported

from .models import Notification, NotificationState

logger = logging.getLogger(__name__)


class OutboxError(Exception):
    """A refused action on the outbox: ``code`` (forbidden, not_allowed) and a message for the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class InLanguage:
    """A context value computed in the reader's language when the row is written, e.g. a date
    with its month's name: ``InLanguage(date_format, moment, "j F Y")``."""

    def __init__(self, function, *args, **kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs

    def __call__(self):
        return self.function(*self.args, **self.kwargs)


def in_language(value, language: str):
    """``value`` with its translatable parts (lazy texts, ``InLanguage``) written in ``language``:
    plain strings, numbers, lists and dicts, as a row's JSON context holds them."""
    with translation.override(language):
        return _resolve(value)


def _resolve(value):
    if isinstance(value, InLanguage):
        return _resolve(value())
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {key: _resolve(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(item) for item in value]
    return value


def localize_rows(rows: Iterable[Notification]) -> None:
    """Write each row's context in its recipient's language, and keep that language in the context:
    the e-mail is rendered in it.

    The recipient's choice on their account; for a row addressed to an e-mail address alone (an
    invitation), the choice of the account with that address if there is one; else the language the
    sender put in the context (e.g. the inviting person's); else the site's default.
    """
    rows = list(rows)
    chosen = _chosen_languages(rows)
    by_address = languages_of_addresses(
        {row.recipient_email for row in rows if row.recipient_id is None and row.recipient_email}
    )
    for row in rows:
        context = row.context or {}
        language = (
            chosen.get(row.recipient_id)
            or (row.recipient_id is None and by_address.get(row.recipient_email.lower()))
            or supported(context.get("language"))
            or settings.LANGUAGE_CODE
        )
        row.context = {**in_language(context, language), "language": language}


def _chosen_languages(rows: list[Notification]) -> dict[int, str]:
    """{recipient id: their chosen language}: from the recipients read with their choice
    (``accounts.language.loaded_language``), one query for the others."""
    loaded = {}
    for row in rows:
        if row.recipient_id is not None and Notification.recipient.is_cached(row) and row.recipient:
            language = loaded_language(row.recipient)
            if language is not None:
                loaded[row.recipient_id] = language
    chosen = languages_of({row.recipient_id for row in rows} - set(loaded))
    return {**chosen, **{pk: language for pk, language in loaded.items() if language}}


def outbox_write(rows: Iterable[Notification]) -> list[Notification]:
    """Insert the unsaved ``rows`` whose idempotency key is new; enqueue each on commit; return them.

    Write the rows' contexts in their readers' languages, insert them in one statement that skips
    the keys already there (``ON CONFLICT DO NOTHING``: an earlier or concurrent writer of the
    same key wins quietly) and returns the rows it inserted, enqueue those on commit.
    """
    rows = {row.idempotency_key: row for row in rows}
    if not rows:
        return []
    localize_rows(rows.values())
    created = _insert_new(list(rows.values()))
    enqueue_on_commit([n.pk for n in created])
    return created


def _insert_new(rows: list[Notification]) -> list[Notification]:
    """Insert ``rows``, each skipped if its key exists; return the inserted ones (by id), saved.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per batch where the database returns rows
    from a bulk insert (PostgreSQL, SQLite); elsewhere ``bulk_create(ignore_conflicts=True)``
    and a read of the rows back."""
    using = router.db_for_write(Notification)
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:
        Notification.objects.using(using).bulk_create(rows, ignore_conflicts=True)
        keys = [row.idempotency_key for row in rows]
        return list(
            Notification.objects.using(using)
            .filter(idempotency_key__in=keys, state=NotificationState.PENDING)
            .order_by("pk")
        )
    opts = Notification._meta
    fields = [field for field in opts.concrete_fields if not field.primary_key]
    by_key = {row.idempotency_key: row for row in rows}
    created = []
    batch = connection.ops.bulk_batch_size(fields, rows) or len(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
            query.insert_values(fields, rows[start : start + batch])
            compiler = query.get_compiler(using=using)
            compiler.returning_fields = [opts.pk, opts.get_field("idempotency_key")]
            for sql, params in compiler.as_sql():
                cursor.execute(sql, params)
                for pk, key in cursor.fetchall():
                    row = by_key[key]
                    row.pk, row._state.adding, row._state.db = pk, False, using
                    created.append(row)
    return sorted(created, key=lambda row: row.pk)


def enqueue_on_commit(notification_ids: Iterable[int]) -> None:
    """Enqueue delivery of each row after the current transaction commits (ids only), in one
    publish (``OutboxTask.publish``: one producer from the pool, two round trips at most)."""
    from .tasks import deliver_notification  # the tasks module imports delivery, which imports us

    deliver_notification.publish_on_commit({"notification_id": pk} for pk in notification_ids)


def _require_outbox_admin(actor) -> None:
    if not (getattr(actor, "is_superuser", False) and actor.is_active) and not roles.is_secretariat(actor):
        raise OutboxError("forbidden", _("Only the secretariat may manage the outbox."))


@transaction.atomic
def notification_retry(*, notification: Notification, actor) -> Notification:
    """A failed, cancelled or waiting e-mail: send it now, with a fresh count of attempts.

    Check, lock, reset to pending (due now, attempts 0, the last error kept), enqueue on commit.
    """
    _require_outbox_admin(actor)
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.state not in (NotificationState.FAILED, NotificationState.CANCELLED, NotificationState.PENDING):
        raise OutboxError(
            "not_allowed",
            _("This e-mail is “%(state)s”: it cannot be sent again.") % {"state": locked.get_state_display()},
        )
    locked.state = NotificationState.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.claimed_at = None
    locked.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at"])
    enqueue_on_commit([locked.pk])
    logger.info("Notification %s queued again by %s", locked.pk, actor)
    return locked


@transaction.atomic
def notification_cancel(*, notification: Notification, actor) -> Notification:
    """Never send a pending or failed e-mail. Check, lock, mark cancelled."""
    _require_outbox_admin(actor)
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.state not in (NotificationState.PENDING, NotificationState.FAILED):
        raise OutboxError(
            "not_allowed",
            _("This e-mail is “%(state)s”: it cannot be cancelled.") % {"state": locked.get_state_display()},
        )
    locked.state = NotificationState.CANCELLED
    locked.next_attempt_at = None
    locked.save(update_fields=["state", "next_attempt_at"])
    logger.info("Notification %s cancelled by %s", locked.pk, actor)
    return locked
