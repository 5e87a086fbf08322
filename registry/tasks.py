"""The registry's periodic tasks (Celery beat)."""

from celery import shared_task

from . import feed


@shared_task(name="registry.tasks.directory_feed_sweep", ignore_result=True)
def directory_feed_sweep() -> int:
    """Record what changed in the directory without a decision (good standing follows the
    calendar), then delete the events past ``FEED_RETENTION_DAYS``; daily, just after midnight UTC."""
    recorded = len(feed.publish_all())
    feed.prune()
    return recorded
