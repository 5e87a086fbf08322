from celery import shared_task

from . import services


@shared_task(name="workflows.tasks.close_due_vote_rounds")
def close_due_vote_rounds() -> list[int]:
    """Close the vote rounds whose deadline has passed (Celery beat, every minute)."""
    return services.close_due_vote_rounds()
