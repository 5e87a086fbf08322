"""The workflow's periodic tasks (Celery beat)."""

from celery import shared_task

from . import motions, notifications, services


@shared_task(name="workflows.tasks.close_due_vote_rounds")
def close_due_vote_rounds() -> list[int]:
    """Close the vote rounds whose deadline has passed, on applications and on motions (Celery beat,
    every minute)."""
    return services.close_due_vote_rounds() + motions.close_due_motion_rounds()


@shared_task(name="workflows.tasks.send_vote_reminders", ignore_result=True)
def send_vote_reminders() -> int:
    """One reminder per open round, VOTE_REMINDER_BEFORE its deadline (Celery beat)."""
    return len(notifications.vote_reminders_send())


@shared_task(name="workflows.tasks.send_daily_digest", ignore_result=True)
def send_daily_digest() -> int:
    """The secretariat's digest of applications waiting too long; once a day (Celery beat)."""
    return len(notifications.digest_send())


@shared_task(name="workflows.tasks.withdrawals_take_effect", ignore_result=True)
def withdrawals_take_effect() -> int:
    """End the memberships whose confirmed notice of withdrawal takes effect today (Celery beat, daily)."""
    return len(motions.withdrawals_take_effect())
