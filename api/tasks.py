"""Partners' webhooks: the fan-out of feed events and the delivery of one row (``api.webhooks``).
Lost messages are harmless: beat runs the fan-out every minute, and the outbox's sweeper
(``notifications.tasks.sweep_notifications``) re-enqueues lost deliveries."""

from celery import shared_task

from notifications.tasks import OutboxTask

from . import webhooks


@shared_task(name="api.tasks.fan_out_webhooks", base=OutboxTask, ignore_result=True)
def fan_out_webhooks() -> int:
    """Write the deliveries of the feed's new events (``api.webhooks.fan_out``); how many."""
    return len(webhooks.fan_out())


@shared_task(
    name="api.tasks.deliver_webhook",
    base=OutboxTask,
    # As the e-mails' task: idempotent (the row is locked and checked), acknowledged after it ran.
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook delivery (``api.webhooks.deliver``)."""
    return webhooks.deliver(delivery_id=delivery_id)
