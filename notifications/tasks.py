"""The outbox's tasks. Their names keep the ``workflows.tasks`` prefix they were first
published under, so messages in flight during a deploy are still consumed."""

import functools
import logging
from collections.abc import Iterable

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import transaction

from . import delivery

logger = logging.getLogger(__name__)


class OutboxTask(DjangoTask):
    """Publishing after the commit that never fails the committed transaction.

    The outbox row is already committed when the message is published; if the broker is
    down, the publish error is logged and the sweeper enqueues the row later. (Celery's own
    ``delay_on_commit`` would raise out of the caller's ``atomic`` block after the commit.)

    A transaction's messages go out together (``publish``): one producer from the app's pool for
    all of them, instead of a producer acquired for each message.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.publish_on_commit([kwargs], *args)

    def publish_on_commit(self, many_kwargs: Iterable[dict], *args) -> None:
        """After the commit, publish one message for each of ``many_kwargs`` (one publish)."""
        many_kwargs = list(many_kwargs)
        if many_kwargs:
            transaction.on_commit(functools.partial(self._publish_or_log, many_kwargs, args), robust=True)

    def publish(self, many_kwargs: Iterable[dict], args: tuple = ()) -> None:
        """Publish one message for each of ``many_kwargs``, in order, with one producer from the
        app's pool. In-process (eager), run each."""
        if self.app.conf.task_always_eager:
            for kwargs in many_kwargs:
                self.apply_async(args, kwargs)
            return
        with self.app.producer_or_acquire() as producer:
            for kwargs in many_kwargs:
                self.apply_async(args, kwargs, producer=producer)

    def _publish_or_log(self, many_kwargs: list[dict], args: tuple) -> None:
        try:
            self.publish(many_kwargs, args)
        except Exception as exc:
            logger.warning(
                "Could not enqueue %s%s (%r); the sweeper will", self.name, many_kwargs or args, exc
            )


@shared_task(
    name="workflows.tasks.deliver_notification",
    base=OutboxTask,
    # Idempotent (the row is locked and checked), so acknowledge after it ran: a message whose
    # worker dies is delivered again rather than lost. Routed to the "notifications" queue.
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver_notification(notification_id: int) -> str:
    """Send one outbox row (``notifications.delivery.deliver``)."""
    return delivery.deliver(notification_id=notification_id)


@shared_task(name="workflows.tasks.sweep_notifications", ignore_result=True)
def sweep_notifications() -> dict[str, list[int]]:
    """Reset rows stuck in sending and re-enqueue lost pending rows, on every channel of the outbox
    (e-mails, webhooks; Celery beat, every minute). Returns the e-mails' result; the others log theirs."""
    return delivery.sweep_all()[delivery.NOTIFICATIONS.name]
